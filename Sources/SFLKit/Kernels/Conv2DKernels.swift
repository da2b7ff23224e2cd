/// Direct 2-D convolution kernels (forward, input gradient, weight gradient)
/// vectorised over 16 consecutive output pixels of one row and register-blocked
/// over four channels. See ``Conv2DGeometry`` for the semantics and layouts.
///
/// Every kernel splits its work into blocks chosen from the geometry alone;
/// each block writes disjoint memory and sums in a fixed order, so results are
/// bit-identical for any `threads`.

/// Channels computed together by one register block.
private let channelBlock = 4

/// Rows of output (or input, for the input gradient) per parallel block: the
/// work of one image is split into this many blocks of rows (fewer if the
/// image has fewer rows).
private let rowBlocksPerImage = 16

// MARK: - Forward

/// Computes the cross-correlation of `input` with `weight`, plus `bias`:
/// `output[n][o][y][x] = bias[o] + Σ_{c,ky,kx} weight[o][c][ky][kx] ·
/// input[n][c][y·sy + ky − padTop][x·sx + kx − padLeft]` (zero outside the input).
///
/// - Parameters:
///   - input: `[N, Cin, H, W]`.
///   - weight: `[Cout, Cin, kh, kw]`.
///   - bias: `[Cout]`, or `nil` for no bias.
///   - output: `[N, Cout, Ho, Wo]`, overwritten.
///   - geometry: the sizes; must be ``Conv2DGeometry/isValid``.
///   - threads: how many threads may run at once (the result does not depend on it).
/// - Requires: `output` does not overlap the other buffers.
func conv2DForward<S: TensorScalar>(input: UnsafePointer<S>, weight: UnsafePointer<S>, bias: UnsafePointer<S>?,
                                    output: UnsafeMutablePointer<S>, geometry g: Conv2DGeometry, threads: Int) {
    precondition(g.isValid, "invalid convolution geometry \(g)")
    let layout = PhasePlaneLayout(geometry: g)
    let planes = UnsafeMutablePointer<S>.allocate(capacity: layout.totalCount)
    defer { planes.deallocate() }
    packPhasePlanes(input: input, planes: planes, layout: layout, geometry: g, threads: threads)

    let taps = g.kernelHeight * g.kernelWidth
    let cin = g.inputChannels, cout = g.outputChannels
    let outputBlocks = (cout + channelBlock - 1) / channelBlock

    // Weights as [outputBlock][c][ky·kw + kx][4 channels], zero beyond Cout.
    let packed = UnsafeMutablePointer<S>.allocate(capacity: outputBlocks * cin * taps * channelBlock)
    defer { packed.deallocate() }
    packed.initialize(repeating: 0, count: outputBlocks * cin * taps * channelBlock)
    for o in 0..<cout {
        for c in 0..<cin {
            for t in 0..<taps {
                packed[(((o / channelBlock) * cin + c) * taps + t) * channelBlock + o % channelBlock] =
                    weight[(o * cin + c) * taps + t]
            }
        }
    }
    let packedBias = UnsafeMutablePointer<S>.allocate(capacity: outputBlocks * channelBlock)
    defer { packedBias.deallocate() }
    for o in 0..<(outputBlocks * channelBlock) { packedBias[o] = o < cout ? (bias?[o] ?? 0) : 0 }

    // Offset of tap (ky, kx) from the plane position of output pixel (0, 0).
    let offsets = UnsafeMutablePointer<Int>.allocate(capacity: taps)
    defer { offsets.deallocate() }
    for ky in 0..<g.kernelHeight {
        for kx in 0..<g.kernelWidth {
            offsets[ky * g.kernelWidth + kx] = (kx % g.strideX) * layout.planeCount + ky * layout.planeWidth + kx / g.strideX
        }
    }

    let ho = g.outputHeight, wo = g.outputWidth
    let rowBlocks = min(ho, rowBlocksPerImage)
    let out = SendablePointer(output)
    let planesBase = UnsafePointer(planes), weights = UnsafePointer(packed)
    let biases = UnsafePointer(packedBias), tapOffsets = UnsafePointer(offsets)
    Parallel.forEachBlock(g.batch * rowBlocks, threads: threads) { block in
        let n = block / rowBlocks
        let image = planesBase + n * layout.imageCount
        for y in Parallel.range(of: block % rowBlocks, splitting: ho, into: rowBlocks) {
            let rowBase = image + y * g.strideY * layout.planeWidth
            var x0 = 0
            while x0 < wo {
                let lanes = min(kernelVectorWidth, wo - x0)
                for ob in 0..<outputBlocks {
                    let b = biases + ob * channelBlock
                    var a0 = SIMD16<S>(repeating: b[0]), a1 = SIMD16<S>(repeating: b[1])
                    var a2 = SIMD16<S>(repeating: b[2]), a3 = SIMD16<S>(repeating: b[3])
                    var w = weights + ob * cin * taps * channelBlock
                    var source = rowBase + x0
                    for _ in 0..<cin {
                        for t in 0..<taps {
                            let v = loadVector(source + tapOffsets[t])
                            a0 += v * SIMD16<S>(repeating: w[0])
                            a1 += v * SIMD16<S>(repeating: w[1])
                            a2 += v * SIMD16<S>(repeating: w[2])
                            a3 += v * SIMD16<S>(repeating: w[3])
                            w += channelBlock
                        }
                        source += layout.channelCount
                    }
                    let o0 = ob * channelBlock
                    let destination = out.base + ((n * cout + o0) * ho + y) * wo + x0
                    let plane = ho * wo
                    storeVector(a0, to: destination, count: lanes)
                    if o0 + 1 < cout { storeVector(a1, to: destination + plane, count: lanes) }
                    if o0 + 2 < cout { storeVector(a2, to: destination + 2 * plane, count: lanes) }
                    if o0 + 3 < cout { storeVector(a3, to: destination + 3 * plane, count: lanes) }
                }
                x0 += kernelVectorWidth
            }
        }
    }
}

