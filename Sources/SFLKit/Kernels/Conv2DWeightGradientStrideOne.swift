// The weight gradient of stride-1 convolutions with few output channels,
// reading the input where it lies.
//
// The pixel-vector kernel for other strides (``weightGradientByPixelVectors``
// in `Conv2DKernels.swift`) copies each input row it reads into
// zero-padded phase-plane rows, so that the taps' shifted loads stay inside
// the row: on the paper's last layer (32 → 3) that copy took a quarter of
// the kernel's time, waiting on the 8.6 MB input. At stride 1 the shifts can
// move to the gradient instead:
// `dW[o][c][ky][kx] = Σ_{r,j} input[c][r + ky − padTop][j] · G[o][r][j − kx + padLeft]`,
// where `G` is zero outside the output. The output gradient is small (three
// channels here) and is zero-padded once; a register block then multiplies
// three output channels' gradient rows, shifted by one tap `kx`, with the
// three input rows of three kernel rows `ky`, loaded where they lie. A tap
// that shifted the input instead (as the packed kernel does) would need the
// input's zero padding; nine gradient loads per input vector instead (all
// three shifts of three outputs) measured 20 % slower than the packed kernel.

/// Gradient rows a block sweeps per (input channel, tap, kernel-row group)
/// accumulator set: at the paper's width they (three output channels) and
/// the `rows + kh − 1` input rows of one channel stay in the level-1 cache
/// (2 rows were slower, 8 the same).
private let strideOneWeightGradientSweepRows = 4

/// The blocks of the pixel-vector weight gradients: (three output channels)
/// × (group of input channels), each summing its own disjoint set of weights
/// as ``CorrelationVector`` partial sums, nine per register block.
struct PixelVectorWeightGradientBlocks {
    /// How a register block's nine sums map to taps.
    enum Tiling {
        /// Three output channels × three taps `kx` of one kernel row
        /// (partial sums `[input in group][ky][kx / 3][output][kx % 3]`).
        case tapsOfOneKernelRow
        /// Three output channels × three kernel rows `ky` of one tap
        /// (partial sums `[input in group][kx][ky / 3][output][ky % 3]`).
        case kernelRowsOfOneTap
    }
    /// The tiling.
    let tiling: Tiling
    /// Groups of three output channels (the last may hold fewer).
    let outputTriples: Int
    /// Groups of input channels per output triple.
    let inputGroups: Int
    /// Groups of three taps of a kernel row (`⌈kw / 3⌉`) or of three kernel
    /// rows (`⌈kh / 3⌉`), by ``tiling``.
    let tileGroups: Int
    /// Partial-sum vectors per block.
    let partialsPerBlock: Int
    /// Blocks in all.
    var count: Int { outputTriples * inputGroups }
    private let geometry: Conv2DGeometry

    /// The blocks of `geometry`'s weight gradient, tiled as `tiling`.
    init(geometry g: Conv2DGeometry, tiling: Tiling) {
        geometry = g
        self.tiling = tiling
        outputTriples = (g.outputChannels + 2) / 3
        inputGroups = min(g.inputChannels, max(1, (weightGradientBlocks + outputTriples - 1) / outputTriples))
        let tiled = tiling == .tapsOfOneKernelRow ? g.kernelWidth : g.kernelHeight
        tileGroups = (tiled + 2) / 3
        let largestInputGroup = (g.inputChannels + inputGroups - 1) / inputGroups
        partialsPerBlock = largestInputGroup * (g.kernelHeight * g.kernelWidth / tiled) * tileGroups * 9
    }

    /// Block `block`'s first output channel.
    func firstOutput(of block: Int) -> Int { 3 * (block / inputGroups) }
    /// Block `block`'s output channels (1...3).
    func outputs(of block: Int) -> Int { min(3, geometry.outputChannels - firstOutput(of: block)) }
    /// Block `block`'s input channels.
    func inputs(of block: Int) -> Range<Int> {
        Parallel.range(of: block % inputGroups, splitting: geometry.inputChannels, into: inputGroups)
    }
    /// The index in a block's partial sums of the nine vectors of input
    /// `inputInGroup`, tile group `tileGroup` and either kernel row `ky`
    /// (``Tiling/tapsOfOneKernelRow``) or tap `kx` (``Tiling/kernelRowsOfOneTap``).
    func partialIndex(inputInGroup: Int, fixed: Int, tileGroup: Int) -> Int {
        let fixedCount = tiling == .tapsOfOneKernelRow ? geometry.kernelHeight : geometry.kernelWidth
        return ((inputInGroup * fixedCount + fixed) * tileGroups + tileGroup) * 9
    }

