// The weight gradient of a 3×3, stride-1 convolution by Winograd's minimal
// filtering algorithm F(4×4, 3×3), the same algorithm as the forward pass
// (WinogradF4.swift, where `Bᵀ`, `G` and `Aᵀ` are written out).
//
// The 4×4 output tile of output channel `o` is `Y_o = Aᵀ [Σ_c U_{o,c} ⊙ V_c] A`
// with `U_{o,c} = G w_{o,c} Gᵀ` and `V_c = Bᵀ d_c B` (`d_c` the 6×6 input
// tile). This is linear in `U`, so the gradient with respect to `U_{o,c}` is
// `Σ_tiles M_o ⊙ V_c` with `M_o = A dY_o Aᵀ` (6×6, from the 4×4
// output-gradient tile, zero outside the output), and since `U` is linear in
// `w`,
//
//     dW_{o,c} = Gᵀ [Σ_tiles M_o ⊙ V_c] G.
//
// The identity is exact; the tiles that reach past the output multiply input
// pixels by a zero gradient. For each of the 36 positions ξ of the 6×6
// transformed tile the sum over tiles is one product
// `[Cout × tiles] · [tiles × Cin]`: 36·Cout·Cin multiply-adds per tile of 16
// output pixels, 2.25 per pixel against 4 for F(2×2, 3×3) and 9 for the
// direct weight gradient.
//
// The input rows a block needs are copied with 16 input channels innermost
// into a ring of eight rows, so that `V` is computed with 16 channels per
// vector and stored as `[ξ][tile][16 channels]`. The output-gradient rows
// are split into their four column phases (as the forward pass packs its
// input), so that `M` is computed with 16 tiles per vector without shuffles
// and stored as `[o][ξ][tile]`, from where each product reads one scalar per
// tile and broadcasts it into registers that hold 16 input channels of one
// output channel's `dU[ξ]` across a whole row of tiles.
//
// Chosen over F(2×2, 3×3), which this file replaced (session 16): on the
// paper's conv3 (16 → 32, 225 × 300, one thread, native build) the weight
// gradient took 6.5–7.1 ms against F(2×2)'s 8.2–8.4 ms, alternated runs.
// F(2×2) with gradient rows deinterleaved by shuffles was slower still:
// LLVM scalarised the two-level even/odd split (13–17 ms).
//
// Accuracy: the transforms scale by up to 10 (`Bᵀ`) and 15 (`A`) and `G` by
// down to 1/24, so Float's sums carry more rounding than F(2×2)'s did
// (Conv2DKernelTests bound the Float result against Double's).

/// Most tiles along a row that one sweep transforms before multiplying (a
/// multiple of 16): 320 output columns, a whole row of the paper's
/// 300-pixel-wide images; wider rows are split into equal sweeps.
private let winograd4GradientSweepTiles = 80

/// Output channels whose gradient tiles one sweep transforms and multiplies
/// at a time (their `M`, `36·sweep` scalars each, stays in the level-2
/// cache next to `V`); one register block of ``broadcastTapBlock``
/// channels in wide-register builds, so that no block is left with a
/// remainder whose few accumulators wait on the multiply-add latency.
#if SFLKIT_WIDE_REGISTERS
private let winograd4GradientOutputGroup = 6
#else
private let winograd4GradientOutputGroup = 8
#endif

/// Parallel blocks the weight gradient aims for: each image is split into
/// `⌈16 / N⌉` ranges of tile rows (fewer when it has fewer tile rows).
private let winograd4GradientBlocks = 16

/// Whether ``conv2DWeightGradient(input:outputGradient:weightGradient:biasGradient:geometry:threads:gradientMask:)``
/// uses ``conv2DWeightGradientWinograd4x4(input:outputGradient:weightGradient:biasGradient:geometry:threads:gradientMask:)``
/// for `geometry`: when Winograd applies (3×3, stride 1), there are more than
/// 3 output channels, and the input channels fill at least three quarters of
/// the vectors that hold them (`Cin` = 12...16, 24...32, …). Measured on
/// 225×300 images, one thread: with 32 output channels Winograd takes 0.6× the
/// direct kernel's time with 16 input channels, 0.77× with 12 and 24, but 1.1×
/// with 8 and 1.0× with 20, where the lanes wasted on channels beyond `Cin`
/// cost what the transforms save. With 3 output channels (the paper's last
/// layer, 32 → 3) the direct kernel's 3 × 3 register tile does better: it
/// takes 0.75–0.8× Winograd's time with native flags and about 1.0× in the
/// default build (best and lower quartile of 12 alternated runs, on a noisy
/// machine). These were measured with the F(2×2, 3×3) weight gradient this
/// kernel replaced, which took 1.2–1.3× its time on the paper's conv3;
/// the rule is kept as it was.
func winogradWeightGradientPays(for g: Conv2DGeometry) -> Bool {
    winogradApplies(to: g) && g.outputChannels > 3
        && 4 * g.inputChannels >= 3 * roundUp(g.inputChannels, toMultipleOf: kernelVectorWidth)
}

