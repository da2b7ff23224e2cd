// The weight gradient with output channels in the vector lanes, reading the
// input where it lies.

/// The weight gradient with 16 output channels per vector (for output
/// channels that fill at least three quarters of their vectors): `dW[o][j] = Σ_pixels gᵀ[pixel][o] · tap_j(pixel)` for the taps
/// `j = (c, ky, kx)`. Each block takes 16 channels and a range of rows of one
/// image and keeps its own partial sums; they are added in block order.
///
/// Each block sweeps a few output rows at a time: it copies their gradient
/// into a pixel-major scratch (one vector of 16 channels per pixel) and adds
/// ``broadcastTapBlock`` taps at a time over the sweep's pixels
/// (``broadcastTaps(taps:gradient:gradientRowStride:input:inputPixelStride:offsets:inputRowStride:rows:width:sums:)``),
/// broadcasting input scalars read in place, at any stride. Only the pixels
/// whose taps reach the padding read from zero-padded strips
/// (``BroadcastStrip``): the ends of the rows, and whole rows at the top and
/// bottom. Copying the whole input into phase planes first had taken a
/// third of this kernel's time on the paper's conv2 (32 → 16, stride 2).
///
/// - Parameters:
///   - input: `[N, Cin, H, W]`.
///   - outputGradient: `[N, Cout, Ho, Wo]`.
///   - gradientMask: as in ``conv2DWeightGradient(input:outputGradient:weightGradient:biasGradient:geometry:threads:gradientMask:)``.
///   - weightGradient: `[Cout, Cin, kh, kw]`, overwritten.
///   - biasGradient: `[Cout]`, overwritten; `nil` to skip it. Summed from
///     the pixel-major copies of the gradient this kernel makes anyway,
///     instead of in a pass of its own over the gradient and the mask.
func weightGradientByChannelVectors<S: TensorScalar>(input: UnsafePointer<S>,
                                                     outputGradient: UnsafePointer<S>, gradientMask: UnsafePointer<S>?,
                                                     weightGradient: UnsafeMutablePointer<S>,
                                                     biasGradient: UnsafeMutablePointer<S>?,
                                                     geometry g: Conv2DGeometry, threads: Int) {
    let ho = g.outputHeight, wo = g.outputWidth, lanes = kernelVectorWidth
    let cin = g.inputChannels, cout = g.outputChannels, kh = g.kernelHeight, kw = g.kernelWidth
    let sx = g.strideX, sy = g.strideY, width = g.inputWidth, channelPlane = g.inputHeight * width
    let outputBlocks = (cout + lanes - 1) / lanes
    let insideColumns = g.insideOutputColumns, insideRows = g.insideOutputRows

    // Rows per sweep: about 512 pixels, so the gradient rows stay in cache.
    let rowGroup = max(1, min(ho, 512 / wo))
    let left = BroadcastStrip(pixels: 0..<insideColumns.lowerBound, outputRows: rowGroup, geometry: g)
    let right = BroadcastStrip(pixels: insideColumns.upperBound..<wo, outputRows: rowGroup, geometry: g)
    let whole = BroadcastStrip(pixels: 0..<wo, outputRows: 1, geometry: g)

    // Taps j = (c, ky, kx): offsets from a pixel's first tap, in the input
    // and in each strip.
    let programLength = cin * kh * kw
    let programs = makeTapPrograms(geometry: g, layouts: [(channelPlane, width), (left.channelStride, left.width),
                                                          (right.channelStride, right.width), (whole.channelStride, whole.width)])
    defer { programs.deallocate() }
    let inPlaceProgram = programs, leftProgram = programs + programLength
    let rightProgram = programs + 2 * programLength, wholeProgram = programs + 3 * programLength
    let tapBlock = broadcastTapBlock
    let tapGroups = (programLength + tapBlock - 1) / tapBlock
    // Blocks: (16 output channels) × (range of output rows of one image);
    // each sums all taps over its rows into its own partial sums, which are
    // added afterwards in block order.
    let rowRanges = min(ho, max(1, (weightGradientBlocks + outputBlocks * g.batch - 1) / (outputBlocks * g.batch)))
    let blocks = outputBlocks * g.batch * rowRanges
    let sumCount = blocks * tapGroups * tapBlock
    let partials = ScratchBuffers.take(SIMD16<S>.self, count: sumCount)
    defer { ScratchBuffers.give(partials) }
    partials.initialize(repeating: SIMD16<S>(), count: sumCount)
    // Per block, the bias gradient of its 16 channels over its pixels.
    let biasPartials = ScratchBuffers.take(SIMD16<S>.self, count: blocks)
    defer { ScratchBuffers.give(biasPartials) }
    biasPartials.initialize(repeating: SIMD16<S>(), count: blocks)
    let biasSums = biasGradient == nil ? nil : SendablePointer(biasPartials)

    // Per worker: the sweep's gradient rows of 16 channels, pixel-major
    // [row][x][16 channels] (zero beyond Cout) and, with a mask, first
    // channel-major [16 channels][row][x]; then the strips.
    let sweepPixels = rowGroup * wo
    let gradientScalars = (gradientMask == nil ? 1 : 2) * sweepPixels * lanes
    let perWorker = gradientScalars + cin * (left.channelStride + right.channelStride + whole.channelStride)
    let scratch = ScratchBuffers.take(S.self, count: Parallel.workers(for: blocks, threads: threads) * perWorker)
    defer { ScratchBuffers.give(scratch) }
    let sums = SendablePointer(partials), scratchBase = SendablePointer(scratch)
    Parallel.forEachBlock(blocks, threads: threads) { block, worker in
        let ob = block / (g.batch * rowRanges), n = (block / rowRanges) % g.batch
        let rows = Parallel.range(of: block % rowRanges, splitting: ho, into: rowRanges)
        let blockSums = sums.base + block * tapGroups * tapBlock
        let transposed = scratchBase.base + worker * perWorker
        let leftStrip = transposed + gradientScalars, rightStrip = leftStrip + cin * left.channelStride
        let wholeStrip = rightStrip + cin * right.channelStride
        let image = input + n * cin * channelPlane
        let valid = min(lanes, cout - ob * lanes)

        /// Every tap over `rows` rows of `pixels` pixels whose gradient
        /// vectors start at `gradient` and whose first taps are at `source`.
        @inline(__always) func accumulate(_ source: UnsafePointer<S>, program: UnsafePointer<Int>, inputRowStride: Int,
                                          gradient: UnsafePointer<S>, rows: Int, pixels: Int) {
            for group in 0..<tapGroups {
                broadcastTapsDispatch(taps: min(tapBlock, programLength - tapBlock * group), gradient: gradient,
                                      gradientRowStride: wo * lanes, input: source, inputPixelStride: sx,
                                      offsets: program + tapBlock * group, inputRowStride: inputRowStride,
                                      rows: rows, width: pixels, sums: blockSums + tapBlock * group)
            }
        }

        var y0 = rows.lowerBound
        while y0 < rows.upperBound {
            let count = min(rowGroup, rows.upperBound - y0)
            let first = ((n * cout + ob * lanes) * ho + y0) * wo
            if let gradientMask {
                let masked = transposed + sweepPixels * lanes
                for k in 0..<valid {
                    copyGradient(outputGradient + first + k * ho * wo, mask: gradientMask + first + k * ho * wo, count: count * wo,
                                 to: masked + k * sweepPixels)
                }
                interleaveChannels(masked, channelStride: sweepPixels, channels: valid, count: count * wo, into: transposed)
            } else {
                interleaveChannels(outputGradient + first, channelStride: ho * wo, channels: valid, count: count * wo, into: transposed)
            }
            if let biasSums {
                var total = biasSums.base[block]
                for p in 0..<(count * wo) { total += loadVector(transposed + p * lanes) }
                biasSums.base[block] = total
            }

            // The sweep's rows that read only image rows: in place, and the
            // ends of the rows through the side strips.
            let firstInside = min(y0 + count, max(y0, insideRows.lowerBound))
            let inside = firstInside..<max(firstInside, min(y0 + count, insideRows.upperBound))
            if !inside.isEmpty {
                let gradientRows = UnsafePointer(transposed + (inside.lowerBound - y0) * wo * lanes)
                let firstRow = inside.lowerBound * sy - g.padTop
                if !insideColumns.isEmpty {
                    accumulate(image + firstRow * width + insideColumns.lowerBound * sx - g.padLeft, program: inPlaceProgram,
                               inputRowStride: sy * width, gradient: gradientRows + insideColumns.lowerBound * lanes,
                               rows: inside.count, pixels: insideColumns.count)
                }
                if left.pixels > 0 {
                    left.fill(leftStrip, from: image, firstRow: firstRow, geometry: g)
                    accumulate(leftStrip, program: leftProgram, inputRowStride: sy * left.width, gradient: gradientRows,
                               rows: inside.count, pixels: left.pixels)
                }
                if right.pixels > 0 {
                    right.fill(rightStrip, from: image, firstRow: firstRow, geometry: g)
                    accumulate(rightStrip, program: rightProgram, inputRowStride: sy * right.width,
                               gradient: gradientRows + right.firstPixel * lanes, rows: inside.count, pixels: right.pixels)
                }
            }
            // Rows whose taps reach the padding rows: whole, through a strip.
            for y in y0..<(y0 + count) where !inside.contains(y) {
                whole.fill(wholeStrip, from: image, firstRow: y * sy - g.padTop, geometry: g)
                accumulate(wholeStrip, program: wholeProgram, inputRowStride: 0,
                           gradient: transposed + (y - y0) * wo * lanes, rows: 1, pixels: wo)
            }
            y0 += count
        }
    }
    // Add the partial sums of each output block's row blocks in order.
    for ob in 0..<outputBlocks {
        if let biasGradient {
            var total = SIMD16<S>()
            for part in 0..<(g.batch * rowRanges) { total += biasPartials[ob * g.batch * rowRanges + part] }
            for lane in 0..<lanes where ob * lanes + lane < cout { biasGradient[ob * lanes + lane] = total[lane] }
        }
        for j in 0..<programLength {
            var total = SIMD16<S>()
            for part in 0..<(g.batch * rowRanges) {
                total += partials[(ob * g.batch * rowRanges + part) * tapGroups * tapBlock + j]
            }
            for lane in 0..<lanes where ob * lanes + lane < cout {
                weightGradient[(ob * lanes + lane) * programLength + j] = total[lane]
            }
        }
    }
}