// MARK: - Input gradient

/// Computes the gradient of `Σ output·outputGradient` with respect to the
/// input of ``conv2DForward(input:weight:bias:output:geometry:threads:)``:
/// `inputGradient[n][c][i][j] = Σ_{o,ky,kx} outputGradient[n][o][y][x] ·
/// weight[o][c][ky][kx]` over all `(y, x, ky, kx)` with
/// `y·sy + ky − padTop = i` and `x·sx + kx − padLeft = j`.
///
/// Evaluated as a gather: for input column `j` with padded column
/// `j + padLeft = q·sx + p`, the contributing taps are `kx = p + m·sx` at output
/// column `x = q − m`, a correlation over a zero-padded copy of each
/// output-gradient row; rows work the same way with `ky ≡ i + padTop (mod sy)`.
///
/// - Parameters:
///   - outputGradient: `[N, Cout, Ho, Wo]`.
///   - weight: `[Cout, Cin, kh, kw]`.
///   - inputGradient: `[N, Cin, H, W]`, overwritten (pixels no window reaches get 0).
///   - geometry: the sizes; must be ``Conv2DGeometry/isValid``.
///   - threads: how many threads may run at once (the result does not depend on it).
func conv2DInputGradient<S: TensorScalar>(outputGradient: UnsafePointer<S>, weight: UnsafePointer<S>,
                                          inputGradient: UnsafeMutablePointer<S>, geometry g: Conv2DGeometry,
                                          threads: Int) {
    precondition(g.isValid, "invalid convolution geometry \(g)")
    let sx = g.strideX, sy = g.strideY, kh = g.kernelHeight, kw = g.kernelWidth
    let cin = g.inputChannels, cout = g.outputChannels
    let ho = g.outputHeight, wo = g.outputWidth, h = g.inputHeight, w = g.inputWidth

    // Taps of column phase p are kx = p + m·sx for m in 0..<tapCount(p).
    func tapCount(_ p: Int) -> Int { p < kw ? (kw - p + sx - 1) / sx : 0 }
    // Range of plane columns q (padded column q·sx + p) that are input columns.
    func columnRange(_ p: Int) -> Range<Int> {
        let first = g.padLeft >= p ? (g.padLeft - p + sx - 1) / sx : 0
        let lastPadded = g.padLeft + w - 1
        let last = lastPadded >= p ? (lastPadded - p) / sx : -1
        return first..<max(first, last + 1)
    }
    let leftPad = (kw - 1) / sx
    var readEnd = wo
    for p in 0..<sx {
        let columns = columnRange(p)
        readEnd = max(readEnd, columns.lowerBound + roundUp(columns.count, toMultipleOf: kernelVectorWidth))
    }
    let rowWidth = leftPad + readEnd
    let padded = UnsafeMutablePointer<S>.allocate(capacity: g.batch * cout * ho * rowWidth)
    defer { padded.deallocate() }
    padOutputGradientRows(outputGradient, into: padded, leftPad: leftPad, rowWidth: rowWidth, geometry: g, threads: threads)

    // Weights as [inputBlock][phase p][o][ky][m][4 channels], zero beyond Cin.
    let inputBlocks = (cin + channelBlock - 1) / channelBlock
    let blockStride = cout * kh * kw * channelBlock
    var phaseStart = [Int](repeating: 0, count: sx)
    for p in 1..<max(sx, 1) where p < sx { phaseStart[p] = phaseStart[p - 1] + cout * kh * tapCount(p - 1) * channelBlock }
    let packed = UnsafeMutablePointer<S>.allocate(capacity: inputBlocks * blockStride)
    defer { packed.deallocate() }
    packed.initialize(repeating: 0, count: inputBlocks * blockStride)
    for c in 0..<cin {
        for p in 0..<sx {
            let count = tapCount(p)
            for o in 0..<cout {
                for ky in 0..<kh {
                    for m in 0..<count {
                        packed[(c / channelBlock) * blockStride + phaseStart[p]
                               + ((o * kh + ky) * count + m) * channelBlock + c % channelBlock] =
                            weight[((o * cin + c) * kh + ky) * kw + p + m * sx]
                    }
                }
            }
        }
    }

    let rowBlocks = min(h, rowBlocksPerImage)
    let out = SendablePointer(inputGradient)
    let source = UnsafePointer(padded), weights = UnsafePointer(packed)
    let starts = phaseStart
    Parallel.forEachBlock(g.batch * rowBlocks, threads: threads) { block in
        let n = block / rowBlocks
        let image = source + n * cout * ho * rowWidth + leftPad
        for i in Parallel.range(of: block % rowBlocks, splitting: h, into: rowBlocks) {
            // Kernel rows ky ≡ i + padTop (mod sy) whose output row lies in 0..<ho.
            let paddedRow = i + g.padTop
            var kyFirst = paddedRow % sy
            let lowest = paddedRow - (ho - 1) * sy
            if lowest > kyFirst { kyFirst = lowest }
            let kyLast = min(kh - 1, paddedRow)
            for p in 0..<sx {
                let count = tapCount(p)
                let columns = columnRange(p)
                var q0 = columns.lowerBound
                while q0 < columns.upperBound {
                    let lanes = min(kernelVectorWidth, columns.upperBound - q0)
                    for ib in 0..<inputBlocks {
                        var a0 = SIMD16<S>(), a1 = SIMD16<S>(), a2 = SIMD16<S>(), a3 = SIMD16<S>()
                        if count > 0 && kyFirst <= kyLast {
                            let blockWeights = weights + ib * blockStride + starts[p]
                            for o in 0..<cout {
                                var ky = kyFirst
                                while ky <= kyLast {
                                    let row = image + (o * ho + (paddedRow - ky) / sy) * rowWidth + q0
                                    var wp = blockWeights + (o * kh + ky) * count * channelBlock
                                    for m in 0..<count {
                                        let v = loadVector(row - m)
                                        a0 += v * SIMD16<S>(repeating: wp[0])
                                        a1 += v * SIMD16<S>(repeating: wp[1])
                                        a2 += v * SIMD16<S>(repeating: wp[2])
                                        a3 += v * SIMD16<S>(repeating: wp[3])
                                        wp += channelBlock
                                    }
                                    ky += sy
                                }
                            }
                        }
                        let c0 = ib * channelBlock
                        let destination = out.base + ((n * cin + c0) * h + i) * w
                        let plane = h * w
                        if sx == 1 {
                            let start = destination + q0 - g.padLeft
                            storeVector(a0, to: start, count: lanes)
                            if c0 + 1 < cin { storeVector(a1, to: start + plane, count: lanes) }
                            if c0 + 2 < cin { storeVector(a2, to: start + 2 * plane, count: lanes) }
                            if c0 + 3 < cin { storeVector(a3, to: start + 3 * plane, count: lanes) }
                        } else {
                            for lane in 0..<lanes {
                                let j = (q0 + lane) * sx + p - g.padLeft
                                destination[j] = a0[lane]
                                if c0 + 1 < cin { destination[j + plane] = a1[lane] }
                                if c0 + 2 < cin { destination[j + 2 * plane] = a2[lane] }
                                if c0 + 3 < cin { destination[j + 3 * plane] = a3[lane] }
                            }
                        }
                    }
                    q0 += kernelVectorWidth
                }
            }
        }
    }
}