/// The weight gradient of ``conv2DForward(input:weight:bias:output:geometry:threads:rectify:positiveBits:)``
/// for a 3×3, stride-1 geometry, by Winograd F(4×4, 3×3):
/// `weightGradient[o][c][ky][kx] = Σ_{n,y,x} outputGradient[n][o][y][x] ·
/// input[n][c][y + ky − padTop][x + kx − padLeft]`, evaluated as
/// `dW_{o,c} = Gᵀ [Σ_tiles (A dY_o Aᵀ) ⊙ (Bᵀ d_c B)] G` (see the comment at
/// the top of this file). Same layouts and result, up to rounding, as the
/// direct weight gradient; the bias gradient, when asked for, is summed from
/// the output-gradient rows the kernel copies anyway.
///
/// Each parallel block takes a range of tile rows of one image and sums its
/// tiles into its own partial `dU`; the partial sums are added in block
/// order, so the result does not depend on `threads`. Input channels beyond
/// `Cin` (up to a multiple of 16) are zero lanes.
///
/// - Parameters:
///   - input: `[N, Cin, H, W]`.
///   - outputGradient: `[N, Cout, Ho, Wo]`.
///   - weightGradient: `[Cout, Cin, 3, 3]`, overwritten.
///   - biasGradient: `[Cout]`, overwritten; `nil` to skip it.
///   - geometry: valid, with ``winogradApplies(to:)``.
///   - threads: how many threads may run at once (the result does not depend on it).
///   - gradientMask: `nil`, or the output of a fused ReLU (`[N, Cout, Ho, Wo]`):
///     the output gradient then counts only where the mask is positive.
func conv2DWeightGradientWinograd4x4<S: TensorScalar>(input: UnsafePointer<S>, outputGradient: UnsafePointer<S>,
                                                      weightGradient: UnsafeMutablePointer<S>,
                                                      biasGradient: UnsafeMutablePointer<S>? = nil,
                                                      geometry g: Conv2DGeometry, threads: Int,
                                                      gradientMask: UnsafePointer<S>? = nil) {
    let sums = Winograd4WeightGradientSums(input: input, outputGradient: outputGradient, geometry: g,
                                           gradientMask: gradientMask, summingBias: biasGradient != nil)
    defer { sums.release() }
    Parallel.forEachBlock(sums.blocks, threads: threads) { block in
        for ty in sums.tileRows(of: block) { sums.add(tileRow: ty, block: block) }
    }
    sums.finish(weightGradient: weightGradient, biasGradient: biasGradient)
}

/// The per-block partial sums of
/// ``conv2DWeightGradientWinograd4x4(input:outputGradient:weightGradient:biasGradient:geometry:threads:gradientMask:)``,
/// filled one tile row at a time, so that another pass over the same output
/// gradient (the input gradient, ``conv2DBackward(outputGradient:weight:input:inputGradient:weightGradient:biasGradient:geometry:threads:gradientMask:inputMask:)``)
/// can add each tile row right after it has read the same gradient rows.
///
/// Parallel block `b` takes the tile rows ``tileRows(of:)`` of image
/// ``image(of:)``, in order, into its own partial sums; ``finish(weightGradient:biasGradient:)``
/// adds the partial sums in block order.
struct Winograd4WeightGradientSums<S: TensorScalar> {
    /// Parallel blocks: ``rowBlocks`` ranges of tile rows per image.
    let blocks: Int
    /// Ranges of tile rows each image is split into.
    let rowBlocks: Int
    /// Tile rows of the output (4 output rows each).
    let tileRowCount: Int

    private let input: UnsafePointer<S>, outputGradient: UnsafePointer<S>, gradientMask: UnsafePointer<S>?
    private let g: Conv2DGeometry
    private let tileColumns: Int, sweep: Int, outputGroup: Int, outputGroups: Int, channelBlocks: Int
    private let paddedColumns: Int, rowStride: Int, ringCount: Int
    private let transformedInputCount: Int, transformedGradientCount: Int, planeWidth: Int, gradientPlanesCount: Int
    private let scratchPerBlock: Int, sumsPerBlock: Int
    private let gradientRows: Conv2DGeometry
    private let rings: UnsafeMutablePointer<S>, scratch: UnsafeMutablePointer<S>
    private let partials: UnsafeMutablePointer<SIMD16<S>>, biasPartials: UnsafeMutablePointer<SIMD16<S>>?
    /// Per block: the padded input rows already in its ring.
    private let copiedEnd: UnsafeMutablePointer<Int>
    /// Per block: where the current tile row's gradient rows are, for each
    /// output channel `o`, row `i` and column phase `q`, at `(4o + i)·4 + q`.
    private let gradientRowPointers: UnsafeMutablePointer<UnsafePointer<S>>
    private static var ringRows: Int { 8 }

