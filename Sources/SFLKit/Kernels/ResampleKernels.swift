import Foundation

/// How a resampling maps output pixels to input pixels, with the semantics of
/// PyTorch `F.interpolate(input, size: (Ho, Wo), mode: …)`.
///
/// The two axes are resampled independently; along one axis of input size
/// `in` and output size `out` (any sizes ≥ 1, up or down):
/// - ``nearest``: output index `o` reads input `min(⌊o · in/out⌋, in − 1)`.
///   As in PyTorch, the scale `in/out` and the product are rounded to `Float`
///   (`o` itself when `in == out`, `o / 2` when `out == 2·in`).
/// - ``bilinear(alignCorners:)``: the source coordinate is
///   `s = max((o + ½) · in/out − ½, 0)` when `alignCorners` is false, and
///   `s = o · (in − 1)/(out − 1)` (0 when `out == 1`) when it is true. With
///   `i0 = min(⌊s⌋, in − 1)`, `i1 = min(i0 + 1, in − 1)` and `λ = s − i0`
///   (clamped to [0, 1]), output `o` is `(1 − λ)·x[i0] + λ·x[i1]`. Along two
///   axes the row and column weights multiply. Coordinates are computed in
///   `Double` for every scalar type.
enum ResampleMode: Equatable, Sendable {
    /// Nearest neighbour (PyTorch `mode="nearest"`).
    case nearest
    /// Bilinear interpolation (PyTorch `mode="bilinear"`); see ``ResampleMode``
    /// for the two coordinate conventions.
    case bilinear(alignCorners: Bool)
}

/// The shapes of a resampling of `planes` independent images.
///
/// Layouts: the input is `[planes, inputHeight, inputWidth]` and the output
/// `[planes, outputHeight, outputWidth]`, row-major and contiguous; for an NCHW
/// tensor `planes = N·C`.
struct ResampleGeometry: Equatable, Sendable {
    /// The number of planes (`N·C`), at least 0.
    var planes: Int
    /// The input height, at least 1.
    var inputHeight: Int
    /// The input width, at least 1.
    var inputWidth: Int
    /// The output height, at least 1.
    var outputHeight: Int
    /// The output width, at least 1.
    var outputWidth: Int
    /// How output pixels map to input pixels.
    var mode: ResampleMode
}

/// Resamples every plane of `input` into `output` (see ``ResampleMode`` for
/// the formulas): `output[p][y][x] = Σ_i Σ_j wy(y, i) · wx(x, j) · input[p][i][j]`.
///
/// Implemented as a gather: each output row first blends its (one or two)
/// input rows, vectorised along the row, then each output pixel gathers its
/// columns from the blend. Blocks are bands of output rows chosen from the
/// sizes only, so the result is bit-identical for any `threads`.
///
/// - Parameters:
///   - input: `geometry.planes · inputHeight · inputWidth` elements.
///   - output: `geometry.planes · outputHeight · outputWidth` elements, all overwritten;
///     must not overlap `input`.
///   - threads: the most threads to use (any value ≥ 1; results do not depend on it).
/// - Precondition: all sizes ≥ 1, `planes ≥ 0`.
func resampleForward<S: TensorScalar>(
    input: UnsafePointer<S>, output: UnsafeMutablePointer<S>,
    geometry: ResampleGeometry, threads: Int
) {
    let (rows, columns) = resampleAxes(geometry)
    resampleGather(source: input, destination: output, planes: geometry.planes,
                   rows: rows, columns: columns, threads: threads)
}