// MARK: - Weight gradient

/// Computes the gradients of `Σ output·outputGradient` with respect to the
/// weight and bias of ``conv2DForward(input:weight:bias:output:geometry:threads:)``:
/// `weightGradient[o][c][ky][kx] = Σ_{n,y,x} outputGradient[n][o][y][x] ·
/// input[n][c][y·sy + ky − padTop][x·sx + kx − padLeft]` and
/// `biasGradient[o] = Σ_{n,y,x} outputGradient[n][o][y][x]`.
///
/// Each weight is summed as 16 lane-wise partial sums over pixel columns
/// `x ≡ lane (mod 16)`, in a fixed order, then the lanes are added.
///
/// - Parameters:
///   - input: `[N, Cin, H, W]`.
///   - outputGradient: `[N, Cout, Ho, Wo]`.
///   - weightGradient: `[Cout, Cin, kh, kw]`, overwritten.
///   - biasGradient: `[Cout]`, overwritten; `nil` to skip it.
///   - geometry: the sizes; must be ``Conv2DGeometry/isValid``.
///   - threads: how many threads may run at once (the result does not depend on it).
func conv2DWeightGradient<S: TensorScalar>(input: UnsafePointer<S>, outputGradient: UnsafePointer<S>,
                                           weightGradient: UnsafeMutablePointer<S>,
                                           biasGradient: UnsafeMutablePointer<S>?,
                                           geometry g: Conv2DGeometry, threads: Int) {
    precondition(g.isValid, "invalid convolution geometry \(g)")
    let layout = PhasePlaneLayout(geometry: g)
    let planes = UnsafeMutablePointer<S>.allocate(capacity: layout.totalCount)
    defer { planes.deallocate() }
    packPhasePlanes(input: input, planes: planes, layout: layout, geometry: g, threads: threads)

    let ho = g.outputHeight, wo = g.outputWidth
    let cin = g.inputChannels, cout = g.outputChannels, kh = g.kernelHeight, kw = g.kernelWidth
    let rowWidth = roundUp(wo, toMultipleOf: kernelVectorWidth)
    let padded = UnsafeMutablePointer<S>.allocate(capacity: g.batch * cout * ho * rowWidth + rowWidth)
    defer { padded.deallocate() }
    padOutputGradientRows(outputGradient, into: padded, leftPad: 0, rowWidth: rowWidth, geometry: g, threads: threads)
    let zeroRow = padded + g.batch * cout * ho * rowWidth
    zeroRow.initialize(repeating: 0, count: rowWidth)

    // Blocks: (group of 4 output channels) × (group of input channels).
    let outputGroups = (cout + channelBlock - 1) / channelBlock
    let inputGroups = min(cin, max(1, (8 + outputGroups - 1) / outputGroups))
    let largestInputGroup = (cin + inputGroups - 1) / inputGroups
    let partialsPerBlock = channelBlock * largestInputGroup * kh * kw
    let partials = UnsafeMutablePointer<SIMD16<S>>.allocate(capacity: outputGroups * inputGroups * partialsPerBlock)
    defer { partials.deallocate() }
    partials.initialize(repeating: SIMD16<S>(), count: outputGroups * inputGroups * partialsPerBlock)

    let gradients = UnsafePointer(padded), zeros = UnsafePointer(zeroRow), image = UnsafePointer(planes)
    let sums = SendablePointer(partials), out = SendablePointer(weightGradient)
    let planeStride = layout.planeCount
    Parallel.forEachBlock(outputGroups * inputGroups, threads: threads) { block in
        let og = block / inputGroups
        let inputs = Parallel.range(of: block % inputGroups, splitting: cin, into: inputGroups)
        let acc = sums.base + block * partialsPerBlock  // [4][input in group][ky][kx]
        func partial(_ ol: Int, _ cl: Int, _ ky: Int, _ kx: Int) -> UnsafeMutablePointer<SIMD16<S>> {
            acc + ((ol * largestInputGroup + cl) * kh + ky) * kw + kx
        }
        for n in 0..<g.batch {
            for y in 0..<ho {
                // Row y of output-gradient channel `og·4 + ol`, or zeros beyond Cout.
                func gradientRow(_ ol: Int) -> UnsafePointer<S> {
                    let o = og * channelBlock + ol
                    return o < cout ? gradients + ((n * cout + o) * ho + y) * rowWidth : zeros
                }
                for (cl, c) in inputs.enumerated() {
                    for ky in 0..<kh {
                        let base = image + (n * cin + c) * layout.channelCount + (y * g.strideY + ky) * layout.planeWidth
                        for pair in 0..<(channelBlock / 2) {
                            let ol = 2 * pair
                            if og * channelBlock + ol >= cout { break }
                            let g0 = gradientRow(ol), g1 = gradientRow(ol + 1)
                            var kx = 0
                            while kx < kw {
                                let i0 = base + (kx % g.strideX) * planeStride + kx / g.strideX
                                if kx + 1 < kw {
                                    let i1 = base + ((kx + 1) % g.strideX) * planeStride + (kx + 1) / g.strideX
                                    var s00 = partial(ol, cl, ky, kx).pointee, s01 = partial(ol, cl, ky, kx + 1).pointee
                                    var s10 = partial(ol + 1, cl, ky, kx).pointee, s11 = partial(ol + 1, cl, ky, kx + 1).pointee
                                    var x = 0
                                    while x < rowWidth {
                                        let u = loadVector(g0 + x), v = loadVector(g1 + x)
                                        let p = loadVector(i0 + x), q = loadVector(i1 + x)
                                        s00 += u * p; s01 += u * q
                                        s10 += v * p; s11 += v * q
                                        x += kernelVectorWidth
                                    }
                                    partial(ol, cl, ky, kx).pointee = s00; partial(ol, cl, ky, kx + 1).pointee = s01
                                    partial(ol + 1, cl, ky, kx).pointee = s10; partial(ol + 1, cl, ky, kx + 1).pointee = s11
                                    kx += 2
                                } else {
                                    var s0 = partial(ol, cl, ky, kx).pointee, s1 = partial(ol + 1, cl, ky, kx).pointee
                                    var x = 0
                                    while x < rowWidth {
                                        let p = loadVector(i0 + x)
                                        s0 += loadVector(g0 + x) * p
                                        s1 += loadVector(g1 + x) * p
                                        x += kernelVectorWidth
                                    }
                                    partial(ol, cl, ky, kx).pointee = s0; partial(ol + 1, cl, ky, kx).pointee = s1
                                    kx += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        for ol in 0..<channelBlock where og * channelBlock + ol < cout {
            for (cl, c) in inputs.enumerated() {
                for ky in 0..<kh {
                    for kx in 0..<kw {
                        out.base[(((og * channelBlock + ol) * cin + c) * kh + ky) * kw + kx] = partial(ol, cl, ky, kx).pointee.sum()
                    }
                }
            }
        }
    }

    if let biasGradient {
        let bias = SendablePointer(biasGradient)
        Parallel.forEachBlock(cout, threads: threads) { o in
            var total = SIMD16<S>()
            for n in 0..<g.batch {
                for y in 0..<ho {
                    let row = gradients + ((n * cout + o) * ho + y) * rowWidth
                    var x = 0
                    while x < rowWidth {
                        total += loadVector(row + x)
                        x += kernelVectorWidth
                    }
                }
            }
            bias.base[o] = total.sum()
        }
    }
}