    /// Takes the scratch and zeroes the partial sums; give it back with ``release()``.
    ///
    /// - Parameters: as ``conv2DWeightGradientWinograd4x4(input:outputGradient:weightGradient:biasGradient:geometry:threads:gradientMask:)``;
    ///   `summingBias` whether the bias gradient will be asked for.
    init(input: UnsafePointer<S>, outputGradient: UnsafePointer<S>, geometry g: Conv2DGeometry,
         gradientMask: UnsafePointer<S>?, summingBias: Bool) {
        precondition(g.isValid && winogradApplies(to: g), "geometry not supported by Winograd F(4×4, 3×3): \(g)")
        self.input = input
        self.outputGradient = outputGradient
        self.gradientMask = gradientMask
        self.g = g
        let ho = g.outputHeight, wo = g.outputWidth, cin = g.inputChannels, cout = g.outputChannels
        let lanes = kernelVectorWidth
        tileRowCount = (ho + 3) / 4
        tileColumns = (wo + 3) / 4
        let sweeps = (tileColumns + winograd4GradientSweepTiles - 1) / winograd4GradientSweepTiles
        sweep = roundUp((tileColumns + sweeps - 1) / sweeps, toMultipleOf: lanes)
        outputGroup = min(cout, winograd4GradientOutputGroup)
        outputGroups = (cout + outputGroup - 1) / outputGroup
        channelBlocks = (cin + lanes - 1) / lanes

        // The zero-padded input, 16 channels innermost, in a ring of eight padded
        // rows per block and channel block ([channel block][row % 8][column][16]):
        // tile row `ty` reads padded rows 4·ty ..< 4·ty + 6.
        paddedColumns = 4 * tileColumns + 2
        rowStride = paddedColumns * lanes
        ringCount = channelBlocks * Self.ringRows * rowStride

        rowBlocks = winograd4GradientRowBlocks(tileRows: tileRowCount, batch: g.batch)
        blocks = g.batch * rowBlocks
        rings = ScratchBuffers.take(S.self, count: blocks * ringCount)

        // Per block: V [channel block][ξ][sweep tile][16], M [o in group][ξ][sweep
        // tile], the tile row's four gradient rows of every output channel split
        // into four column phases ([o][row][phase][plane column]: tile `t`'s
        // column `j` is plane column `t` of phase `j`, zero past the output),
        // 36 vectors for the row pass of one tile's input transform and, with a
        // mask, one masked gradient row. Only what a sweep writes is read.
        transformedInputCount = channelBlocks * 36 * sweep * lanes
        transformedGradientCount = outputGroup * 36 * sweep
        planeWidth = sweeps * sweep
        gradientPlanesCount = cout * 16 * planeWidth
        let maskedRowCount = gradientMask == nil ? 0 : roundUp(wo, toMultipleOf: lanes)
        scratchPerBlock = transformedInputCount + transformedGradientCount + gradientPlanesCount + 36 * lanes + maskedRowCount
        var gradientRows = g   // the output gradient of one channel as a stride-4 geometry's input, for packPhaseRows
        gradientRows.inputHeight = ho
        gradientRows.inputWidth = wo
        gradientRows.padTop = 0
        gradientRows.padLeft = 0
        gradientRows.strideX = 4
        self.gradientRows = gradientRows
        scratch = ScratchBuffers.take(S.self, count: blocks * scratchPerBlock)
        sumsPerBlock = 36 * channelBlocks * cout
        partials = ScratchBuffers.take(SIMD16<S>.self, count: blocks * sumsPerBlock)
        partials.initialize(repeating: SIMD16<S>(), count: blocks * sumsPerBlock)
        if summingBias {
            let biasPartials = ScratchBuffers.take(SIMD16<S>.self, count: blocks * cout)
            biasPartials.initialize(repeating: SIMD16<S>(), count: blocks * cout)
            self.biasPartials = biasPartials
        } else {
            biasPartials = nil
        }
        copiedEnd = UnsafeMutablePointer<Int>.allocate(capacity: blocks)
        copiedEnd.initialize(repeating: 0, count: blocks)
        gradientRowPointers = UnsafeMutablePointer<UnsafePointer<S>>.allocate(capacity: blocks * cout * 16)
    }

    /// Gives the scratch back; the value must not be used afterwards.
    func release() {
        ScratchBuffers.give(rings)
        ScratchBuffers.give(scratch)
        ScratchBuffers.give(partials)
        if let biasPartials { ScratchBuffers.give(biasPartials) }
        copiedEnd.deallocate()
        gradientRowPointers.deallocate()
    }

