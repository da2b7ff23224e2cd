/// How one axis of a separable filter reads its input: the taps, the
/// padding on both sides, what the padding holds, and the stride.
///
/// Output position `i` along the axis is `Σ_k taps[k] · input[i · stride + k − padBefore]`,
/// where an index outside `0..<length` reads zero (`replicatesEdges` false)
/// or the nearest edge element (`replicatesEdges` true).
struct FilterAxis: Equatable, Sendable {
    /// The correlation taps, in reading order.
    let taps: [Double]
    /// Padding before the first and after the last element.
    let padBefore: Int, padAfter: Int
    /// The step between output positions, in input elements.
    let stride: Int
    /// Whether the padding repeats the edge elements (otherwise it is zero).
    let replicatesEdges: Bool

    /// The output length for an input of `length` elements (PyTorch's floor rule).
    func outputLength(_ length: Int) -> Int {
        (length + padBefore + padAfter - taps.count) / stride + 1
    }

    /// The input index that output `i` reads with tap `k`, or `nil` where that is zero padding.
    @inline(__always)
    func source(_ i: Int, tap k: Int, length: Int) -> Int? {
        let index = i * stride + k - padBefore
        if index >= 0 && index < length { return index }
        if !replicatesEdges { return nil }
        return index < 0 ? 0 : length - 1
    }
}

/// The shapes of a depthwise separable filter: `planes` images of
/// `height × width`, each filtered along the height with `vertical` and along
/// the width with `horizontal`.
struct SeparableFilterGeometry: Equatable, Sendable {
    let planes: Int, height: Int, width: Int
    let vertical: FilterAxis, horizontal: FilterAxis

    var outputHeight: Int { vertical.outputLength(height) }
    var outputWidth: Int { horizontal.outputLength(width) }

    /// Rows per parallel block (a constant, so blocks never depend on the thread count).
    static let rowsPerBlock = 64
}

@inline(__always)
private func loadLanes<S: TensorScalar>(_ pointer: UnsafePointer<S>) -> SIMD8<S> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<S>.self)
}

@inline(__always)
private func storeLanes<S: TensorScalar>(_ vector: SIMD8<S>, _ pointer: UnsafeMutablePointer<S>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: SIMD8<S>.self)
}

/// `output[j] = Σ_k taps[k] · source[j + k]` for `j` in `0..<count`: a
/// stride-1 correlation, eight outputs at a time with every tap summed in
/// registers (in tap order, as the scalar tail does).
@inline(__always)
private func correlate<S: TensorScalar>(_ source: UnsafePointer<S>, taps: UnsafeBufferPointer<S>, count: Int, into output: UnsafeMutablePointer<S>) {
    var j = 0
    while j + 8 <= count {
        var sum = SIMD8<S>()
        for k in 0..<taps.count { sum += loadLanes(source + j + k) * taps[k] }
        storeLanes(sum, output + j)
        j += 8
    }
    while j < count {
        var sum = S.zero
        for k in 0..<taps.count { sum += source[j + k] * taps[k] }
        output[j] = sum
        j += 1
    }
}

/// `output[j] = Σ_t weights[t] · rows[t][j]` for `j` in `0..<count`, eight
/// at a time, the terms added in list order.
@inline(__always)
private func combineRows<S: TensorScalar>(_ rows: UnsafeMutablePointer<UnsafePointer<S>>, _ weights: UnsafeMutablePointer<S>, terms: Int,
                                          count: Int, into output: UnsafeMutablePointer<S>) {
    var j = 0
    while j + 8 <= count {
        var sum = SIMD8<S>()
        for t in 0..<terms { sum += loadLanes(rows[t] + j) * weights[t] }
        storeLanes(sum, output + j)
        j += 8
    }
    while j < count {
        var sum = S.zero
        for t in 0..<terms { sum += rows[t][j] * weights[t] }
        output[j] = sum
        j += 1
    }
}

/// Correlates one row with `axis` into `output` (`axis.outputLength(width)`
/// values), through `padded`, scratch of `width + padBefore + padAfter` values.
@inline(__always)
private func filterRow<S: TensorScalar>(_ input: UnsafePointer<S>, width: Int, axis: FilterAxis, taps: UnsafeBufferPointer<S>,
                                        padded: UnsafeMutablePointer<S>, output: UnsafeMutablePointer<S>) {
    let before = axis.padBefore, after = axis.padAfter, count = axis.outputLength(width)
    for j in 0..<before { padded[j] = axis.replicatesEdges ? input[0] : 0 }
    padded.advanced(by: before).update(from: input, count: width)
    for j in 0..<after { padded[before + width + j] = axis.replicatesEdges ? input[width - 1] : 0 }
    if axis.stride == 1 {
        correlate(padded, taps: taps, count: count, into: output)
        return
    }
    let step = axis.stride
    for j in 0..<count {
        var sum = S.zero
        for k in 0..<taps.count { sum += padded[j * step + k] * taps[k] }
        output[j] = sum
    }
}

