// Direct 2-D convolution kernels (forward, input gradient, weight gradient):
// the entry points, which choose a kernel per geometry (Winograd, 16
// channels per vector, or 16 consecutive pixels of one row per vector), and
// the packed pixel-vector kernels themselves (the kernels that read their
// input in place have files of their own). See ``Conv2DGeometry`` for the
// semantics and layouts.
//
// Every kernel splits its work into blocks chosen from the geometry alone;
// each block writes disjoint memory and sums in a fixed order, so results are
// bit-identical for any `threads`.

/// Parallel blocks per image for the row-split kernels (forward and input
/// gradient); fewer when the image has fewer rows.
let rowBlocksPerImage = 16

/// Input channels the forward pass sums in one sweep over a row (more are
/// summed in further sweeps that add to the output), so that the rows one
/// sweep reads stay in the level-1 cache for the next block of output
/// channels. With a single block of output channels nothing is read twice,
/// and one sweep takes every input channel. Wide-register builds take 16:
/// each sweep reloads and stores 12 accumulators, and with 4 channels (36
/// taps per sweep) that had cost the paper's conv2 (32 → 16, stride 2,
/// which now takes the channel-vector kernel) 10–20 % of its forward time
/// on one thread (3.9 → 3.2–3.4 ms, min of 10 alternated rounds); the
/// baseline build, with 2-channel register blocks and so 8
/// blocks reading each sweep's rows, measured the same either way.
#if SFLKIT_WIDE_REGISTERS
private let forwardChannelGroup = 16
#else
private let forwardChannelGroup = 4
#endif

/// Output rows whose input rows the direct forward pass packs at a time.
private let forwardRowChunk = 4

/// Bytes of output-gradient rows the packed pixel-vector weight gradient
/// sweeps before moving to the next (channel, kernel row, tap) accumulator
/// set: small enough to stay in the level-1 cache with the input rows (8
/// rows of the paper's last layer, 29 KiB, were slower than 4, measured
/// when that layer still took this kernel).
private let pixelVectorSweepBytes = 16 * 1024

/// Parallel blocks the weight gradient aims for (groups of output channels ×
/// groups of input channels or of taps).
let weightGradientBlocks = 16

// MARK: - Forward