    /// The image block `block` belongs to.
    func image(of block: Int) -> Int { block / rowBlocks }

    /// The tile rows block `block` takes, in the order ``add(tileRow:block:)`` must see them.
    func tileRows(of block: Int) -> Range<Int> {
        Parallel.range(of: block % rowBlocks, splitting: tileRowCount, into: rowBlocks)
    }

    /// Whether ``add(tileRow:block:packedGradient:)`` can read tile row
    /// `ty`'s gradient from `rows` (the output gradient as packed by the
    /// input gradient's Winograd pass) instead of packing its own: the rows
    /// are there and wide enough for every tile this pass reads.
    func canRead(_ rows: Winograd4PackedRows<S>, tileRow ty: Int) -> Bool {
        let first = 4 * ty + rows.padTop
        return rows.padLeft >= 0 && rows.padTop >= 0 && first >= rows.firstRow && first + 4 <= rows.firstRow + rows.rows
            && rows.ringRows >= rows.rows && planeWidth - 1 + (3 + rows.padLeft) / 4 < rows.planeWidth
    }

    /// Adds tile row `ty` (output rows `4·ty ..< 4·ty + 4`) of block
    /// `block`'s image to the block's partial sums. Blocks may run on
    /// different threads at once; one block's tile rows come one after
    /// another, in ``tileRows(of:)`` order.
    ///
    /// - Parameter packedGradient: the output gradient's rows of this tile
    ///   row as the input gradient's pass packed them (masked as this pass
    ///   would, ``canRead(_:tileRow:)``), read in place of packing them
    ///   again; `nil` to pack them here. The sums are the same bit for bit.
    func add(tileRow ty: Int, block: Int, packedGradient: Winograd4PackedRows<S>? = nil) {
        let n = image(of: block), cin = g.inputChannels, cout = g.outputChannels
        let ho = g.outputHeight, wo = g.outputWidth, lanes = kernelVectorWidth, ringRows = Self.ringRows
        let transformedInput = scratch + block * scratchPerBlock
        let transformedGradient = transformedInput + transformedInputCount
        let gradientPlanes = transformedGradient + transformedGradientCount
        let rowPass = gradientPlanes + gradientPlanesCount
        let maskedRow = rowPass + 36 * lanes
        let blockSums = partials + block * sumsPerBlock
        let ring = rings + block * ringCount
        for cb in 0..<channelBlocks {
            for r in max(4 * ty, copiedEnd[block])..<(4 * ty + 6) {
                interleaveInputRow(input + n * cin * g.inputHeight * g.inputWidth, row: r, channelBlock: cb,
                                   into: ring + (cb * ringRows + r % ringRows) * rowStride,
                                   paddedColumns: paddedColumns, geometry: g)
            }
        }
        copiedEnd[block] = 4 * ty + 6
        // Output-gradient rows 4·ty ..< 4·ty + 4 of every output channel
        // (zero past the output), masked on the way, as phase planes: from
        // the input gradient's planes (phase q's tile t is the gradient's
        // column 4t + q, padded column 4t + q + padLeft there), or packed here.
        let rowPointers = gradientRowPointers + block * cout * 16
        let shared = packedGradient.flatMap { canRead($0, tileRow: ty) ? $0 : nil }
        for o in 0..<cout {
            let channel = (n * cout + o) * ho * wo
            for i in 0..<4 {
                let pointers = rowPointers + (4 * o + i) * 4
                let row = 4 * ty + i
                if let shared {
                    for q in 0..<4 {
                        let column = q + shared.padLeft
                        pointers[q] = shared.row(channel: o, paddedRow: row + shared.padTop, phase: column % 4) + column / 4
                    }
                } else {
                    let destination = gradientPlanes + (4 * o + i) * 4 * planeWidth
                    if let gradientMask, row < ho {
                        copyGradient(outputGradient + channel + row * wo, mask: gradientMask + channel + row * wo,
                                     count: wo, to: maskedRow)
                        packPhaseRows(channel: maskedRow, row: 0, destination: destination, phaseStride: planeWidth,
                                      planeWidth: planeWidth, geometry: gradientRows)
                    } else {
                        packPhaseRows(channel: outputGradient + channel, row: row, destination: destination,
                                      phaseStride: planeWidth, planeWidth: planeWidth, geometry: gradientRows)
                    }
                    for q in 0..<4 { pointers[q] = UnsafePointer(destination + q * planeWidth) }
                }
                if let biasPartials {
                    // Every gradient scalar is in one phase row once; the zeros add nothing.
                    var total = biasPartials[block * cout + o]
                    for q in 0..<4 {
                        for x in stride(from: 0, to: planeWidth, by: lanes) { total += loadVector(pointers[q] + x) }
                    }
                    biasPartials[block * cout + o] = total
                }
            }
        }
        let outputBlock = broadcastTapBlock
        var t0 = 0
        while t0 < tileColumns {
            let count = min(sweep, tileColumns - t0)
            for cb in 0..<channelBlocks {
                @inline(__always) func ringRow(_ i: Int) -> UnsafePointer<S> {
                    UnsafePointer(ring + (cb * ringRows + (4 * ty + i) % ringRows) * rowStride + 4 * t0 * lanes)
                }
                transformInputTiles4(rows: (ringRow(0), ringRow(1), ringRow(2), ringRow(3), ringRow(4), ringRow(5)),
                                     count: count, rowPass: rowPass,
                                     destination: transformedInput + cb * 36 * sweep * lanes, sweepTiles: sweep)
            }
            for groupIndex in 0..<outputGroups {
                let groupRange = Parallel.range(of: groupIndex, splitting: cout, into: outputGroups)
                let o0 = groupRange.lowerBound, group = groupRange.count
                for o in 0..<group {
                    transformGradientTiles4(rows: UnsafePointer(rowPointers + (o0 + o) * 16), firstTile: t0,
                                            count: count, destination: transformedGradient + o * 36 * sweep,
                                            sweepTiles: sweep)
                }
                // dU[ξ][o][c] += Σ_t M[o][ξ][t] · V[c][ξ][t], `outputBlock` output channels at a time.
                for xi in 0..<36 {
                    for cb in 0..<channelBlocks {
                        let vectors = UnsafePointer(transformedInput + (cb * 36 + xi) * sweep * lanes)
                        var o = 0
                        while o < group {
                            accumulateTileProducts(outputs: min(outputBlock, group - o), vectors: vectors,
                                                   scalars: transformedGradient + (o * 36 + xi) * sweep,
                                                   scalarStride: 36 * sweep, tiles: count,
                                                   sums: blockSums + (xi * channelBlocks + cb) * cout + o0 + o)
                            o += outputBlock
                        }
                    }
                }
            }
            t0 += count
        }
    }