/// Overwrites `inputGradient` with the adjoint of ``resampleForward(input:output:geometry:threads:)``
/// applied to `outputGradient`: `inputGradient[p][i][j] = Σ_y Σ_x wy(y, i) · wx(x, j) · outputGradient[p][y][x]`,
/// the gradient of `Σ output · outputGradient` with respect to the input.
///
/// Implemented as a gather over the transposed axis maps: each input-gradient
/// element sums the outputs that read it in increasing output order, so the
/// result is deterministic and bit-identical for any `threads`. Input pixels
/// that no output reads (downsampling) get 0.
///
/// - Parameters:
///   - outputGradient: `geometry.planes · outputHeight · outputWidth` elements.
///   - inputGradient: `geometry.planes · inputHeight · inputWidth` elements, all overwritten;
///     must not overlap `outputGradient`.
///   - threads: the most threads to use.
/// - Precondition: all sizes ≥ 1, `planes ≥ 0`.
func resampleAdjoint<S: TensorScalar>(
    outputGradient: UnsafePointer<S>, inputGradient: UnsafeMutablePointer<S>,
    geometry: ResampleGeometry, threads: Int
) {
    let (rows, columns) = resampleAxes(geometry)
    resampleGather(source: outputGradient, destination: inputGradient, planes: geometry.planes,
                   rows: rows.transposed(), columns: columns.transposed(), threads: threads)
}

/// The row and column maps of `geometry`, after checking its sizes.
private func resampleAxes(_ geometry: ResampleGeometry) -> (rows: ResampleAxis, columns: ResampleAxis) {
    precondition(geometry.planes >= 0, "resample: planes must be ≥ 0, got \(geometry.planes)")
    precondition(geometry.inputHeight >= 1 && geometry.inputWidth >= 1
                 && geometry.outputHeight >= 1 && geometry.outputWidth >= 1,
                 "resample: sizes must be ≥ 1, got \(geometry)")
    return (ResampleAxis(inputCount: geometry.inputHeight, outputCount: geometry.outputHeight, mode: geometry.mode),
            ResampleAxis(inputCount: geometry.inputWidth, outputCount: geometry.outputWidth, mode: geometry.mode))
}

/// One axis of a resampling as a sparse matrix in compressed-row form.
///
/// Row `r` (`0 ..< count`) has the entries `start[r] ..< start[r + 1]`; entry
/// `e` weights source index `source[e]` (`0 ..< sourceCount`) by `weight[e]`.
/// The forward map of an axis has one row per output index (one entry for
/// nearest, two for bilinear); its ``transposed()`` has one row per input
/// index.
struct ResampleAxis: Equatable, Sendable {
    /// The length of the axis being read.
    var sourceCount: Int
    /// Row `r`'s entries are `start[r] ..< start[r + 1]`; `count + 1` elements, `start[0] == 0`.
    var start: [Int]
    /// The source index of each entry.
    var source: [Int]
    /// The weight of each entry.
    var weight: [Double]

    /// The number of rows (the length of the axis being written).
    var count: Int { start.count - 1 }

    /// The transpose: one row per source index, listing every row of `self`
    /// that reads it, in increasing row order (a row that reads the same
    /// source twice, as bilinear does at the last index, appears twice).
    func transposed() -> ResampleAxis {
        var counts = [Int](repeating: 0, count: sourceCount + 1)
        for s in source { counts[s + 1] += 1 }
        for i in 0..<sourceCount { counts[i + 1] += counts[i] }
        var next = counts
        var newSource = [Int](repeating: 0, count: source.count)
        var newWeight = [Double](repeating: 0, count: source.count)
        for row in 0..<count {
            for e in start[row]..<start[row + 1] {
                let slot = next[source[e]]
                newSource[slot] = row
                newWeight[slot] = weight[e]
                next[source[e]] += 1
            }
        }
        return ResampleAxis(sourceCount: count, start: counts, source: newSource, weight: newWeight)
    }
}

extension ResampleAxis {
    /// The forward map of one axis of length `inputCount` resampled to
    /// `outputCount` with `mode` (formulas in ``ResampleMode``).
    ///
    /// - Precondition: `inputCount ≥ 1`, `outputCount ≥ 1`.
    init(inputCount: Int, outputCount: Int, mode: ResampleMode) {
        precondition(inputCount >= 1 && outputCount >= 1, "ResampleAxis: sizes must be ≥ 1")
        var source: [Int] = []
        var weight: [Double] = []
        switch mode {
        case .nearest:
            let scale = Float(inputCount) / Float(outputCount)
            for o in 0..<outputCount {
                let index: Int
                if outputCount == inputCount {
                    index = o
                } else if outputCount == 2 * inputCount {
                    index = o >> 1
                } else {
                    index = min(Int((Float(o) * scale).rounded(.down)), inputCount - 1)
                }
                source.append(index)
                weight.append(1)
            }
        case .bilinear(let alignCorners):
            let scale: Double
            if alignCorners {
                scale = outputCount > 1 ? Double(inputCount - 1) / Double(outputCount - 1) : 0
            } else {
                scale = Double(inputCount) / Double(outputCount)
            }
            for o in 0..<outputCount {
                let coordinate = alignCorners ? scale * Double(o) : max(scale * (Double(o) + 0.5) - 0.5, 0)
                let i0 = min(Int(coordinate.rounded(.down)), inputCount - 1)
                let lambda = min(max(coordinate - Double(i0), 0), 1)
                source.append(i0)
                source.append(min(i0 + 1, inputCount - 1))
                weight.append(1 - lambda)
                weight.append(lambda)
            }
        }
        let taps = source.count / outputCount
        self.init(sourceCount: inputCount, start: (0...outputCount).map { $0 * taps },
                  source: source, weight: weight)
    }
}