/// Computes the cross-correlation of `input` with `weight`, plus `bias`:
/// `output[n][o][y][x] = bias[o] + Σ_{c,ky,kx} weight[o][c][ky][kx] ·
/// input[n][c][y·sy + ky − padTop][x·sx + kx − padLeft]` (zero outside the input).
///
/// 3×3 stride-1 geometries with at least 8 input and output channels use
/// Winograd F(4×4, 3×3)
/// (``conv2DForwardWinograd4x4(input:weight:bias:output:geometry:threads:rectify:positiveBits:inputMask:afterTileRow:)``).
/// Other stride-1 geometries read the input in place
/// (``conv2DForwardStrideOne(input:weights:output:geometry:threads:rectify:positiveBits:)``),
/// and so do strided ones whose output channels fill 16-lane vectors, with
/// the channels in the lanes
/// (``conv2DForwardByChannelVectors(input:weights:output:geometry:threads:rectify:)``).
/// Otherwise each parallel block copies the input rows it needs, a few output
/// rows at a time, into zero-padded phase planes (``PhasePlaneLayout``), and
/// each block of 16 output pixels (32 when there are at most
/// ``wideGatherChannels`` output channels) × at most ``gatherChannelBlock`` output
/// channels (the channels split into blocks of nearly equal size) is one tap
/// program over the `Cin·kh·kw` taps, summed 4 input channels at a time (16
/// in wide-register builds; all of them at once when there is a single block
/// of output channels).
///
/// - Parameters:
///   - input: `[N, Cin, H, W]`.
///   - weight: `[Cout, Cin, kh, kw]`.
///   - bias: `[Cout]`, or `nil` for no bias.
///   - output: `[N, Cout, Ho, Wo]`, overwritten.
///   - geometry: the sizes; must be ``Conv2DGeometry/isValid``.
///   - threads: how many threads may run at once (the result does not depend on it).
///   - rectify: whether to store `max(value, 0)` (a ReLU fused into the
///     stores, saving a pass over the output).
///   - positiveBits: `nil`, or, with `rectify`, room for the output's
///     positive bits (``PositiveBitsLayout`` with width `Wo`, `N·Cout·Ho`
///     rows), written for the input gradient that the backward walk asks to
///     apply this ReLU. The stride-1 and Winograd kernels record each block
///     of rows as they store it; the others in a pass afterwards.
/// - Requires: `output` does not overlap the other buffers.
func conv2DForward<S: TensorScalar>(input: UnsafePointer<S>, weight: UnsafePointer<S>, bias: UnsafePointer<S>?,
                                    output: UnsafeMutablePointer<S>, geometry g: Conv2DGeometry, threads: Int,
                                    rectify: Bool = false, positiveBits: UnsafeMutablePointer<PositiveBitsWord>? = nil) {
    precondition(g.isValid, "invalid convolution geometry \(g)")
    precondition(positiveBits == nil || rectify, "conv2DForward: positive bits are recorded only with a fused ReLU")
    if winogradApplies(to: g) && winogradPays(for: g) {
        conv2DForwardWinograd4x4(input: input, weight: weight, bias: bias, output: output, geometry: g, threads: threads,
                                 rectify: rectify, positiveBits: positiveBits)
        return
    }
    /// The positive bits of the whole output, for the kernels that do not record them.
    func recordBitsAfterwards() {
        guard let positiveBits else { return }
        recordPositiveBits(UnsafePointer(output), rows: g.batch * g.outputChannels * g.outputHeight, width: g.outputWidth,
                           into: positiveBits, threads: threads)
    }
    if channelVectorForwardApplies(to: g) {
        let weights = GatherWeights(weight: weight, bias: bias, geometry: g, block: kernelVectorWidth)
        defer { weights.deallocate() }
        conv2DForwardByChannelVectors(input: input, weights: weights, output: output, geometry: g, threads: threads,
                                      rectify: rectify)
        recordBitsAfterwards()
        return
    }
    let weights = GatherWeights(weight: weight, bias: bias, geometry: g)
    defer { weights.deallocate() }
    if g.strideX == 1 && g.strideY == 1 {
        conv2DForwardStrideOne(input: input, weights: weights, output: output, geometry: g, threads: threads, rectify: rectify,
                               positiveBits: positiveBits)
        return
    }
    defer { recordBitsAfterwards() }
    let taps = g.kernelHeight * g.kernelWidth
    let cin = g.inputChannels, cout = g.outputChannels, block = gatherChannelBlock
    let outputBlocks = weights.outputBlocks, programLength = weights.programLength

    // Each block packs the input rows of `forwardRowChunk` output rows at a
    // time into its own phase planes [c][phase][local row][planeWidth], which
    // stay in the level-2 cache while they are used.
    let layout = PhasePlaneLayout(geometry: g)
    let localRows = (forwardRowChunk - 1) * g.strideY + g.kernelHeight
    let localPlane = localRows * layout.planeWidth, localChannel = layout.phases * localPlane
    // Offset of (c, ky, kx) from the local plane position of output pixel (0, 0).
    let offsets = UnsafeMutablePointer<Int>.allocate(capacity: programLength)
    defer { offsets.deallocate() }
    for c in 0..<cin {
        for ky in 0..<g.kernelHeight {
            for kx in 0..<g.kernelWidth {
                offsets[(c * g.kernelHeight + ky) * g.kernelWidth + kx] = c * localChannel
                    + (kx % g.strideX) * localPlane + ky * layout.planeWidth + kx / g.strideX
            }
        }
    }

    let ho = g.outputHeight, wo = g.outputWidth
    let channelGroup = outputBlocks == 1 ? cin : forwardChannelGroup
    let rowBlocks = min(ho, rowBlocksPerImage)
    let blocks = g.batch * rowBlocks
    let scratch = ScratchBuffers.take(S.self, count: blocks * cin * localChannel)
    defer { ScratchBuffers.give(scratch) }
    let out = SendablePointer(output), scratchBase = SendablePointer(scratch)
    let packed = UnsafePointer(weights.values)
    let biases = bias == nil ? nil : UnsafePointer(weights.bias), program = UnsafePointer(offsets)
    Parallel.forEachBlock(blocks, threads: threads) { rowBlock in
        let n = rowBlock / rowBlocks
        let planes = scratchBase.base + rowBlock * cin * localChannel
        let rows = Parallel.range(of: rowBlock % rowBlocks, splitting: ho, into: rowBlocks)
        var chunkStart = rows.lowerBound
        while chunkStart < rows.upperBound {
            let chunkRows = min(forwardRowChunk, rows.upperBound - chunkStart)
            let firstRow = chunkStart * g.strideY, neededRows = (chunkRows - 1) * g.strideY + g.kernelHeight
            for c in 0..<cin {
                let channel = input + (n * cin + c) * g.inputHeight * g.inputWidth
                for r in 0..<neededRows {
                    packPhaseRows(channel: channel, row: firstRow + r, destination: planes + c * localChannel + r * layout.planeWidth,
                                  phaseStride: localPlane, planeWidth: layout.planeWidth, geometry: g)
                }
            }
            for y in chunkStart..<(chunkStart + chunkRows) {
                let rowBase = UnsafePointer(planes + (y - chunkStart) * g.strideY * layout.planeWidth)
                var c0 = 0
                while c0 < cin {
                    let groupTaps = min(channelGroup, cin - c0) * taps, first = c0 * taps
                    // Output blocks outside, pixels inside: each block's stores
                    // stream along two rows instead of touching every channel.
                    for ob in 0..<outputBlocks {
                        let channels = weights.outputRange(ob), outputs = channels.count
                        let blockWeights = packed + (ob * programLength + first) * block
                        let blockBias = biases.map { $0 + ob * block }, accumulate = c0 > 0
                        let rowOutput = out.base + ((n * cout + channels.lowerBound) * ho + y) * wo
                        let rectifyHere = rectify && c0 + channelGroup >= cin
                        var x0 = 0
                        if outputs <= wideGatherChannels {
                            // Few channels: 32 pixels per register block while they last.
                            while x0 + 2 * kernelVectorWidth <= wo {
                                gatherTapProgramWide(outputs: outputs, source: rowBase + x0, offsets: program + first,
                                                     weights: blockWeights, count: groupTaps, initial: blockBias,
                                                     accumulate: accumulate, destination: rowOutput + x0,
                                                     channelStride: ho * wo, rectify: rectifyHere)
                                x0 += 2 * kernelVectorWidth
                            }
                        }
                        while x0 < wo {
                            gatherTapProgram(outputs: outputs, source: rowBase + x0, offsets: program + first,
                                             weights: blockWeights, count: groupTaps, initial: blockBias,
                                             accumulate: accumulate, destination: rowOutput + x0,
                                             channelStride: ho * wo, lanes: min(kernelVectorWidth, wo - x0),
                                             rectify: rectifyHere)
                            x0 += kernelVectorWidth
                        }
                    }
                    c0 += channelGroup
                }
            }
            chunkStart += chunkRows
        }
    }
}