    /// Adds the partial sums in block order and writes the gradients, once
    /// every block has added all its tile rows.
    ///
    /// - Parameters:
    ///   - weightGradient: `[Cout, Cin, 3, 3]`, overwritten.
    ///   - biasGradient: `[Cout]`, overwritten; `nil` to skip it (must be
    ///     `nil` unless `summingBias` was set).
    func finish(weightGradient: UnsafeMutablePointer<S>, biasGradient: UnsafeMutablePointer<S>?) {
        let cin = g.inputChannels, cout = g.outputChannels, lanes = kernelVectorWidth
        if let biasGradient {
            guard let biasPartials else { preconditionFailure("Winograd4WeightGradientSums: the bias was not summed") }
            for o in 0..<cout {
                var total = biasPartials[o]
                for part in 1..<blocks { total += biasPartials[part * cout + o] }
                biasGradient[o] = total.sum()
            }
        }

        // dU[o][c][ξ]: the partial sums added in block order; then dW = Gᵀ dU G.
        let gradientU = UnsafeMutablePointer<S>.allocate(capacity: cout * cin * 36)
        defer { gradientU.deallocate() }
        for xi in 0..<36 {
            for cb in 0..<channelBlocks {
                for o in 0..<cout {
                    let index = (xi * channelBlocks + cb) * cout + o
                    var total = partials[index]
                    for part in 1..<blocks { total += partials[part * sumsPerBlock + index] }
                    for lane in 0..<min(lanes, cin - cb * lanes) {
                        gradientU[(o * cin + cb * lanes + lane) * 36 + xi] = total[lane]
                    }
                }
            }
        }
        for pair in 0..<(cout * cin) {
            weightGradientFromWinograd4(UnsafePointer(gradientU + 36 * pair), into: weightGradient + 9 * pair)
        }
    }
}

/// Ranges of tile rows the Winograd weight gradient splits each of `batch`
/// images with `tileRows` tile rows into: `⌈16 / batch⌉`, fewer when the image
/// has fewer tile rows.
func winograd4GradientRowBlocks(tileRows: Int, batch: Int) -> Int {
    min(tileRows, (winograd4GradientBlocks + batch - 1) / batch)
}