/// `destination[p][r][c] = Σ_{e ∈ rows[r]} w_e · Σ_{f ∈ columns[c]} w_f · source[p][src_e][src_f]`
/// for every plane `p`: the separable gather that implements both the
/// resampling and its adjoint.
///
/// The two axes are applied one after the other, in the order that needs
/// fewer scalar column gathers (the vector row blends are cheap):
/// - when the destination has more rows than the source (vertical
///   upsampling), the columns of every source row a band needs are gathered
///   once into a scratch band, then each destination row blends its rows of
///   that band, vectorised along the row;
/// - otherwise each destination row first blends its source rows (vectorised),
///   then gathers its columns from the blend.
/// Sums run in entry order. A destination row with no entries is zero.
/// Blocks are contiguous bands of destination rows (over all planes), their
/// number chosen from the sizes only, so results do not depend on `threads`.
///
/// - Parameters:
///   - source: `planes · rows.sourceCount · columns.sourceCount` elements.
///   - destination: `planes · rows.count · columns.count` elements, overwritten; no overlap with `source`.
private func resampleGather<S: TensorScalar>(
    source: UnsafePointer<S>, destination: UnsafeMutablePointer<S>, planes: Int,
    rows: ResampleAxis, columns: ResampleAxis, threads: Int
) {
    let sourceHeight = rows.sourceCount, sourceWidth = columns.sourceCount
    let height = rows.count, width = columns.count
    let totalRows = planes * height
    guard totalRows > 0 else { return }
    let columnsFirst = sourceHeight < height

    // The maps as raw tables in S, converted once per call.
    let rowTable = AxisTable<S>(rows), columnTable = AxisTable<S>(columns, findingDoubling: true)
    defer { rowTable.deallocate(); columnTable.deallocate() }

    let work = totalRows * (sourceWidth + width)
    let blocks = max(1, min(totalRows, work / 32_768))
    Parallel.forEachBlock(blocks, threads: threads) { block in
        let range = Parallel.range(of: block, splitting: totalRows, into: blocks)
        // Scratch: one blended source row, or the column-gathered source rows of one band.
        let bandRows = columnsFirst ? rowTable.sourceSpan(of: range, height: height) : 1
        let scratch = UnsafeMutablePointer<S>.allocate(capacity: columnsFirst ? bandRows * width : sourceWidth)
        defer { scratch.deallocate() }
        var global = range.lowerBound
        while global < range.upperBound {
            // The part of the band inside plane p.
            let p = global / height
            let segment = (global - p * height) ..< (min(range.upperBound, (p + 1) * height) - p * height)
            let plane = source + p * sourceHeight * sourceWidth
            let out = destination + p * height * width
            if columnsFirst {
                let (low, high) = rowTable.sourceRange(of: segment)
                if low <= high {
                    for r in low...high {
                        gatherColumns(plane + r * sourceWidth, columnTable, into: scratch + (r - low) * width, count: width)
                    }
                }
                for row in segment {
                    blendRows(rowTable, row: row, base: scratch, firstRow: low, stride: width,
                              into: out + row * width, count: width)
                }
            } else {
                for row in segment {
                    let first = rowTable.start[row], end = rowTable.start[row + 1]
                    let blended: UnsafePointer<S>
                    if end - first == 1 && rowTable.weight[first] == 1 {
                        blended = plane + rowTable.source[first] * sourceWidth
                    } else {
                        blendRows(rowTable, row: row, base: plane, firstRow: 0, stride: sourceWidth,
                                  into: scratch, count: sourceWidth)
                        blended = UnsafePointer(scratch)
                    }
                    gatherColumns(blended, columnTable, into: out + row * width, count: width)
                }
            }
            global += segment.count
        }
    }
}

