// The direct forward pass of stride-1 convolutions, reading the input where
// it lies instead of from a packed copy.
//
// The packed path (``conv2DForward(input:weight:bias:output:geometry:threads:rectify:positiveBits:)``
// for other strides) copies every input row it needs into zero-padded
// scratch first. With few output channels that copy costs as much as the
// multiply-adds: the paper's last layer (32 → 3) spent 45 % of its forward
// time in it, waiting on memory for 32 channels' short runs of rows. Here
// the vector loads go straight to the input: every pixel whose taps all lie
// inside the image is a gather over the input tensor itself, a few input
// channels per sweep so that the rows one sweep streams through are few (all
// 32 channels' rows at once were twice as slow: too many pages and streams
// at a time). Only the pixels near the border — the first 16 of a row when
// there is left padding, the last few, and the rows whose taps reach the
// padding rows — go through small zero-padded strips of the columns they read.

/// Input channels the stride-1 forward pass sums in place per sweep over the
/// rows of a block: each sweep streams `kh` rows of that many channels
/// through the caches. On the paper's last layer (32 → 3), the in-place
/// part alone took 0.7–1.0 ms with 2 threads at 4 channels per sweep,
/// 1.0–1.1 ms at 8 and 1.3–1.7 ms with all 32 (min to median of 6 rounds).
private let strideOneChannelGroup = 4

/// Parallel blocks of output rows per image.
private let strideOneRowBlocks = 16

/// The shape of a strip of ``conv2DForwardStrideOne(input:weights:output:geometry:threads:rectify:positiveBits:)``:
/// `[c][strip row][width]`, the columns that the 16-pixel gathers of a range
/// of output pixels read.
struct EdgeStrip {
    /// First output pixel.
    let start: Int
    /// Output pixels.
    let pixels: Int
    /// Scalars per strip row: the pixels rounded up to whole vectors, plus
    /// `kw − 1`.
    let width: Int
    /// Scalars per channel (`rows · width`).
    let channelStride: Int

    /// The strip for `pixels` of a stride-1 row, `rows` rows per channel.
    init(pixels: Range<Int>, rows: Int, kernelWidth: Int) {
        start = pixels.lowerBound
        self.pixels = pixels.count
        width = roundUp(pixels.count, toMultipleOf: kernelVectorWidth) + kernelWidth - 1
        channelStride = rows * width
    }
}