/// Writes padded row `row` of channel block `channelBlock` of one image
/// (`[Cin, H, W]`) with its 16 channels innermost, `[paddedColumns][16]`:
/// padded pixel `(row, q)` holds input pixel `(row − padTop, q − padLeft)`,
/// channel `16·channelBlock + ℓ` in lane `ℓ`, and every scalar outside the
/// image or beyond `Cin` is zero.
///
/// The row is interleaved by ``interleaveChannels(_:channelStride:channels:count:into:)``
/// (16×16 transposes, the last `W mod 16` pixels one scalar at a time).
///
/// - Requires: `paddedColumns ≥ W + padLeft`.
private func interleaveInputRow<S: TensorScalar>(_ image: UnsafePointer<S>, row: Int, channelBlock: Int,
                                                 into destination: UnsafeMutablePointer<S>, paddedColumns: Int,
                                                 geometry g: Conv2DGeometry) {
    let lanes = kernelVectorWidth, h = g.inputHeight, w = g.inputWidth
    let i = row - g.padTop
    if i < 0 || i >= h {
        destination.initialize(repeating: 0, count: paddedColumns * lanes)
        return
    }
    destination.initialize(repeating: 0, count: g.padLeft * lanes)
    let first = destination + g.padLeft * lanes
    interleaveChannels(image + (channelBlock * lanes * h + i) * w, channelStride: h * w,
                       channels: min(lanes, g.inputChannels - channelBlock * lanes), count: w, into: first)
    (first + w * lanes).initialize(repeating: 0, count: (paddedColumns - g.padLeft - w) * lanes)
}

/// Writes `V = Bᵀ d B` for `count` consecutive tiles of one tile row, each
/// entry a vector of 16 channels: `destination[(ξ·sweepTiles + t)·16 ..< +16]
/// = V_t[ξ]`, `ξ = 6a + b`, where tile `t`'s 6×6 input `d[i][j]` is the
/// vector at `rows.i + (4t + j)·16`. First `d B` row by row into
/// `rowPass` (36 vectors, in the level-1 cache), then `Bᵀ` column by column
/// into `destination`.
@inline(__always)
private func transformInputTiles4<S: TensorScalar>(
    rows: (UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>),
    count: Int,
                                                   rowPass: UnsafeMutablePointer<S>,
                                                   destination: UnsafeMutablePointer<S>, sweepTiles: Int) {
    let lanes = kernelVectorWidth, plane = sweepTiles * lanes
    let pass = UnsafeMutableRawPointer(rowPass).assumingMemoryBound(to: SIMD16<S>.self)
    for t in 0..<count {
        @inline(__always) func rowTransform(_ i: Int, _ row: UnsafePointer<S>) {
            let d = row + 4 * t * lanes
            let r = winograd4InputTransform(loadVector(d), loadVector(d + lanes), loadVector(d + 2 * lanes),
                                            loadVector(d + 3 * lanes), loadVector(d + 4 * lanes), loadVector(d + 5 * lanes))
            pass[6 * i] = r.0; pass[6 * i + 1] = r.1; pass[6 * i + 2] = r.2
            pass[6 * i + 3] = r.3; pass[6 * i + 4] = r.4; pass[6 * i + 5] = r.5
        }
        rowTransform(0, rows.0); rowTransform(1, rows.1); rowTransform(2, rows.2)
        rowTransform(3, rows.3); rowTransform(4, rows.4); rowTransform(5, rows.5)
        let out = destination + t * lanes
        for k in 0..<6 {
            let c = winograd4InputTransform(pass[k], pass[6 + k], pass[12 + k], pass[18 + k], pass[24 + k], pass[30 + k])
            storeVector(c.0, to: out + k * plane)
            storeVector(c.1, to: out + (6 + k) * plane)
            storeVector(c.2, to: out + (12 + k) * plane)
            storeVector(c.3, to: out + (18 + k) * plane)
            storeVector(c.4, to: out + (24 + k) * plane)
            storeVector(c.5, to: out + (30 + k) * plane)
        }
    }
}

/// Applies `A x`, the transpose of F(4×4, 3×3)'s output transform `Aᵀ`,
/// lane-wise: four values to six, `(x0, x0 + x1 + x2 + x3, x0 − x1 + x2 − x3,
/// x0 + 2x1 + 4x2 + 8x3, x0 − 2x1 + 4x2 − 8x3, x3)`.
@inline(__always)
private func winograd4OutputTransformTransposed<S: TensorScalar>(
    _ x0: SIMD16<S>, _ x1: SIMD16<S>, _ x2: SIMD16<S>, _ x3: SIMD16<S>
) -> (SIMD16<S>, SIMD16<S>, SIMD16<S>, SIMD16<S>, SIMD16<S>, SIMD16<S>) {
    let two: S = 2, four: S = 4, eight: S = 8
    let even = x0 + x2, odd = x1 + x3
    let evenScaled = x0 + four * x2, oddScaled = two * x1 + eight * x3
    return (x0, even + odd, even - odd, evenScaled + oddScaled, evenScaled - oddScaled, x3)
}