// MARK: - Input gradient

/// Computes the gradient of `Σ output·outputGradient` with respect to the
/// input of ``conv2DForward(input:weight:bias:output:geometry:threads:rectify:positiveBits:)``:
/// `inputGradient[n][c][i][j] = Σ_{o,ky,kx} outputGradient[n][o][y][x] ·
/// weight[o][c][ky][kx]` over all `(y, x, ky, kx)` with
/// `y·sy + ky − padTop = i` and `x·sx + kx − padLeft = j`.
///
/// Evaluated as a gather over a zero-padded copy of the output gradient. With
/// padded coordinates `i + padTop = r·sy + ρ` and `j + padLeft = q·sx + p`
/// (`0 ≤ ρ < sy`, `0 ≤ p < sx`), the contributing taps are `ky = ρ + k·sy` at
/// output row `r − k` and `kx = p + m·sx` at output column `q − m`; for fixed
/// `(ρ, p)` this is a tap program over `(o, k, m)` that is contiguous in `q`.
///
/// Strided geometries whose input channels fill 16-lane vectors hold the
/// channels in the lanes instead
/// (``inputGradientByChannelVectors(program:weight:inputGradient:geometry:threads:)``).
/// For 3×3 stride-1 geometries with at least 8 input and output channels and
/// every padding at most 2 it is instead the
/// forward pass of the output gradient with the kernel flipped and its
/// channel axes swapped, padded by `2 − padding` (run by Winograd
/// F(4×4, 3×3)).
///
/// - Parameters:
///   - outputGradient: `[N, Cout, Ho, Wo]`.
///   - weight: `[Cout, Cin, kh, kw]`.
///   - inputGradient: `[N, Cin, H, W]`, overwritten (pixels no window reaches get 0).
///   - geometry: the sizes; must be ``Conv2DGeometry/isValid``.
///   - threads: how many threads may run at once (the result does not depend on it).
///   - gradientMask: `nil`, or the output of a fused ReLU (`[N, Cout, Ho, Wo]`):
///     the output gradient then counts only where the mask is positive (the
///     gradient through the ReLU, without writing it out).
///   - inputMask: `nil`, or the positive bits (``PositiveBitsLayout``, rows
///     of `W`) of the output of the fused ReLU that produced this
///     convolution's input (`[N, Cin, H, W]`): the input gradient is then
///     stored only where that output is positive and zero elsewhere, so that
///     the ReLU's own backward kernels read it unmasked. The direct kernels
///     mask each parallel block of rows when they have stored it; the
///     Winograd path masks the whole gradient after its pass.
func conv2DInputGradient<S: TensorScalar>(outputGradient: UnsafePointer<S>, weight: UnsafePointer<S>,
                                          inputGradient: UnsafeMutablePointer<S>, geometry g: Conv2DGeometry,
                                          threads: Int, gradientMask: UnsafePointer<S>? = nil,
                                          inputMask: UnsafePointer<PositiveBitsWord>? = nil) {
    precondition(g.isValid, "invalid convolution geometry \(g)")
    if winogradInputGradientApplies(to: g) {
        conv2DInputGradientWinograd4x4(outputGradient: outputGradient, weight: weight, inputGradient: inputGradient, geometry: g,
                                       threads: threads, gradientMask: gradientMask, inputMask: inputMask)
        return
    }
    let sx = g.strideX, sy = g.strideY, kh = g.kernelHeight, kw = g.kernelWidth
    let cin = g.inputChannels, cout = g.outputChannels, block = gatherChannelBlock
    let ho = g.outputHeight, wo = g.outputWidth, h = g.inputHeight, w = g.inputWidth

    // Taps of column phase p are kx = p + m·sx, m < columnTaps(p); of row
    // residue ρ, ky = ρ + k·sy, k < rowTaps(ρ).
    func columnTaps(_ p: Int) -> Int { p < kw ? (kw - p + sx - 1) / sx : 0 }
    func rowTaps(_ rho: Int) -> Int { rho < kh ? (kh - rho + sy - 1) / sy : 0 }
    // Plane columns q (padded column q·sx + p) that are input columns.
    func columnRange(_ p: Int) -> Range<Int> {
        let first = g.padLeft > p ? (g.padLeft - p + sx - 1) / sx : 0
        let end = (g.padLeft + w - p + sx - 1) / sx
        return first..<max(first, end)
    }

    // Zero-padded output gradient: (kw−1)/sx columns left, (kh−1)/sy rows above,
    // and enough right and below for every vector load.
    let leftPad = (kw - 1) / sx, topRows = (kh - 1) / sy
    var readEnd = wo
    for p in 0..<sx {
        let columns = columnRange(p)
        readEnd = max(readEnd, columns.lowerBound + roundUp(columns.count, toMultipleOf: kernelVectorWidth))
    }
    let channelVectors = channelVectorInputGradientApplies(to: g)
    if sx == 2 && !channelVectors {   // the interleaving gathers below read whole vectors of both phases
        readEnd = max(readEnd, roundUp((w + 1) / 2, toMultipleOf: kernelVectorWidth) + 1)
    }
    let rowWidth = leftPad + readEnd
    let rows = topRows + max(ho, (g.padTop + h - 1) / sy + 1)
    let paddedCount = g.batch * cout * rows * rowWidth
    let padded = ScratchBuffers.take(S.self, count: paddedCount)
    defer { ScratchBuffers.give(padded) }
    padOutputGradient(outputGradient, mask: gradientMask, into: padded, leftPad: leftPad, rowWidth: rowWidth, topRows: topRows,
                      rows: rows, geometry: g, threads: threads)

    // One tap program per (ρ, p): offsets over (o, k, m) relative to
    // (o = 0, row r, column q), and weights [inputBlock][ρ][p][(o, k, m)][block channels].
    var programStart = [Int](repeating: 0, count: sy * sx + 1)
    for rho in 0..<sy {
        for p in 0..<sx {
            let index = rho * sx + p
            programStart[index + 1] = programStart[index] + cout * rowTaps(rho) * columnTaps(p)
        }
    }
    let totalTaps = programStart[sy * sx]
    // Tap t's offset, and the index of its weight for input channel 0
    // (channel c adds c·kh·kw).
    let offsets = UnsafeMutablePointer<Int>.allocate(capacity: max(totalTaps, 1))
    defer { offsets.deallocate() }
    let weightIndex = UnsafeMutablePointer<Int>.allocate(capacity: max(totalTaps, 1))
    defer { weightIndex.deallocate() }
    for rho in 0..<sy {
        for p in 0..<sx {
            var t = programStart[rho * sx + p]
            for o in 0..<cout {
                for k in 0..<rowTaps(rho) {
                    for m in 0..<columnTaps(p) {
                        offsets[t] = (o * rows - k) * rowWidth - m
                        weightIndex[t] = (o * cin * kh + rho + k * sy) * kw + p + m * sx
                        t += 1
                    }
                }
            }
        }
    }
    if channelVectors {
        let program = InputGradientProgram(gradient: padded, rows: rows, rowWidth: rowWidth, leftPad: leftPad, topRows: topRows,
                                           programStart: programStart, offsets: offsets, weightIndex: weightIndex,
                                           columns: (0..<sx).map(columnRange))
        inputGradientByChannelVectors(program: program, weight: weight, inputGradient: inputGradient, geometry: g,
                                      threads: threads, inputMask: inputMask)
        return
    }

    // Input channels in blocks of nearly equal size, as in the forward pass.
    let inputBlocks = (cin + block - 1) / block
    @inline(__always) func inputRange(_ ib: Int) -> Range<Int> { Parallel.range(of: ib, splitting: cin, into: inputBlocks) }
    let packedCount = max(inputBlocks * totalTaps * block, 1)
    let packed = UnsafeMutablePointer<S>.allocate(capacity: packedCount)
    defer { packed.deallocate() }
    packed.initialize(repeating: 0, count: packedCount)
    for t in 0..<totalTaps {
        for ib in 0..<inputBlocks {
            let channels = inputRange(ib)
            for c in channels {
                packed[(ib * totalTaps + t) * block + c - channels.lowerBound] = weight[weightIndex[t] + c * kh * kw]
            }
        }
    }

    let rowBlocks = min(h, rowBlocksPerImage)
    let out = SendablePointer(inputGradient)
    let source = UnsafePointer(padded), weights = UnsafePointer(packed), program = UnsafePointer(offsets)
    let starts = programStart
    let lanesPerBlock = 2 * block * kernelVectorWidth
    let scatter = UnsafeMutablePointer<S>.allocate(capacity: g.batch * rowBlocks * lanesPerBlock)
    defer { scatter.deallocate() }
    let scratch = SendablePointer(scatter)
    Parallel.forEachBlock(g.batch * rowBlocks, threads: threads) { rowBlock in
        let n = rowBlock / rowBlocks
        let image = source + n * cout * rows * rowWidth + leftPad
        let lanesBuffer = scratch.base + rowBlock * lanesPerBlock
        let blockRows = Parallel.range(of: rowBlock % rowBlocks, splitting: h, into: rowBlocks)
        defer {   // the block's rows of every channel, once stored
            if let inputMask {
                maskGradientRows(out.base, byPositiveBits: inputMask, image: n, channels: cin, height: h, width: w, rows: blockRows)
            }
        }
        for i in blockRows {
            let paddedRow = i + g.padTop
            let rho = paddedRow % sy
            let rowBase = image + (topRows + paddedRow / sy) * rowWidth
            if sx == 2 {
                // Input columns 2u + e (e = 0, 1) are padded columns q·2 + p with
                // p = (e + padLeft) % 2, q = u + (e + padLeft) / 2: compute both
                // for 16 values of u, then interleave them into 32 columns.
                // Channel blocks outside, as below (measured on the paper's
                // conv2 before it took the channel-vector kernel, 1 thread
                // native: 5.1 → 3.1 ms).
                for ib in 0..<inputBlocks {
                    let channels = inputRange(ib), outputs = channels.count
                    let destination = out.base + ((n * cin + channels.lowerBound) * h + i) * w
                    var u0 = 0
                    while u0 < (w + 1) / 2 {
                        for e in 0..<2 {
                            let p = (e + g.padLeft) % 2
                            let first = starts[rho * 2 + p], count = starts[rho * 2 + p + 1] - first
                            gatherTapProgram(outputs: outputs, source: rowBase + u0 + (e + g.padLeft) / 2,
                                             offsets: program + first,
                                             weights: weights + (ib * totalTaps + first) * block, count: count,
                                             initial: nil, destination: lanesBuffer + e * block * kernelVectorWidth,
                                             channelStride: kernelVectorWidth, lanes: kernelVectorWidth)
                        }
                        for k in 0..<outputs {
                            let even = lanesBuffer + k * kernelVectorWidth, odd = even + block * kernelVectorWidth
                            storeInterleaved(loadVector(even), loadVector(odd), to: destination + 2 * u0 + k * h * w,
                                             count: min(2 * kernelVectorWidth, w - 2 * u0))
                        }
                        u0 += kernelVectorWidth
                    }
                }
                continue
            }
            for p in 0..<sx {
                let first = starts[rho * sx + p], count = starts[rho * sx + p + 1] - first
                let columns = columnRange(p)
                // Channel blocks outside, pixels inside: each block's stores
                // stream along a few rows instead of touching every channel
                // (conv4's input gradient, 1 thread native: 2.5 → 1.7 ms).
                for ib in 0..<inputBlocks {
                    let channels = inputRange(ib), outputs = channels.count
                    let destination = out.base + ((n * cin + channels.lowerBound) * h + i) * w
                    var q0 = columns.lowerBound
                    while q0 < columns.upperBound {
                        let lanes = min(kernelVectorWidth, columns.upperBound - q0)
                        if sx == 1 {
                            gatherTapProgram(outputs: outputs, source: rowBase + q0, offsets: program + first,
                                             weights: weights + (ib * totalTaps + first) * block, count: count,
                                             initial: nil, destination: destination + q0 - g.padLeft,
                                             channelStride: h * w, lanes: lanes)
                        } else {
                            gatherTapProgram(outputs: outputs, source: rowBase + q0, offsets: program + first,
                                             weights: weights + (ib * totalTaps + first) * block, count: count,
                                             initial: nil, destination: lanesBuffer,
                                             channelStride: kernelVectorWidth, lanes: kernelVectorWidth)
                            for k in 0..<outputs {
                                let channel = destination + k * h * w + p - g.padLeft
                                for lane in 0..<lanes {
                                    channel[(q0 + lane) * sx] = lanesBuffer[k * kernelVectorWidth + lane]
                                }
                            }
                        }
                        q0 += kernelVectorWidth
                    }
                }
            }
        }
    }
}