    /// Adds up the lanes of block `block`'s partial sums `sums` into its
    /// weights of `weightGradient` (`[Cout, Cin, kh, kw]`).
    func storeWeights<S: TensorScalar>(of block: Int, sums: UnsafePointer<CorrelationVector<S>>,
                                       into weightGradient: UnsafeMutablePointer<S>) {
        let g = geometry, o0 = firstOutput(of: block), kh = g.kernelHeight, kw = g.kernelWidth
        for k in 0..<outputs(of: block) {
            for (cl, c) in inputs(of: block).enumerated() {
                for ky in 0..<kh {
                    for kx in 0..<kw {
                        let (fixed, tiled) = tiling == .tapsOfOneKernelRow ? (ky, kx) : (kx, ky)
                        let index = partialIndex(inputInGroup: cl, fixed: fixed, tileGroup: tiled / 3) + 3 * k + tiled % 3
                        weightGradient[(((o0 + k) * g.inputChannels + c) * kh + ky) * kw + kx] = sums[index].sum()
                    }
                }
            }
        }
    }
}

/// The weight gradient with pixels in the vector lanes, for stride 1: as
/// ``weightGradientByPixelVectors``, but with the input rows read in place
/// and the taps' column shifts applied to the zero-padded gradient
/// (``correlateInputRows(outputs:inputRows:inputs:inputRowStride:tails:tailRowStride:gradients:gradientRowStride:rows:fullVectors:hasTail:sums:)``).
/// A block sweeps ``strideOneWeightGradientSweepRows`` gradient rows with
/// each of its input channels in turn, for every tap and group of kernel
/// rows, before the next rows. The last partial vector of each input row
/// comes from a small zero-padded *tail* strip, filled once per sweep and
/// channel; kernel rows that fall outside the image read a zero row. The
/// order of every sum is fixed by the geometry, so the result does not
/// depend on `threads`.
///
/// - Parameters:
///   - input: `[N, Cin, H, W]`.
///   - outputGradient: `[N, Cout, Ho, Wo]`.
///   - gradientMask: `nil`, or the output of a fused ReLU: the output
///     gradient then counts only where the mask is positive.
///   - weightGradient: `[Cout, Cin, kh, kw]`, overwritten.
///   - geometry: the sizes; `strideX == strideY == 1`.
///   - threads: how many threads may run at once.
func weightGradientStrideOneByPixelVectors<S: TensorScalar>(input: UnsafePointer<S>, outputGradient: UnsafePointer<S>,
                                                            gradientMask: UnsafePointer<S>?,
                                                            weightGradient: UnsafeMutablePointer<S>,
                                                            geometry g: Conv2DGeometry, threads: Int) {
    precondition(g.strideX == 1 && g.strideY == 1, "weightGradientStrideOneByPixelVectors: stride \(g.strideY)×\(g.strideX)")
    let h = g.inputHeight, w = g.inputWidth, ho = g.outputHeight, cin = g.inputChannels, cout = g.outputChannels
    let kh = g.kernelHeight, kw = g.kernelWidth, step = CorrelationVector<S>.scalarCount
    let fullVectors = w / step, tail = w % step

    // Padded gradient: output (y, x) at row y, column x + leftPad (rows need
    // no padding: kernel rows outside the image are taken care of on the
    // input side). Input pixel (i, j) meets it through tap (ky, kx) when
    // i = y + ky − padTop and j = x + kx − padLeft, that is at padded column
    // j − kx + columnShift (≥ 0), and every vector read, the tail's
    // included, stays inside the padded row.
    let leftPad = max(0, kw - 1 - g.padLeft)
    let columnShift = g.padLeft + leftPad
    let rowWidth = max(roundUp(w, toMultipleOf: step) + columnShift, leftPad + g.outputWidth)
    let plane = ho * rowWidth, gradientCount = g.batch * cout * plane
    let padded = ScratchBuffers.take(S.self, count: gradientCount + plane)
    defer { ScratchBuffers.give(padded) }
    padOutputGradient(outputGradient, mask: gradientMask, into: padded, leftPad: leftPad, rowWidth: rowWidth,
                      topRows: 0, rows: ho, geometry: g, threads: threads)
    (padded + gradientCount).initialize(repeating: 0, count: plane)  // a zero plane for missing outputs

    let blocks = PixelVectorWeightGradientBlocks(geometry: g, tiling: .kernelRowsOfOneTap)
    let partialCount = blocks.count * blocks.partialsPerBlock
    let partials = ScratchBuffers.take(CorrelationVector<S>.self, count: partialCount)
    defer { ScratchBuffers.give(partials) }
    partials.initialize(repeating: CorrelationVector<S>(), count: partialCount)
    // Per worker, the tails of one sweep's input rows; then one zero row,
    // shared, for kernel rows outside the image.
    let sweepInputRows = strideOneWeightGradientSweepRows + kh - 1, tailsCount = sweepInputRows * step
    let workers = Parallel.workers(for: blocks.count, threads: threads)
    let scratch = ScratchBuffers.take(S.self, count: workers * tailsCount + fullVectors * step + 1)
    defer { ScratchBuffers.give(scratch) }
    let zeroRow = UnsafePointer(scratch + workers * tailsCount)
    (scratch + workers * tailsCount).initialize(repeating: 0, count: fullVectors * step + 1)

    let gradients = UnsafePointer(padded)
    let sums = SendablePointer(partials), out = SendablePointer(weightGradient), scratchBase = SendablePointer(scratch)
    Parallel.forEachBlock(blocks.count, threads: threads) { block, worker in
        let o0 = blocks.firstOutput(of: block), outputs = blocks.outputs(of: block)
        let acc = sums.base + block * blocks.partialsPerBlock
        let tails = scratchBase.base + worker * tailsCount
        for n in 0..<g.batch {
            let gradient0 = gradients + (n * cout + o0) * plane
            let gradient1 = outputs > 1 ? gradient0 + plane : gradients + gradientCount
            let gradient2 = outputs > 2 ? gradient0 + 2 * plane : gradients + gradientCount
            // Output row y meets input row y + ky − padTop.
            var y0 = 0
            while y0 < ho {
                let rowCount = min(strideOneWeightGradientSweepRows, ho - y0)
                let firstInputRow = y0 - g.padTop   // of ky = 0; tail strip row t is input row firstInputRow + t
                for (cl, c) in blocks.inputs(of: block).enumerated() {
                    let channel = input + (n * cin + c) * h * w
                    if tail > 0 {
                        for t in 0..<(rowCount + kh - 1) {
                            let i = firstInputRow + t, strip = tails + t * step
                            let copied = (0..<h).contains(i) ? tail : 0
                            if copied > 0 { strip.update(from: channel + i * w + fullVectors * step, count: copied) }
                            (strip + copied).initialize(repeating: 0, count: step - copied)
                        }
                    }
                    for kx in 0..<kw {
                        let gradientRow = y0 * rowWidth + columnShift - kx
                        for kg in 0..<blocks.tileGroups {
                            let rowsInGroup = min(3, kh - 3 * kg)
                            let sum = acc + blocks.partialIndex(inputInGroup: cl, fixed: kx, tileGroup: kg)
                            // Output rows y whose kernel rows 3kg ..< 3kg + rowsInGroup all
                            // lie in the image run as one call; the others one by one.
                            let lowest = g.padTop - 3 * kg, end = h + g.padTop - 3 * kg - rowsInGroup + 1
                            let inside = (y0..<y0 + rowCount).clamped(to: lowest..<max(lowest, end))
                            func correlate(from y: Int, rows: Int) {
                                func inputRow(_ q: Int) -> UnsafePointer<S> {
                                    let i = y + 3 * kg + q - g.padTop
                                    return (0..<h).contains(i) ? channel + i * w : zeroRow
                                }
                                func tailRow(_ q: Int) -> UnsafePointer<S> {
                                    UnsafePointer(tails + (y - y0 + 3 * kg + q) * step)
                                }
                                let offset = gradientRow + (y - y0) * rowWidth
                                correlateInputRowsDispatch(outputs: outputs, inputRows: rowsInGroup,
                                                           inputs: (inputRow(0), inputRow(1), inputRow(2)),
                                                           inputRowStride: w,
                                                           tails: (tailRow(0), tailRow(1), tailRow(2)), tailRowStride: step,
                                                           gradients: (gradient0 + offset, gradient1 + offset,
                                                                       gradient2 + offset),
                                                           gradientRowStride: rowWidth, rows: rows,
                                                           fullVectors: fullVectors, hasTail: tail > 0, sums: sum)
                            }
                            for y in y0..<y0 + rowCount where !inside.contains(y) { correlate(from: y, rows: 1) }
                            if !inside.isEmpty { correlate(from: inside.lowerBound, rows: inside.count) }
                        }
                    }
                }
                y0 += rowCount
            }
        }
        blocks.storeWeights(of: block, sums: acc, into: out.base)
    }
}