/// `out[i] = Σ_{e ∈ table[row]} w_e · base[(src_e − firstRow) · stride + i]` for `i < count`,
/// summed in entry order (0 when the row has no entries), vectorised along `i`.
@inline(__always)
private func blendRows<S: TensorScalar>(
    _ table: AxisTable<S>, row: Int, base: UnsafePointer<S>, firstRow: Int, stride: Int,
    into out: UnsafeMutablePointer<S>, count: Int
) {
    let first = table.start[row], end = table.start[row + 1]
    func rowOf(_ e: Int) -> UnsafePointer<S> { base + (table.source[e] - firstRow) * stride }
    switch end - first {
    case 0:
        out.update(repeating: 0, count: count)
    case 1 where table.weight[first] == 1:
        out.update(from: rowOf(first), count: count)
    case 1:
        scaleRow(table.weight[first], rowOf(first), into: out, count: count)
    default:
        blendTwoRows(table.weight[first], rowOf(first), table.weight[first + 1], rowOf(first + 1),
                     into: out, count: count)
        for e in (first + 2)..<end {
            addScaledRow(table.weight[e], rowOf(e), into: out, count: count)
        }
    }
}

/// `out[c] = Σ_{f ∈ table[c]} w_f · row[src_f]` for `c < count`, summed in
/// entry order, with straight-line paths when every entry list has one or two
/// entries, and fixed-weight loops inside a bilinear ×2 map
/// (``AxisTable/doubling``).
@inline(__always)
private func gatherColumns<S: TensorScalar>(
    _ row: UnsafePointer<S>, _ table: AxisTable<S>, into out: UnsafeMutablePointer<S>, count: Int
) {
    guard let doubling = table.doubling else {
        gatherColumns(row, table, into: out, columns: 0..<count)
        return
    }
    let interior = doubling.interior
    gatherColumns(row, table, into: out, columns: 0..<interior.lowerBound)
    let quarter: S = 0.25, threeQuarters: S = 0.75
    switch doubling.direction {
    case .upsampling:
        // Columns 2j and 2j + 1 read input j − 1, j and j, j + 1.
        // Wrapping index arithmetic: with overflow checks it was not vectorised.
        for j in (interior.lowerBound / 2)..<(interior.upperBound / 2) {
            out[2 &* j] = quarter * row[j &- 1] + threeQuarters * row[j]
            out[2 &* j &+ 1] = threeQuarters * row[j] + quarter * row[j &+ 1]
        }
    case .adjoint:
        // Column j sums outputs 2j − 1 ... 2j + 2, in that order.
        for j in interior {
            let g = row + 2 &* j
            out[j] = quarter * g[-1] + threeQuarters * g[0] + threeQuarters * g[1] + quarter * g[2]
        }
    }
    gatherColumns(row, table, into: out, columns: interior.upperBound..<count)
}

/// ``gatherColumns(_:_:into:count:)`` for the columns `columns`, from the table.
@inline(__always)
private func gatherColumns<S: TensorScalar>(
    _ row: UnsafePointer<S>, _ table: AxisTable<S>, into out: UnsafeMutablePointer<S>, columns: Range<Int>
) {
    let source = table.source, weight = table.weight
    switch table.uniformTaps {
    case 1:
        for c in columns { out[c] = weight[c] * row[source[c]] }
    case 2:
        for c in columns {
            out[c] = weight[2 * c] * row[source[2 * c]] + weight[2 * c + 1] * row[source[2 * c + 1]]
        }
    default:
        // Transposed bilinear maps have 1 to 4 entries per column (about 4 when
        // upsampled ×2); straight-line code for 3 and 4, the same sums in the same order.
        for c in columns {
            let f = table.start[c], end = table.start[c + 1]
            switch end - f {
            case 4:
                out[c] = weight[f] * row[source[f]] + weight[f + 1] * row[source[f + 1]]
                    + weight[f + 2] * row[source[f + 2]] + weight[f + 3] * row[source[f + 3]]
            case 3:
                out[c] = weight[f] * row[source[f]] + weight[f + 1] * row[source[f + 1]]
                    + weight[f + 2] * row[source[f + 2]]
            default:
                var acc: S = 0
                for e in f..<end { acc += weight[e] * row[source[e]] }
                out[c] = acc
            }
        }
    }
}