/// The adjoint of ``filterRow``: the input gradient (`width` values,
/// overwritten) of the row gradient `gradient` (output length), through
/// `padded` scratch of `width + padBefore + padAfter` values and, at stride
/// 1, `spread` scratch of `count + 2 · (taps − 1)`; replicated padding folds
/// onto the edge elements. `reversed` holds the taps in reverse order.
@inline(__always)
private func filterRowAdjoint<S: TensorScalar>(_ gradient: UnsafePointer<S>, width: Int, axis: FilterAxis, taps: UnsafeBufferPointer<S>,
                                               reversed: UnsafeBufferPointer<S>, padded: UnsafeMutablePointer<S>,
                                               spread: UnsafeMutablePointer<S>, inputGradient: UnsafeMutablePointer<S>) {
    let before = axis.padBefore, after = axis.padAfter, count = axis.outputLength(width), length = width + before + after
    if axis.stride == 1 {
        // padded[x] = Σ_k taps[k] · gradient[x − k]: a correlation of the zero-extended gradient with the reversed taps.
        let extra = taps.count - 1
        spread.update(repeating: 0, count: extra)
        spread.advanced(by: extra).update(from: gradient, count: count)
        spread.advanced(by: extra + count).update(repeating: 0, count: length + extra - (extra + count))
        correlate(spread, taps: reversed, count: length, into: padded)
    } else {
        padded.update(repeating: 0, count: length)
        let step = axis.stride
        for k in 0..<taps.count {
            let weight = taps[k], target = padded + k
            for j in 0..<count { target[j * step] += weight * gradient[j] }
        }
    }
    inputGradient.update(from: padded + before, count: width)
    if axis.replicatesEdges {
        for j in 0..<before { inputGradient[0] += padded[j] }
        for j in 0..<after { inputGradient[width - 1] += padded[before + width + j] }
    }
}

