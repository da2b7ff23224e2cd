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

/// Correlates one row with `axis` into `output` (`axis.outputLength(width)`
/// values), through `padded`, scratch of `width + padBefore + padAfter` values.
@inline(__always)
private func filterRow<S: TensorScalar>(_ input: UnsafePointer<S>, width: Int, axis: FilterAxis, taps: UnsafePointer<S>,
                                        padded: UnsafeMutablePointer<S>, output: UnsafeMutablePointer<S>) {
    let before = axis.padBefore, after = axis.padAfter, count = axis.outputLength(width)
    for j in 0..<before { padded[j] = axis.replicatesEdges ? input[0] : 0 }
    padded.advanced(by: before).update(from: input, count: width)
    for j in 0..<after { padded[before + width + j] = axis.replicatesEdges ? input[width - 1] : 0 }
    output.update(repeating: 0, count: count)
    for k in 0..<axis.taps.count {
        let weight = taps[k], source = padded + k
        if axis.stride == 1 {
            for j in 0..<count { output[j] += weight * source[j] }
        } else {
            let step = axis.stride
            for j in 0..<count { output[j] += weight * source[j * step] }
        }
    }
}

/// The adjoint of ``filterRow``: adds the row gradient `gradient` (output
/// length) back onto `inputGradient` (`width` values, overwritten), through
/// `padded` scratch; replicated padding folds onto the edge elements.
@inline(__always)
private func filterRowAdjoint<S: TensorScalar>(_ gradient: UnsafePointer<S>, width: Int, axis: FilterAxis, taps: UnsafePointer<S>,
                                               padded: UnsafeMutablePointer<S>, inputGradient: UnsafeMutablePointer<S>) {
    let before = axis.padBefore, after = axis.padAfter, count = axis.outputLength(width)
    padded.update(repeating: 0, count: width + before + after)
    for k in 0..<axis.taps.count {
        let weight = taps[k], target = padded + k
        if axis.stride == 1 {
            for j in 0..<count { target[j] += weight * gradient[j] }
        } else {
            let step = axis.stride
            for j in 0..<count { target[j * step] += weight * gradient[j] }
        }
    }
    inputGradient.update(from: padded + before, count: width)
    if axis.replicatesEdges {
        for j in 0..<before { inputGradient[0] += padded[j] }
        for j in 0..<after { inputGradient[width - 1] += padded[before + width + j] }
    }
}

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
    Parallel.forEachBlock(g.planes * rowBlocks, threads: threads) { block in
        let plane = block / rowBlocks
        let first = (block % rowBlocks) * SeparableFilterGeometry.rowsPerBlock
        let last = min(outHeight, first + SeparableFilterGeometry.rowsPerBlock)
        // The input rows this block reads, clamped into the image.
        let low = min(max(first * g.vertical.stride - g.vertical.padBefore, 0), height - 1)
        let high = min(max((last - 1) * g.vertical.stride - g.vertical.padBefore + g.vertical.taps.count - 1, 0), height - 1)
        let rows = high - low + 1
        let scratch = UnsafeMutablePointer<S>.allocate(capacity: rows * outWidth + width + g.horizontal.padBefore + g.horizontal.padAfter)
        defer { scratch.deallocate() }
        let padded = scratch + rows * outWidth
        let source = input.base + plane * height * width, target = output.base + plane * outHeight * outWidth
        horizontalTaps.withUnsafeBufferPointer { taps in
            for row in low...high {
                filterRow(source + row * width, width: width, axis: g.horizontal, taps: taps.baseAddress!,
                          padded: padded, output: scratch + (row - low) * outWidth)
            }
        }
        for i in first..<last {
            let out = target + i * outWidth
            out.update(repeating: 0, count: outWidth)
            for k in 0..<verticalTaps.count {
                guard let row = g.vertical.source(i, tap: k, length: height) else { continue }
                let weight = verticalTaps[k], filtered = scratch + (row - low) * outWidth
                for j in 0..<outWidth { out[j] += weight * filtered[j] }
            }
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
    Parallel.forEachBlock(g.planes * rowBlocks, threads: threads) { block in
        let plane = block / rowBlocks
        let first = (block % rowBlocks) * SeparableFilterGeometry.rowsPerBlock
        let last = min(height, first + SeparableFilterGeometry.rowsPerBlock)
        let rows = last - first
        let scratch = UnsafeMutablePointer<S>.allocate(capacity: rows * outWidth + width + g.horizontal.padBefore + g.horizontal.padAfter)
        defer { scratch.deallocate() }
        let padded = scratch + rows * outWidth
        scratch.update(repeating: 0, count: rows * outWidth)
        let source = gradient.base + plane * outHeight * outWidth, target = result.base + plane * height * width
        for i in 0..<outHeight {
            for k in 0..<verticalTaps.count {
                guard let row = g.vertical.source(i, tap: k, length: height), row >= first && row < last else { continue }
                let weight = verticalTaps[k], accumulated = scratch + (row - first) * outWidth, incoming = source + i * outWidth
                for j in 0..<outWidth { accumulated[j] += weight * incoming[j] }
            }
        }
        horizontalTaps.withUnsafeBufferPointer { taps in
            for row in first..<last {
                filterRowAdjoint(scratch + (row - first) * outWidth, width: width, axis: g.horizontal, taps: taps.baseAddress!,
                                 padded: padded, inputGradient: target + row * width)
            }
        }
    }
}