/// The interior of a bilinear ×2 axis map (`alignCorners` false, output
/// length exactly twice the input's), where every weight is ¼ or ¾ and the
/// source indices follow from the column: the decoder's upsampling of 150
/// columns to 300 and its adjoint. There the column gathers need no table
/// and the compiler vectorises them (interleaving or deinterleaving
/// shuffles); the table's general loop, one scalar at a time with four
/// table loads per column, was most of the upsampling's time. The sums keep
/// the table's order, so results are bit-identical.
struct BilinearDoubling: Equatable, Sendable {
    /// Which map: the upsampling (`2n` columns from `n`) or its transpose.
    enum Direction: Equatable, Sendable {
        /// Output column `2j` is `¼ x[j − 1] + ¾ x[j]`, `2j + 1` is `¾ x[j] + ¼ x[j + 1]`.
        case upsampling
        /// Column `j` is `¼ g[2j − 1] + ¾ g[2j] + ¾ g[2j + 1] + ¼ g[2j + 2]`.
        case adjoint
    }

    /// Which map.
    let direction: Direction
    /// The columns written by the fixed-weight loop; the table gives the rest.
    let interior: Range<Int>

    /// A pattern with the given parts (no check).
    init(direction: Direction, interior: Range<Int>) {
        self.direction = direction
        self.interior = interior
    }

    /// The doubling pattern of `axis`, or `nil` when it does not have one
    /// (fewer than 3 source columns for the upsampling, 4 columns for the
    /// adjoint, or any entry that differs).
    init?(_ axis: ResampleAxis) {
        // Row r lists `count` entries: sources first, first + 1, … with weights `weights(k)`.
        func matches(_ r: Int, count: Int, firstSource first: Int, weights: (Int) -> Double) -> Bool {
            let start = axis.start[r]
            guard axis.start[r + 1] - start == count else { return false }
            return (0..<count).allSatisfy { k in axis.source[start + k] == first + k && axis.weight[start + k] == weights(k) }
        }
        let n = axis.sourceCount
        if axis.count == 2 * n && n >= 3 {
            for j in 1..<(n - 1) where !(matches(2 * j, count: 2, firstSource: j - 1) { $0 == 0 ? 0.25 : 0.75 }
                                         && matches(2 * j + 1, count: 2, firstSource: j) { $0 == 0 ? 0.75 : 0.25 }) {
                return nil
            }
            direction = .upsampling
            interior = 2 ..< 2 * (n - 1)
        } else if n == 2 * axis.count && axis.count >= 4 {
            // Column 1 also lists output 0 (weight 0): the loop starts at 2.
            for j in 2..<(axis.count - 1)
            where !matches(j, count: 4, firstSource: 2 * j - 1, weights: { $0 == 0 || $0 == 3 ? 0.25 : 0.75 }) {
                return nil
            }
            direction = .adjoint
            interior = 2 ..< axis.count - 1
        } else {
            return nil
        }
    }
}

/// A ``ResampleAxis`` copied into raw buffers, weights converted to `S`
/// (one allocation per table, released by ``deallocate()``).
private struct AxisTable<S: TensorScalar> {
    /// Entry ranges per row, as in ``ResampleAxis/start``.
    let start: UnsafeMutablePointer<Int>
    /// Source index per entry.
    let source: UnsafeMutablePointer<Int>
    /// Weight per entry, in `S`.
    let weight: UnsafeMutablePointer<S>
    /// `t` when every row has exactly `t` entries, else 0.
    let uniformTaps: Int
    /// The bilinear ×2 pattern of the map, if it has one.
    let doubling: BilinearDoubling?