/// Writes `M = A dY Aᵀ` for the tiles of one sweep along a tile row of one
/// output channel, 16 tiles per vector: `destination[ξ·sweepTiles + t] =
/// M_t[ξ]`, `ξ = 6a + b`, for `t` below `count` rounded up to a multiple of
/// 16. Tile `firstTile + t`'s 4×4 gradient is `dY[i][j] = rows[4i + j][firstTile + t]`.
///
/// - Parameters:
///   - rows: the four column phases of the four gradient rows, zero outside
///     the output; `firstTile + ⌈count/16⌉·16` scalars of each must be readable.
///   - count: tiles, at most `sweepTiles`.
@inline(__always)
private func transformGradientTiles4<S: TensorScalar>(rows: UnsafePointer<UnsafePointer<S>>, firstTile: Int, count: Int,
                                                      destination: UnsafeMutablePointer<S>, sweepTiles: Int) {
    let lanes = kernelVectorWidth
    var t0 = 0
    while t0 < count {
        // Rows of dY Aᵀ: row i of dY through A.
        @inline(__always) func row(_ i: Int) -> (SIMD16<S>, SIMD16<S>, SIMD16<S>, SIMD16<S>, SIMD16<S>, SIMD16<S>) {
            let tile = firstTile + t0
            return winograd4OutputTransformTransposed(loadVector(rows[4 * i] + tile), loadVector(rows[4 * i + 1] + tile),
                                                      loadVector(rows[4 * i + 2] + tile), loadVector(rows[4 * i + 3] + tile))
        }
        let out = destination + t0
        let q0 = row(0), q1 = row(1), q2 = row(2), q3 = row(3)
        @inline(__always) func column(_ b: Int, _ x0: SIMD16<S>, _ x1: SIMD16<S>, _ x2: SIMD16<S>, _ x3: SIMD16<S>) {
            let c = winograd4OutputTransformTransposed(x0, x1, x2, x3)
            storeVector(c.0, to: out + b * sweepTiles)
            storeVector(c.1, to: out + (6 + b) * sweepTiles)
            storeVector(c.2, to: out + (12 + b) * sweepTiles)
            storeVector(c.3, to: out + (18 + b) * sweepTiles)
            storeVector(c.4, to: out + (24 + b) * sweepTiles)
            storeVector(c.5, to: out + (30 + b) * sweepTiles)
        }
        column(0, q0.0, q1.0, q2.0, q3.0)
        column(1, q0.1, q1.1, q2.1, q3.1)
        column(2, q0.2, q1.2, q2.2, q3.2)
        column(3, q0.3, q1.3, q2.3, q3.3)
        column(4, q0.4, q1.4, q2.4, q3.4)
        column(5, q0.5, q1.5, q2.5, q3.5)
        t0 += lanes
    }
}

/// Adds to `outputs` (≤ 6) vectors of 16 input channels the products of
/// per-tile channel vectors with per-tile scalars of `outputs` output
/// channels: `sums[k] += Σ_{t < tiles} vectors[16t ..< 16t + 16] ·
/// scalars[k·scalarStride + t]`. With `vectors` holding `V[ξ]` and `scalars`
/// holding `M[o + k][ξ]`, this is one ξ of the Winograd weight gradient
/// `dU[ξ][o + k][c] += Σ_t M[o + k][ξ][t] · V[c][ξ][t]`; the accumulators
/// stay in registers over all the tiles.
///
/// - Requires: every addressed scalar readable.
private func accumulateTileProducts<S: TensorScalar, Outputs: BlockCount>(
    outputs _: Outputs.Type, vectors: UnsafePointer<S>, scalars: UnsafePointer<S>, scalarStride: Int, tiles: Int,
    sums: UnsafeMutablePointer<SIMD16<S>>
) {
    let outputs = Outputs.value
    var s0 = sums[0], s1 = outputs > 1 ? sums[1] : SIMD16<S>()
    var s2 = outputs > 2 ? sums[2] : SIMD16<S>(), s3 = outputs > 3 ? sums[3] : SIMD16<S>()
    var s4 = outputs > 4 ? sums[4] : SIMD16<S>(), s5 = outputs > 5 ? sums[5] : SIMD16<S>()
    let m0 = scalars, m1 = scalars + (outputs > 1 ? scalarStride : 0)
    let m2 = scalars + (outputs > 2 ? 2 * scalarStride : 0), m3 = scalars + (outputs > 3 ? 3 * scalarStride : 0)
    let m4 = scalars + (outputs > 4 ? 4 * scalarStride : 0), m5 = scalars + (outputs > 5 ? 5 * scalarStride : 0)
    var v = vectors
    for t in 0..<tiles {
        let x = loadVector(v)
        multiplyAdd(&s0, x, SIMD16(repeating: m0[t]))
        if outputs > 1 { multiplyAdd(&s1, x, SIMD16(repeating: m1[t])) }
        if outputs > 2 { multiplyAdd(&s2, x, SIMD16(repeating: m2[t])) }
        if outputs > 3 { multiplyAdd(&s3, x, SIMD16(repeating: m3[t])) }
        if outputs > 4 { multiplyAdd(&s4, x, SIMD16(repeating: m4[t])) }
        if outputs > 5 { multiplyAdd(&s5, x, SIMD16(repeating: m5[t])) }
        v += kernelVectorWidth
    }
    sums[0] = s0
    if outputs > 1 { sums[1] = s1 }
    if outputs > 2 { sums[2] = s2 }
    if outputs > 3 { sums[3] = s3 }
    if outputs > 4 { sums[4] = s4 }
    if outputs > 5 { sums[5] = s5 }
}

