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
/// Each destination row first blends its source rows in entry order
/// (vectorised along the row), then each destination element sums its column
/// entries in entry order. A destination row with no entries is zero.
/// Blocks are contiguous bands of destination rows (over all planes), their
/// number chosen from the sizes only.
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

    // The maps as raw tables in S, converted once per call.
    let rowTable = AxisTable<S>(rows), columnTable = AxisTable<S>(columns)
    defer { rowTable.deallocate(); columnTable.deallocate() }

    let work = totalRows * (sourceWidth + width)
    let blocks = max(1, min(totalRows, work / 32_768))
    Parallel.forEachBlock(blocks, threads: threads) { block in
        let blend = UnsafeMutablePointer<S>.allocate(capacity: sourceWidth)
        defer { blend.deallocate() }
        for global in Parallel.range(of: block, splitting: totalRows, into: blocks) {
            let plane = source + (global / height) * sourceHeight * sourceWidth
            let row = global % height
            let out = destination + global * width
            let first = rowTable.start[row], end = rowTable.start[row + 1]
            if first == end {
                out.update(repeating: 0, count: width)
                continue
            }
            // Vertical step: the blend of this row's source rows.
            let blended: UnsafePointer<S>
            if end - first == 1 && rowTable.weight[first] == 1 {
                blended = plane + rowTable.source[first] * sourceWidth
            } else {
                var e = first
                if end - first >= 2 {
                    blendTwoRows(rowTable.weight[e], plane + rowTable.source[e] * sourceWidth,
                                 rowTable.weight[e + 1], plane + rowTable.source[e + 1] * sourceWidth,
                                 into: blend, count: sourceWidth)
                    e += 2
                } else {
                    scaleRow(rowTable.weight[e], plane + rowTable.source[e] * sourceWidth,
                             into: blend, count: sourceWidth)
                    e += 1
                }
                while e < end {
                    addScaledRow(rowTable.weight[e], plane + rowTable.source[e] * sourceWidth,
                                 into: blend, count: sourceWidth)
                    e += 1
                }
                blended = UnsafePointer(blend)
            }
            // Horizontal step: gather the columns.
            for c in 0..<width {
                var acc: S = 0
                for f in columnTable.start[c]..<columnTable.start[c + 1] {
                    acc += columnTable.weight[f] * blended[columnTable.source[f]]
                }
                out[c] = acc
            }
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

    /// Copies `axis`.
    init(_ axis: ResampleAxis) {
        start = .allocate(capacity: axis.start.count)
        start.initialize(from: axis.start, count: axis.start.count)
        source = .allocate(capacity: max(axis.source.count, 1))
        source.initialize(from: axis.source, count: axis.source.count)
        weight = .allocate(capacity: max(axis.weight.count, 1))
        for e in axis.weight.indices { (weight + e).initialize(to: S(axis.weight[e])) }
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
        storeVector(w0 * loadVector(a + i) + w1 * loadVector(b + i), out + i)
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
        storeVector(w * loadVector(a + i), out + i)
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
        storeVector(loadVector(out + i) + w * loadVector(a + i), out + i)
        i += 8
    }
    while i < count {
        out[i] += w * a[i]
        i += 1
    }
}

/// Eight consecutive elements from `p` (no alignment needed).
@inline(__always)
private func loadVector<S: TensorScalar>(_ p: UnsafePointer<S>) -> SIMD8<S> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<S>.self)
}

/// Eight consecutive elements from `p` (no alignment needed).
@inline(__always)
private func loadVector<S: TensorScalar>(_ p: UnsafeMutablePointer<S>) -> SIMD8<S> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<S>.self)
}

/// Stores `v` at `p ..< p + 8` (no alignment needed).
@inline(__always)
private func storeVector<S: TensorScalar>(_ v: SIMD8<S>, _ p: UnsafeMutablePointer<S>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<S>.self)
}
