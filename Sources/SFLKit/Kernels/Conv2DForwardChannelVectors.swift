// The direct forward pass with output channels in the vector lanes, reading
// the input where it lies.
//
// With pixels in the lanes (``gatherTapProgram``) a stride-2 layer first has
// to copy its input into phase planes, so that 16 consecutive lanes read 16
// consecutive scalars; the paper's conv2 (32 → 16, stride 2) spent a third
// of its forward time in that copy, waiting on memory. Here every
// multiply-add takes one vector of 16 output channels' weights and one input
// scalar broadcast to all lanes, so any stride reads the input in place, one
// scalar per pixel and tap; a pixel-major row of partial sums is turned
// into the `[C, H, W]` output by 16×16 transposes at the end.

/// Input channels the channel-vector forward pass sums per sweep over the
/// rows of a block (each sweep streams `kh` rows of that many channels per
/// output row through the caches, as in the stride-1 pass).
private let channelVectorGroup = 4

/// Whether ``conv2DForwardByChannelVectors(input:weights:output:geometry:threads:rectify:)``
/// runs `geometry`'s forward pass: a stride above 1 (which the pixel-vector
/// gathers can read only from packed phase planes) and output channels that
/// fill at least three quarters of their 16-lane vectors.
func channelVectorForwardApplies(to g: Conv2DGeometry) -> Bool {
    (g.strideX > 1 || g.strideY > 1)
        && 4 * g.outputChannels >= 3 * roundUp(g.outputChannels, toMultipleOf: kernelVectorWidth)
}