/// `⌊a / b⌋` for `b > 0`.
@inline(__always)
private func floorDivide(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

/// `output[p] = vertical ⋆ (horizontal ⋆ input[p])` for every plane `p`
/// (a depthwise separable correlation with padding and stride per axis).
///
/// Work is split into blocks of ``SeparableFilterGeometry/rowsPerBlock``
/// output rows of one plane; each block filters the input rows it reads
/// horizontally into its own scratch, then sums them vertically, in tap order.
func separableFilterForward<S: TensorScalar>(input: UnsafePointer<S>, output: UnsafeMutablePointer<S>,
                                             geometry g: SeparableFilterGeometry, threads: Int) {
    let height = g.height, width = g.width, outHeight = g.outputHeight, outWidth = g.outputWidth
    if g.planes == 0 || outHeight <= 0 || outWidth <= 0 { return }
    let input = SendablePointer(UnsafeMutablePointer(mutating: input)), output = SendablePointer(output)
    let rowBlocks = (outHeight + SeparableFilterGeometry.rowsPerBlock - 1) / SeparableFilterGeometry.rowsPerBlock
    let verticalTaps = g.vertical.taps.map { S($0) }, horizontalTaps = g.horizontal.taps.map { S($0) }
    let tapCount = verticalTaps.count
    Parallel.forEachBlock(g.planes * rowBlocks, threads: threads) { block in
        let plane = block / rowBlocks
        let first = (block % rowBlocks) * SeparableFilterGeometry.rowsPerBlock
        let last = min(outHeight, first + SeparableFilterGeometry.rowsPerBlock)
        // The input rows this block reads, clamped into the image.
        let low = min(max(first * g.vertical.stride - g.vertical.padBefore, 0), height - 1)
        let high = min(max((last - 1) * g.vertical.stride - g.vertical.padBefore + tapCount - 1, 0), height - 1)
        let rows = high - low + 1
        let scratch = UnsafeMutablePointer<S>.allocate(capacity: rows * outWidth + width + g.horizontal.padBefore + g.horizontal.padAfter + tapCount)
        let rowPointers = UnsafeMutablePointer<UnsafePointer<S>>.allocate(capacity: tapCount)
        defer { scratch.deallocate(); rowPointers.deallocate() }
        let padded = scratch + rows * outWidth, weights = padded + width + g.horizontal.padBefore + g.horizontal.padAfter
        let source = input.base + plane * height * width, target = output.base + plane * outHeight * outWidth
        horizontalTaps.withUnsafeBufferPointer { taps in
            for row in low...high {
                filterRow(source + row * width, width: width, axis: g.horizontal, taps: taps, padded: padded,
                          output: scratch + (row - low) * outWidth)
            }
        }
        for i in first..<last {
            var terms = 0
            for k in 0..<tapCount {
                guard let row = g.vertical.source(i, tap: k, length: height) else { continue }
                rowPointers[terms] = UnsafePointer(scratch + (row - low) * outWidth)
                weights[terms] = verticalTaps[k]
                terms += 1
            }
            combineRows(rowPointers, weights, terms: terms, count: outWidth, into: target + i * outWidth)
        }
    }
}

/// The adjoint of ``separableFilterForward``: the input gradient from the
/// output gradient.
///
/// Blocks are ``SeparableFilterGeometry/rowsPerBlock`` input rows of one
/// plane; each gathers, in output-row and tap order, the output rows that read
/// its rows, so blocks write disjoint memory and the sums never depend on
/// the thread count.
func separableFilterAdjoint<S: TensorScalar>(outputGradient: UnsafePointer<S>, inputGradient: UnsafeMutablePointer<S>,
                                             geometry g: SeparableFilterGeometry, threads: Int) {
    let height = g.height, width = g.width, outHeight = g.outputHeight, outWidth = g.outputWidth
    if g.planes == 0 || height == 0 || width == 0 { return }
    if outHeight <= 0 || outWidth <= 0 {
        inputGradient.update(repeating: 0, count: g.planes * height * width)
        return
    }
    let gradient = SendablePointer(UnsafeMutablePointer(mutating: outputGradient)), result = SendablePointer(inputGradient)
    let rowBlocks = (height + SeparableFilterGeometry.rowsPerBlock - 1) / SeparableFilterGeometry.rowsPerBlock
    let verticalTaps = g.vertical.taps.map { S($0) }, horizontalTaps = g.horizontal.taps.map { S($0) }
    let reversedTaps = Array(horizontalTaps.reversed())
    let tapCount = verticalTaps.count, stride = g.vertical.stride, before = g.vertical.padBefore
    let paddedLength = width + g.horizontal.padBefore + g.horizontal.padAfter
    // The output rows that can read one input row: all of them for the edge rows of replicated padding.
    let termCapacity = g.vertical.replicatesEdges ? outHeight * tapCount : tapCount
    Parallel.forEachBlock(g.planes * rowBlocks, threads: threads) { block in
        let plane = block / rowBlocks
        let first = (block % rowBlocks) * SeparableFilterGeometry.rowsPerBlock
        let last = min(height, first + SeparableFilterGeometry.rowsPerBlock)
        let scratch = UnsafeMutablePointer<S>.allocate(capacity: outWidth + paddedLength + paddedLength + 2 * horizontalTaps.count + termCapacity)
        let rowPointers = UnsafeMutablePointer<UnsafePointer<S>>.allocate(capacity: termCapacity)
        defer { scratch.deallocate(); rowPointers.deallocate() }
        let gathered = scratch, padded = scratch + outWidth, spread = padded + paddedLength
        let weights = spread + paddedLength + 2 * horizontalTaps.count
        let source = gradient.base + plane * outHeight * outWidth, target = result.base + plane * height * width
        horizontalTaps.withUnsafeBufferPointer { taps in
        reversedTaps.withUnsafeBufferPointer { reversed in
        for row in first..<last {
            // The output rows i (ascending) and taps k (ascending) that read this row.
            let lowest = row == 0 && g.vertical.replicatesEdges ? 0 : max(0, -floorDivide(-(row + before - (tapCount - 1)), stride))
            let highest = row == height - 1 && g.vertical.replicatesEdges ? outHeight - 1 : min(outHeight - 1, floorDivide(row + before, stride))
            var terms = 0
            if lowest <= highest {
                for i in lowest...highest {
                    for k in 0..<tapCount where g.vertical.source(i, tap: k, length: height) == row {
                        rowPointers[terms] = UnsafePointer(source + i * outWidth)
                        weights[terms] = verticalTaps[k]
                        terms += 1
                    }
                }
            }
            combineRows(rowPointers, weights, terms: terms, count: outWidth, into: gathered)
            filterRowAdjoint(gathered, width: width, axis: g.horizontal, taps: taps, reversed: reversed, padded: padded,
                             spread: spread, inputGradient: target + row * width)
        }
        }
        }
    }
}