/// ``accumulateTileProducts(outputs:vectors:scalars:scalarStride:tiles:sums:)``
/// with `outputs` (1...6) turned into a compile-time constant.
@inline(__always)
private func accumulateTileProducts<S: TensorScalar>(outputs: Int, vectors: UnsafePointer<S>, scalars: UnsafePointer<S>,
                                                     scalarStride: Int, tiles: Int, sums: UnsafeMutablePointer<SIMD16<S>>) {
    switch outputs {
    #if SFLKIT_WIDE_REGISTERS   // the baseline build's blocks stop at 2: no dead copies
    case 6: accumulateTileProducts(outputs: BlockOf6.self, vectors: vectors, scalars: scalars, scalarStride: scalarStride,
                                   tiles: tiles, sums: sums)
    case 5: accumulateTileProducts(outputs: BlockOf5.self, vectors: vectors, scalars: scalars, scalarStride: scalarStride,
                                   tiles: tiles, sums: sums)
    case 4: accumulateTileProducts(outputs: BlockOf4.self, vectors: vectors, scalars: scalars, scalarStride: scalarStride,
                                   tiles: tiles, sums: sums)
    case 3: accumulateTileProducts(outputs: BlockOf3.self, vectors: vectors, scalars: scalars, scalarStride: scalarStride,
                                   tiles: tiles, sums: sums)
    #endif
    case 2: accumulateTileProducts(outputs: BlockOf2.self, vectors: vectors, scalars: scalars, scalarStride: scalarStride,
                                   tiles: tiles, sums: sums)
    case 1: accumulateTileProducts(outputs: BlockOf1.self, vectors: vectors, scalars: scalars, scalarStride: scalarStride,
                                   tiles: tiles, sums: sums)
    default: preconditionFailure("accumulateTileProducts: no register block for \(outputs) outputs")
    }
}

/// Writes the 3×3 weight gradient `dW = Gᵀ dU G` of one (output, input)
/// channel pair from its 6×6 Winograd-domain gradient `dU` (row-major,
/// `gradient[6a + b]`), with F(4×4, 3×3)'s `G` (6×3, rows `(1/4, 0, 0)`,
/// `(−1/6, −1/6, −1/6)`, `(−1/6, 1/6, −1/6)`, `(1/24, 1/12, 1/6)`,
/// `(1/24, −1/12, 1/6)`, `(0, 0, 1)`; the fractions formed in `S`, so that
/// Double stays exact to rounding).
private func weightGradientFromWinograd4<S: TensorScalar>(_ gradient: UnsafePointer<S>, into weight: UnsafeMutablePointer<S>) {
    let quarter: S = 1 / 4, sixth: S = 1 / 6, twelfth: S = 1 / 12, twentyFourth: S = 1 / 24
    // Gᵀ x for one column x of six entries: the three entries of Gᵀ's rows
    // (G's columns) applied to it.
    @inline(__always) func leftTransform(_ x: (S, S, S, S, S, S)) -> (S, S, S) {
        (quarter * x.0 - sixth * (x.1 + x.2) + twentyFourth * (x.3 + x.4),
         sixth * (x.2 - x.1) + twelfth * (x.3 - x.4),
         -sixth * (x.1 + x.2) + sixth * (x.3 + x.4) + x.5)
    }
    // Columns of Gᵀ dU (3 entries each), then each of its three rows times
    // G, which is Gᵀ applied to the row.
    @inline(__always) func column(_ b: Int) -> (S, S, S) {
        leftTransform((gradient[b], gradient[6 + b], gradient[12 + b], gradient[18 + b], gradient[24 + b], gradient[30 + b]))
    }
    let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3), c4 = column(4), c5 = column(5)
    @inline(__always) func store(_ k: Int, _ row: (S, S, S, S, S, S)) {
        let r = leftTransform(row)
        weight[3 * k] = r.0; weight[3 * k + 1] = r.1; weight[3 * k + 2] = r.2
    }
    store(0, (c0.0, c1.0, c2.0, c3.0, c4.0, c5.0))
    store(1, (c0.1, c1.1, c2.1, c3.1, c4.1, c5.1))
    store(2, (c0.2, c1.2, c2.2, c3.2, c4.2, c5.2))
}