/// ``conv2DForward(input:weight:bias:output:geometry:threads:rectify:positiveBits:)`` for
/// `strideX == strideY == 1`.
///
/// Blocks are ranges of output rows of one image. In each block, the pixels
/// whose register blocks read only columns of their own rows and rows inside
/// the image run as gathers over the input tensor itself (32 pixels per
/// register block when there are at most ``wideGatherChannels`` output
/// channels, 16 otherwise), summing the input channels in groups of
/// ``strideOneChannelGroup`` over all the block's rows before the next group
/// adds to them. The pixels at either end of the rows run 16 at a time in
/// one sweep over all channels, from two *edge strips* that the block fills
/// after its in-place sweeps: `[c][input row][columns]` with the columns those pixels read, for
/// all the input rows of the block, zero outside the image. The middle of a
/// row whose taps reach the padding rows (the first and last rows of an
/// image with padding) goes through a strip of its own in the same way.
/// Every output is the bias plus its taps in the same order on every route
/// (a partial sum stored and reloaded between groups is the same `S`
/// value), so the result depends neither on the route nor on `threads`.
///
/// - Parameters:
///   - input: `[N, Cin, H, W]`.
///   - weights: the packed weights and bias of the convolution.
///   - output: `[N, Cout, Ho, Wo]`, overwritten.
///   - geometry: the sizes; stride 1 in both directions.
///   - threads: how many threads may run at once.
///   - rectify: whether to store `max(value, 0)`.
///   - positiveBits: `nil`, or (with `rectify`) where to record the output's
///     positive bits (``PositiveBitsLayout``), each parallel block's rows
///     once it has stored them.
func conv2DForwardStrideOne<S: TensorScalar>(input: UnsafePointer<S>, weights: GatherWeights<S>,
                                             output: UnsafeMutablePointer<S>, geometry g: Conv2DGeometry, threads: Int,
                                             rectify: Bool, positiveBits: UnsafeMutablePointer<PositiveBitsWord>? = nil) {
    precondition(g.strideX == 1 && g.strideY == 1, "conv2DForwardStrideOne: stride \(g.strideY)×\(g.strideX)")
    precondition(weights.block == gatherChannelBlock, "conv2DForwardStrideOne: weights in blocks of \(weights.block)")
    let kh = g.kernelHeight, kw = g.kernelWidth, taps = kh * kw
    let cin = g.inputChannels, cout = g.outputChannels, block = gatherChannelBlock
    let height = g.inputHeight, width = g.inputWidth, ho = g.outputHeight, wo = g.outputWidth
    let channelPlane = height * width, outputPlane = ho * wo, programLength = weights.programLength
    let lanes = kernelVectorWidth

    // Columns. A register block of P pixels from x reads the columns
    // [x − padLeft, x + P + kw − 1 − padLeft), inside the row when
    // x ≥ padLeft and x + P ≤ readableEnd. The left strip takes the pixels
    // [0, leftEnd), whole register blocks run in place up to inPlaceEnd, and
    // the right strip takes the rest.
    let wide = cout <= wideGatherChannels, registerPixels = wide ? 2 * lanes : lanes
    let readableEnd = min(wo, width - kw + 1 + g.padLeft)
    let leftEnd = min(wo, roundUp(g.padLeft, toMultipleOf: lanes))
    let wideEnd = leftEnd + max(0, readableEnd - leftEnd) / registerPixels * registerPixels
    let inPlaceEnd = wideEnd + max(0, readableEnd - wideEnd) / lanes * lanes
    // Rows [firstInsideRow, endInsideRow) read only rows inside the image.
    let firstInsideRow = min(ho, g.padTop), endInsideRow = max(firstInsideRow, min(ho, height - kh + 1 + g.padTop))

    // Strips: one per side, and one for the middle of the rows outside
    // [firstInsideRow, endInsideRow); each [c][strip row][strip width] and
    // read by 16-pixel gathers at pixel offsets that are multiples of 16.
    let rowBlocks = min(ho, strideOneRowBlocks)
    let stripRows = (ho + rowBlocks - 1) / rowBlocks + kh - 1
    let left = EdgeStrip(pixels: 0..<leftEnd, rows: stripRows, kernelWidth: kw)
    let right = EdgeStrip(pixels: inPlaceEnd..<wo, rows: stripRows, kernelWidth: kw)
    let middle = EdgeStrip(pixels: leftEnd..<inPlaceEnd, rows: kh, kernelWidth: kw)
    let stripScalars = cin * (left.channelStride + right.channelStride + middle.channelStride)

    // Tap programs: offsets of tap (c, ky, kx) from input pixel (c = 0,
    // y − padTop, x − padLeft), and from a pixel's column in each strip.
    let programs = makeTapPrograms(geometry: g, layouts: [(channelPlane, width), (left.channelStride, left.width),
                                                          (right.channelStride, right.width), (middle.channelStride, middle.width)])
    defer { programs.deallocate() }
    let inPlaceProgram = programs, leftProgram = programs + programLength
    let rightProgram = programs + 2 * programLength, middleProgram = programs + 3 * programLength

    // Per block of output channels: its channel count and first output channel.
    let blockOutputs = (0..<weights.outputBlocks).map { weights.outputRange($0).count }
    let blockFirstChannel = (0..<weights.outputBlocks).map { weights.outputRange($0).lowerBound }

    let blocks = g.batch * rowBlocks
    let scratch = ScratchBuffers.take(S.self, count: Parallel.workers(for: blocks, threads: threads) * stripScalars)
    defer { ScratchBuffers.give(scratch) }
    let out = SendablePointer(output), scratchBase = SendablePointer(scratch)
    let packed = UnsafePointer(weights.values), biases = UnsafePointer(weights.bias)
    let bits = positiveBits.map(SendablePointer.init)
    Parallel.forEachBlock(blocks, threads: threads) { rowBlock, worker in
        let n = rowBlock / rowBlocks
        let rows = Parallel.range(of: rowBlock % rowBlocks, splitting: ho, into: rowBlocks)
        defer {   // the block's rows of every channel, once stored (still in the level-2 cache)
            if let bits {
                recordPositiveBitsRows(UnsafePointer(out.base), image: n, channels: cout, height: ho, width: wo, rows: rows,
                                       into: bits.base)
            }
        }
        let image = input + n * cin * channelPlane
        let leftStrip = scratchBase.base + worker * stripScalars
        let rightStrip = leftStrip + cin * left.channelStride, middleStrip = rightStrip + cin * right.channelStride

        /// Taps [first, first + count) of output block `ob` for `pixels`
        /// pixels at (y, x), reading `source` through `program`.
        @inline(__always) func gather(_ ob: Int, source: UnsafePointer<S>, program: UnsafePointer<Int>, first: Int, count: Int,
                                      y: Int, x: Int, pixels: Int) {
            let blockWeights = packed + (ob * programLength + first) * block
            let destination = out.base + (n * cout + blockFirstChannel[ob]) * outputPlane + y * wo + x
            let accumulate = first > 0, rectifyHere = rectify && first + count == programLength
            if pixels == 2 * lanes {
                gatherTapProgramWide(outputs: blockOutputs[ob], source: source, offsets: program, weights: blockWeights,
                                     count: count, initial: biases + ob * block, accumulate: accumulate,
                                     destination: destination, channelStride: outputPlane, rectify: rectifyHere)
            } else {
                gatherTapProgram(outputs: blockOutputs[ob], source: source, offsets: program, weights: blockWeights,
                                 count: count, initial: biases + ob * block, accumulate: accumulate,
                                 destination: destination, channelStride: outputPlane, lanes: pixels, rectify: rectifyHere)
            }
        }
        /// Copies input rows [firstRow, firstRow + count) of every channel,
        /// the columns the pixels of `strip` read, into `buffer` (zero
        /// outside the image).
        @inline(__always) func fill(_ strip: EdgeStrip, _ buffer: UnsafeMutablePointer<S>, firstRow: Int, count: Int) {
            let firstColumn = strip.start - g.padLeft
            // Strip columns [inside, insideEnd) are image columns.
            let inside = min(strip.width, max(0, -firstColumn))
            let insideEnd = max(inside, min(strip.width, width - firstColumn))
            for c in 0..<cin {
                for r in 0..<count {
                    let destination = buffer + c * strip.channelStride + r * strip.width
                    let row = firstRow + r
                    guard row >= 0 && row < height else {
                        destination.initialize(repeating: 0, count: strip.width)
                        continue
                    }
                    destination.initialize(repeating: 0, count: inside)
                    (destination + inside).initialize(from: image + c * channelPlane + row * width + firstColumn + inside,
                                                      count: insideEnd - inside)
                    (destination + insideEnd).initialize(repeating: 0, count: strip.width - insideEnd)
                }
            }
        }
        /// All taps of row y's pixels in `strip`, whose row `stripRow` is
        /// that of the output row's first tap row.
        @inline(__always) func gatherStrip(_ strip: EdgeStrip, _ buffer: UnsafeMutablePointer<S>, program: UnsafePointer<Int>,
                                           stripRow: Int, y: Int) {
            var offset = 0
            while offset < strip.pixels {
                let pixels = min(lanes, strip.pixels - offset)
                let source = UnsafePointer(buffer + stripRow * strip.width + offset)
                for ob in 0..<weights.outputBlocks {
                    gather(ob, source: source, program: program, first: 0, count: programLength,
                           y: y, x: strip.start + offset, pixels: pixels)
                }
                offset += pixels
            }
        }

        // In place: channel groups outside, rows inside.
        let firstInside = min(rows.upperBound, max(rows.lowerBound, firstInsideRow))
        let insideRows = firstInside..<max(firstInside, min(rows.upperBound, endInsideRow))
        var c0 = 0
        while c0 < cin && leftEnd < inPlaceEnd {
            let first = c0 * taps, count = min(strideOneChannelGroup, cin - c0) * taps
            for y in insideRows {
                let origin = image + (y - g.padTop) * width - g.padLeft
                // Output blocks outside, pixels inside: each block's stores
                // stream along one row instead of touching every channel.
                for ob in 0..<weights.outputBlocks {
                    var x = leftEnd
                    while x < inPlaceEnd {
                        let pixels = x < wideEnd ? registerPixels : lanes
                        gather(ob, source: origin + x, program: UnsafePointer(inPlaceProgram) + first, first: first, count: count,
                               y: y, x: x, pixels: pixels)
                        x += pixels
                    }
                }
            }
            c0 += strideOneChannelGroup
        }

        // Through the strips, all channels in one sweep.
        let firstInputRow = rows.lowerBound - g.padTop, inputRows = rows.count + kh - 1
        if left.pixels > 0 { fill(left, leftStrip, firstRow: firstInputRow, count: inputRows) }
        if right.pixels > 0 { fill(right, rightStrip, firstRow: firstInputRow, count: inputRows) }
        for y in rows {
            let stripRow = y - rows.lowerBound
            gatherStrip(left, leftStrip, program: UnsafePointer(leftProgram), stripRow: stripRow, y: y)
            gatherStrip(right, rightStrip, program: UnsafePointer(rightProgram), stripRow: stripRow, y: y)
            if !insideRows.contains(y) && middle.pixels > 0 {
                fill(middle, middleStrip, firstRow: y - g.padTop, count: kh)
                gatherStrip(middle, middleStrip, program: UnsafePointer(middleProgram), stripRow: 0, y: y)
            }
        }
    }
}