// MARK: - Weight gradient

/// Computes the gradients of `Σ output·outputGradient` with respect to the
/// weight and bias of ``conv2DForward(input:weight:bias:output:geometry:threads:rectify:positiveBits:)``:
/// `weightGradient[o][c][ky][kx] = Σ_{n,y,x} outputGradient[n][o][y][x] ·
/// input[n][c][y·sy + ky − padTop][x·sx + kx − padLeft]` and
/// `biasGradient[o] = Σ_{n,y,x} outputGradient[n][o][y][x]`.
///
/// When the output channels fill at least three quarters of their 16-lane
/// vectors (`4·Cout ≥ 3·roundUp(Cout, 16)`: 12–16, 24–32, …), vectors
/// hold 16 output channels and each weight is one lane, summed per block of
/// rows and then over the blocks in order
/// (``weightGradientByChannelVectors(input:outputGradient:gradientMask:weightGradient:biasGradient:geometry:threads:)``);
/// otherwise vectors hold pixels
/// (``CorrelationVector``: 8 in wide-register builds, 4 in the baseline
/// build), each weight is the sum of their lane-wise partial sums, and every
/// block owns a disjoint set of weights (at stride 1 reading the input in
/// place, ``weightGradientStrideOneByPixelVectors(input:outputGradient:gradientMask:weightGradient:geometry:threads:)``;
/// at other strides from packed phase-plane rows). Either way the order of every sum is fixed by
/// the geometry, so the result does not depend on `threads`. The bias
/// gradient is summed from the copies of the gradient that the
/// channel-vector and Winograd kernels make anyway (per parallel block, the
/// blocks then added in order); after the pixel-vector kernel, in a pass of
/// its own (16 lane-wise partial sums per channel).
///
/// 3×3 stride-1 geometries for which ``winogradWeightGradientPays(for:)``
/// use Winograd F(4×4, 3×3) for the weight gradient instead
/// (``conv2DWeightGradientWinograd4x4(input:outputGradient:weightGradient:biasGradient:geometry:threads:gradientMask:)``).
///
/// - Parameters:
///   - input: `[N, Cin, H, W]`.
///   - outputGradient: `[N, Cout, Ho, Wo]`.
///   - weightGradient: `[Cout, Cin, kh, kw]`, overwritten.
///   - biasGradient: `[Cout]`, overwritten; `nil` to skip it.
///   - geometry: the sizes; must be ``Conv2DGeometry/isValid``.
///   - threads: how many threads may run at once (the result does not depend on it).
///   - gradientMask: `nil`, or the output of a fused ReLU (`[N, Cout, Ho, Wo]`):
///     the output gradient then counts only where the mask is positive.
func conv2DWeightGradient<S: TensorScalar>(input: UnsafePointer<S>, outputGradient: UnsafePointer<S>,
                                           weightGradient: UnsafeMutablePointer<S>,
                                           biasGradient: UnsafeMutablePointer<S>?,
                                           geometry g: Conv2DGeometry, threads: Int,
                                           gradientMask: UnsafePointer<S>? = nil) {
    precondition(g.isValid, "invalid convolution geometry \(g)")
    if winogradWeightGradientPays(for: g) {
        conv2DWeightGradientWinograd4x4(input: input, outputGradient: outputGradient, weightGradient: weightGradient,
                                        biasGradient: biasGradient,
                                        geometry: g, threads: threads, gradientMask: gradientMask)
        return
    }
    let cout = g.outputChannels
    if channelVectorWeightGradientApplies(to: g) {
        weightGradientByChannelVectors(input: input, outputGradient: outputGradient, gradientMask: gradientMask,
                                       weightGradient: weightGradient, biasGradient: biasGradient, geometry: g, threads: threads)
        return
    }
    if g.strideX == 1 && g.strideY == 1 {   // the taps' shifts move to the gradient: no padded copy of the input
        weightGradientStrideOneByPixelVectors(input: input, outputGradient: outputGradient, gradientMask: gradientMask,
                                              weightGradient: weightGradient, geometry: g, threads: threads)
    } else {
        weightGradientByPixelVectors(input: input, outputGradient: outputGradient, gradientMask: gradientMask,
                                     weightGradient: weightGradient, geometry: g, threads: threads)
    }
    // The pixel-vector kernels leave the bias gradient to a pass of its own.
    if let biasGradient {
        let ho = g.outputHeight, wo = g.outputWidth
        let bias = SendablePointer(biasGradient)
        Parallel.forEachBlock(cout, threads: threads) { o in
            var total = SIMD16<S>()
            for n in 0..<g.batch {
                for y in 0..<ho {
                    let offset = ((n * cout + o) * ho + y) * wo
                    accumulateRow(outputGradient + offset, mask: gradientMask.map { $0 + offset }, count: wo, into: &total)
                }
            }
            bias.base[o] = total.sum()
        }
    }
}