    /// Copies `axis`; with `findingDoubling`, also looks for its bilinear ×2
    /// pattern (only column gathers use it).
    init(_ axis: ResampleAxis, findingDoubling: Bool = false) {
        start = .allocate(capacity: axis.start.count)
        start.initialize(from: axis.start, count: axis.start.count)
        source = .allocate(capacity: max(axis.source.count, 1))
        source.initialize(from: axis.source, count: axis.source.count)
        weight = .allocate(capacity: max(axis.weight.count, 1))
        for e in axis.weight.indices { (weight + e).initialize(to: S(axis.weight[e])) }
        let taps = axis.count > 0 ? axis.start[1] : 0
        uniformTaps = axis.start.indices.allSatisfy { axis.start[$0] == $0 * taps } ? taps : 0
        doubling = findingDoubling ? BilinearDoubling(axis) : nil
    }

    /// The smallest and largest source index read by the rows `rows`
    /// (`low > high` when they read nothing).
    func sourceRange(of rows: Range<Int>) -> (low: Int, high: Int) {
        var low = Int.max, high = Int.min
        for e in start[rows.lowerBound]..<start[rows.upperBound] {
            low = min(low, source[e])
            high = max(high, source[e])
        }
        return (low, high)
    }

    /// The most source rows one plane's part of the global row band `band`
    /// spans (rows of plane `p` are `p · height ..< (p + 1) · height`), at least 1.
    func sourceSpan(of band: Range<Int>, height: Int) -> Int {
        var span = 1, global = band.lowerBound
        while global < band.upperBound {
            let p = global / height
            let segment = (global - p * height) ..< (min(band.upperBound, (p + 1) * height) - p * height)
            let (low, high) = sourceRange(of: segment)
            if low <= high { span = max(span, high - low + 1) }
            global += segment.count
        }
        return span
    }

    /// Frees the buffers.
    func deallocate() {
        start.deallocate()
        source.deallocate()
        weight.deallocate()
    }
}

/// `out[i] = w0 · a[i] + w1 · b[i]` for `i < count`.
@inline(__always)
private func blendTwoRows<S: TensorScalar>(
    _ w0: S, _ a: UnsafePointer<S>, _ w1: S, _ b: UnsafePointer<S>,
    into out: UnsafeMutablePointer<S>, count: Int
) {
    var i = 0
    while i + 8 <= count {
        storeVector8(w0 * loadVector8(a + i) + w1 * loadVector8(b + i), out + i)
        i += 8
    }
    while i < count {
        out[i] = w0 * a[i] + w1 * b[i]
        i += 1
    }
}

/// `out[i] = w · a[i]` for `i < count`.
@inline(__always)
private func scaleRow<S: TensorScalar>(
    _ w: S, _ a: UnsafePointer<S>, into out: UnsafeMutablePointer<S>, count: Int
) {
    var i = 0
    while i + 8 <= count {
        storeVector8(w * loadVector8(a + i), out + i)
        i += 8
    }
    while i < count {
        out[i] = w * a[i]
        i += 1
    }
}

/// `out[i] += w · a[i]` for `i < count`.
@inline(__always)
private func addScaledRow<S: TensorScalar>(
    _ w: S, _ a: UnsafePointer<S>, into out: UnsafeMutablePointer<S>, count: Int
) {
    var i = 0
    while i + 8 <= count {
        storeVector8(loadVector8(out + i) + w * loadVector8(a + i), out + i)
        i += 8
    }
    while i < count {
        out[i] += w * a[i]
        i += 1
    }
}

/// Eight consecutive elements from `p` (no alignment needed).
@inline(__always)
private func loadVector8<S: TensorScalar>(_ p: UnsafePointer<S>) -> SIMD8<S> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<S>.self)
}

/// Eight consecutive elements from `p` (no alignment needed).
@inline(__always)
private func loadVector8<S: TensorScalar>(_ p: UnsafeMutablePointer<S>) -> SIMD8<S> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<S>.self)
}

/// Stores `v` at `p ..< p + 8` (no alignment needed).
@inline(__always)
private func storeVector8<S: TensorScalar>(_ v: SIMD8<S>, _ p: UnsafeMutablePointer<S>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<S>.self)
}