/// ``conv2DForward(input:weight:bias:output:geometry:threads:rectify:positiveBits:)``
/// with 16 output channels per vector (see ``channelVectorForwardApplies(to:)``).
///
/// Blocks are ranges of output rows of one image. Each block keeps a
/// pixel-major row of partial sums per output row and block of 16 channels,
/// starting from the bias. The pixels whose taps lie inside the image read
/// the input in place (``broadcastPixelRun(pixels:source:pixelStride:offsets:weights:count:sums:sumsStride:accumulate:)``),
/// ``channelVectorGroup`` input channels per sweep over the block's rows.
/// The few pixels at the ends of the rows go through two strips of the
/// columns they read, filled once per block, and whole rows whose taps
/// reach the padding rows through a strip of their own; those take all
/// channels in one sweep. Every output sums the bias and its taps in the
/// same order on every route, so the result depends on neither the route
/// nor `threads`. The rows of sums are then transposed into the output
/// (with the ReLU when `rectify` is set).
///
/// - Parameters:
///   - input: `[N, Cin, H, W]`.
///   - weights: the packed weights and bias of the convolution, in blocks
///     of 16 output channels.
///   - output: `[N, Cout, Ho, Wo]`, overwritten.
///   - geometry: the sizes.
///   - threads: how many threads may run at once.
///   - rectify: whether to store `max(value, 0)`.
func conv2DForwardByChannelVectors<S: TensorScalar>(input: UnsafePointer<S>, weights: GatherWeights<S>,
                                                    output: UnsafeMutablePointer<S>, geometry g: Conv2DGeometry,
                                                    threads: Int, rectify: Bool) {
    precondition(weights.block == kernelVectorWidth, "conv2DForwardByChannelVectors: weights in blocks of \(weights.block)")
    let kh = g.kernelHeight, kw = g.kernelWidth, taps = kh * kw, sx = g.strideX, sy = g.strideY
    let cin = g.inputChannels, cout = g.outputChannels, lanes = kernelVectorWidth
    let height = g.inputHeight, width = g.inputWidth, ho = g.outputHeight, wo = g.outputWidth
    let channelPlane = height * width, outputPlane = ho * wo
    let programLength = weights.programLength, outputBlocks = weights.outputBlocks

    let insideColumns = g.insideOutputColumns, insideRows = g.insideOutputRows

    let rowBlocks = min(ho, rowBlocksPerImage)
    let blockRows = (ho + rowBlocks - 1) / rowBlocks
    let left = BroadcastStrip(pixels: 0..<insideColumns.lowerBound, outputRows: blockRows, geometry: g)
    let right = BroadcastStrip(pixels: insideColumns.upperBound..<wo, outputRows: blockRows, geometry: g)
    let whole = BroadcastStrip(pixels: 0..<wo, outputRows: 1, geometry: g)
    let rowSumsCount = wo * lanes, sumsCount = outputBlocks * blockRows * rowSumsCount
    let perWorker = sumsCount + cin * (left.channelStride + right.channelStride + whole.channelStride)

    // Tap programs: offsets of tap (c, ky, kx) from a pixel's first tap, in
    // the input and in each strip.
    let programs = makeTapPrograms(geometry: g, layouts: [(channelPlane, width), (left.channelStride, left.width),
                                                          (right.channelStride, right.width), (whole.channelStride, whole.width)])
    defer { programs.deallocate() }
    let inPlaceProgram = programs, leftProgram = programs + programLength
    let rightProgram = programs + 2 * programLength, wholeProgram = programs + 3 * programLength

    let blocks = g.batch * rowBlocks
    let scratch = ScratchBuffers.take(S.self, count: Parallel.workers(for: blocks, threads: threads) * perWorker)
    defer { ScratchBuffers.give(scratch) }
    let out = SendablePointer(output), scratchBase = SendablePointer(scratch)
    let packed = UnsafePointer(weights.values), biases = UnsafePointer(weights.bias)
    Parallel.forEachBlock(blocks, threads: threads) { rowBlock, worker in
        let n = rowBlock / rowBlocks
        let rows = Parallel.range(of: rowBlock % rowBlocks, splitting: ho, into: rowBlocks)
        let image = input + n * cin * channelPlane
        let sums = scratchBase.base + worker * perWorker
        let leftStrip = sums + sumsCount, rightStrip = leftStrip + cin * left.channelStride
        let wholeStrip = rightStrip + cin * right.channelStride
        @inline(__always) func rowSums(_ ob: Int, _ y: Int) -> UnsafeMutablePointer<S> {
            sums + (ob * blockRows + y - rows.lowerBound) * rowSumsCount
        }
        /// Taps [first, first + count) of every output block for the pixels
        /// of row y from `firstPixel`, whose first taps are at `source`.
        @inline(__always) func sweep(_ source: UnsafePointer<S>, program: UnsafePointer<Int>, first: Int, count: Int,
                                     y: Int, firstPixel: Int, pixels: Int) {
            for ob in 0..<outputBlocks {
                broadcastPixelRun(pixels: pixels, source: source, pixelStride: sx, offsets: program + first,
                                  weights: packed + (ob * programLength + first) * lanes, count: count,
                                  sums: rowSums(ob, y) + firstPixel * lanes, sumsStride: lanes, accumulate: true)
            }
        }

        for ob in 0..<outputBlocks {
            let bias = loadVector(biases + ob * lanes)
            for y in rows {
                let row = rowSums(ob, y)
                for x in 0..<wo { storeVector(bias, to: row + x * lanes) }
            }
        }

        // In place: channel groups outside, rows inside.
        let firstInside = min(rows.upperBound, max(rows.lowerBound, insideRows.lowerBound))
        let blockInsideRows = firstInside..<max(firstInside, min(rows.upperBound, insideRows.upperBound))
        var c0 = 0
        while c0 < cin && !insideColumns.isEmpty {
            let first = c0 * taps, count = min(channelVectorGroup, cin - c0) * taps
            for y in blockInsideRows {
                let origin = image + (y * sy - g.padTop) * width + insideColumns.lowerBound * sx - g.padLeft
                sweep(origin, program: inPlaceProgram, first: first, count: count, y: y,
                      firstPixel: insideColumns.lowerBound, pixels: insideColumns.count)
            }
            c0 += channelVectorGroup
        }

        // Through the strips, all channels in one sweep.
        let firstInputRow = rows.lowerBound * sy - g.padTop
        if left.pixels > 0 && !blockInsideRows.isEmpty { left.fill(leftStrip, from: image, firstRow: firstInputRow, geometry: g) }
        if right.pixels > 0 && !blockInsideRows.isEmpty { right.fill(rightStrip, from: image, firstRow: firstInputRow, geometry: g) }
        for y in rows {
            if blockInsideRows.contains(y) {
                let stripRow = (y - rows.lowerBound) * sy
                if left.pixels > 0 {
                    sweep(leftStrip + stripRow * left.width, program: leftProgram, first: 0, count: programLength, y: y,
                          firstPixel: 0, pixels: left.pixels)
                }
                if right.pixels > 0 {
                    sweep(rightStrip + stripRow * right.width, program: rightProgram, first: 0, count: programLength, y: y,
                          firstPixel: right.firstPixel, pixels: right.pixels)
                }
            } else {
                whole.fill(wholeStrip, from: image, firstRow: y * sy - g.padTop, geometry: g)
                sweep(wholeStrip, program: wholeProgram, first: 0, count: programLength, y: y, firstPixel: 0, pixels: wo)
            }
        }

        // Pixel-major sums to the [C, H, W] output.
        for ob in 0..<outputBlocks {
            let channels = weights.outputRange(ob)
            for y in rows {
                let row = rowSums(ob, y)
                if rectify {
                    for x in 0..<wo { storeVector(rectified(loadVector(row + x * lanes)), to: row + x * lanes) }
                }
                storeChannelMajor(row, pixels: wo, channels: channels.count,
                                  to: out.base + ((n * cout + channels.lowerBound) * ho + y) * wo, channelStride: outputPlane)
            }
        }
    }
}