/// Whether ``conv2DWeightGradient(input:outputGradient:weightGradient:biasGradient:geometry:threads:gradientMask:)``
/// holds 16 output channels per vector (when Winograd does not pay): the
/// output channels fill at least three quarters of their vectors.
func channelVectorWeightGradientApplies(to g: Conv2DGeometry) -> Bool {
    4 * g.outputChannels >= 3 * roundUp(g.outputChannels, toMultipleOf: kernelVectorWidth)
}

/// Adds the `count` scalars at `row` to 16 lane-wise partial sums (lane `ℓ`
/// takes the scalars `x ≡ ℓ (mod 16)`, in order), each counted only where
/// `mask` is positive when there is a mask.
@inline(__always)
private func accumulateRow<S: TensorScalar>(_ row: UnsafePointer<S>, mask: UnsafePointer<S>?, count: Int,
                                            into total: inout SIMD16<S>) {
    let width = kernelVectorWidth, whole = count - count % width, rest = count - whole
    if let mask {
        for x in stride(from: 0, to: whole, by: width) {
            total += passingPositive(loadVector(row + x), mask: loadVector(mask + x))
        }
        if rest > 0 { total += passingPositive(loadVector(row + whole, count: rest), mask: loadVector(mask + whole, count: rest)) }
    } else {
        for x in stride(from: 0, to: whole, by: width) { total += loadVector(row + x) }
        if rest > 0 { total += loadVector(row + whole, count: rest) }
    }
}

/// The weight gradient with pixels in the vector lanes (for few output
/// channels, when either stride is above 1): each weight is summed as lane-wise partial sums of
/// ``CorrelationVector`` (lane `ℓ` takes the columns `x ≡ ℓ` modulo the
/// width) in a fixed order, then the lanes are added. Blocks are (three
/// output channels) × (group of input channels); a block's register tile
/// is its three output channels × three taps of one kernel row.
///
/// Each block sweeps a few output rows at a time (their three gradient rows
/// stay in the level-1 cache) and packs, per input channel, just the input
/// rows the sweep reads into its own phase-plane rows: packing the whole
/// input first wrote it all to memory and read it back (a third of this
/// kernel's time on the paper's last layer, which has since moved to
/// ``weightGradientStrideOneByPixelVectors(input:outputGradient:gradientMask:weightGradient:geometry:threads:)``).
///
/// - Parameters:
///   - input: `[N, Cin, H, W]`.
///   - outputGradient: `[N, Cout, Ho, Wo]`.
///   - gradientMask: as in ``conv2DWeightGradient(input:outputGradient:weightGradient:biasGradient:geometry:threads:gradientMask:)``.
///   - weightGradient: `[Cout, Cin, kh, kw]`, overwritten.
private func weightGradientByPixelVectors<S: TensorScalar>(input: UnsafePointer<S>,
                                                           outputGradient: UnsafePointer<S>, gradientMask: UnsafePointer<S>?,
                                                           weightGradient: UnsafeMutablePointer<S>,
                                                           geometry g: Conv2DGeometry, threads: Int) {
    let ho = g.outputHeight, wo = g.outputWidth
    let cin = g.inputChannels, cout = g.outputChannels, kh = g.kernelHeight, kw = g.kernelWidth
    let rowWidth = roundUp(wo, toMultipleOf: kernelVectorWidth)
    let gradientCount = g.batch * cout * ho * rowWidth
    let padded = ScratchBuffers.take(S.self, count: gradientCount + ho * rowWidth)
    defer { ScratchBuffers.give(padded) }
    padOutputGradient(outputGradient, mask: gradientMask, into: padded, leftPad: 0, rowWidth: rowWidth, topRows: 0, rows: ho,
                      geometry: g, threads: threads)
    (padded + gradientCount).initialize(repeating: 0, count: ho * rowWidth)  // a zero plane for missing outputs

    let blocks = PixelVectorWeightGradientBlocks(geometry: g, tiling: .tapsOfOneKernelRow)
    let partialsPerBlock = blocks.partialsPerBlock, partialCount = blocks.count * partialsPerBlock
    let partials = ScratchBuffers.take(CorrelationVector<S>.self, count: partialCount)
    defer { ScratchBuffers.give(partials) }
    partials.initialize(repeating: CorrelationVector<S>(), count: partialCount)

    // Output rows per sweep: their three gradient rows take about 16 KiB.
    let sweepRows = max(1, min(ho, pixelVectorSweepBytes / (3 * rowWidth * MemoryLayout<S>.stride)))
    // Each block's packed input rows: [phase][local row][planeWidth] of one channel.
    let layout = PhasePlaneLayout(geometry: g)
    let localRows = (sweepRows - 1) * g.strideY + kh
    let localPlane = localRows * layout.planeWidth, localChannel = layout.phases * localPlane
    let scratch = ScratchBuffers.take(S.self, count: blocks.count * localChannel)
    defer { ScratchBuffers.give(scratch) }

    let gradients = UnsafePointer(padded)
    let sums = SendablePointer(partials), out = SendablePointer(weightGradient), scratchBase = SendablePointer(scratch)
    let inputRowStride = g.strideY * layout.planeWidth
    func tapOffset(_ k: Int) -> Int { k < kw ? (k % g.strideX) * localPlane + k / g.strideX : 0 }
    Parallel.forEachBlock(blocks.count, threads: threads) { block in
        let o0 = blocks.firstOutput(of: block), outputs = blocks.outputs(of: block), inputs = blocks.inputs(of: block)
        let acc = sums.base + block * partialsPerBlock
        let planes = scratchBase.base + block * localChannel
        for n in 0..<g.batch {
            let gradient0 = gradients + (n * cout + o0) * ho * rowWidth
            let gradient1 = outputs > 1 ? gradient0 + ho * rowWidth : gradients + gradientCount
            let gradient2 = outputs > 2 ? gradient0 + 2 * ho * rowWidth : gradients + gradientCount
            var y0 = 0
            while y0 < ho {
                let rowCount = min(sweepRows, ho - y0)
                let firstRow = y0 * g.strideY, neededRows = (rowCount - 1) * g.strideY + kh
                for (cl, c) in inputs.enumerated() {
                    let channel = input + (n * cin + c) * g.inputHeight * g.inputWidth
                    for r in 0..<neededRows {
                        packPhaseRows(channel: channel, row: firstRow + r, destination: planes + r * layout.planeWidth,
                                      phaseStride: localPlane, planeWidth: layout.planeWidth, geometry: g)
                    }
                    for ky in 0..<kh {
                        for tg in 0..<blocks.tileGroups {
                            let kx = 3 * tg
                            correlateRowsDispatch(outputs: outputs, taps: min(3, kw - kx),
                                                  gradients: (gradient0 + y0 * rowWidth, gradient1 + y0 * rowWidth,
                                                              gradient2 + y0 * rowWidth),
                                                  gradientRowStride: rowWidth, input: planes + ky * layout.planeWidth,
                                                  inputRowStride: inputRowStride,
                                                  tapOffsets: (tapOffset(kx), tapOffset(kx + 1), tapOffset(kx + 2)),
                                                  rows: rowCount, width: rowWidth,
                                                  sums: acc + blocks.partialIndex(inputInGroup: cl, fixed: ky, tileGroup: tg))
                        }
                    }
                }
                y0 += rowCount
            }
        }
        blocks.storeWeights(of: block, sums: acc, into: out.base)
    }
}
