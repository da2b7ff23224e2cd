// The weight gradient of a 3×3, stride-1 convolution by Winograd's minimal
// filtering algorithm F(2×2, 3×3) (Lavin & Gray, 2016; see Winograd.swift for
// when it is used).
//
// With the 4×4 input tile `d`, the 3×3 filter `w` and
//
//     Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]
//     G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
//     Aᵀ = [1 1 1 0; 0 1 −1 −1]
//
// the 2×2 output tile of output channel `o` is `Y_o = Aᵀ [Σ_c U_{o,c} ⊙ V_c] A`
// with `U_{o,c} = G w_{o,c} Gᵀ` and `V_c = Bᵀ d_c B`. This is linear in `U`,
// so the gradient with respect to `U_{o,c}` is `Σ_tiles M_o ⊙ V_c` with
// `M_o = A dY_o Aᵀ` (`dY_o` the 2×2 output-gradient tile, zero outside the
// output), and since `U` is linear in `w`,
//
//     dW_{o,c} = Gᵀ [Σ_tiles M_o ⊙ V_c] G.
//
// This is exact (no approximation beyond rounding): the identity holds for
// every `w` and `d`, and the tiles that reach past the output multiply input
// pixels by a zero gradient. The sum over tiles is, for each of the 16
// positions ξ of the 4×4 transformed tile, one product
// `[Cout × tiles] · [tiles × Cin]`: 16·Cout·Cin multiply-adds per tile of 4
// output pixels, against 9·4·Cout·Cin for the direct weight gradient (2.25×
// fewer).
//
// The product is vectorised over 16 input channels: the input rows a block
// needs are copied with their channels innermost (into a ring of four rows
// that stays in the level-2 cache), so that `V` is computed with 16 channels
// per vector and stored as `[ξ][tile][16 channels]`; `M` is computed with 16 tiles
// per vector (consecutive tiles of a row in the lanes) and stored as
// `[o][ξ][tile]`, from where each product reads one scalar per tile and
// broadcasts it. Each accumulator (one ξ, 16 input channels, one output
// channel) lives in registers across a whole row of tiles.

/// Most tiles along a row that one sweep transforms before multiplying (a
/// multiple of 16): a whole row of the paper's 300-pixel-wide images, so that
/// each output channel's two gradient rows are read in one contiguous run;
/// wider rows are split into equal sweeps.
private let winogradGradientSweepTiles = 160

/// Output channels whose gradient tiles one sweep transforms and multiplies
/// at a time, so that the transformed tiles of a sweep (`16·sweep` scalars
/// per input and per output channel) stay in the level-2 cache. The channels
/// are split into groups of as equal sizes as this allows. Wide-register
/// builds take 6, one register block (``broadcastTapBlock``): groups of 8
/// left a block of 2 channels in each, whose 4 accumulators wait on the
/// multiply-add latency (32 output channels now go as 5 + 5 + 6 + 5 + 5 + 6).
#if SFLKIT_WIDE_REGISTERS
private let winogradGradientOutputGroup = 6
#else
private let winogradGradientOutputGroup = 8
#endif

/// Parallel blocks the Winograd weight gradient aims for: each image is split
/// into `⌈16 / N⌉` ranges of tile rows (fewer when it has fewer tile rows).
private let winogradGradientBlocks = 16

/// Whether ``conv2DWeightGradient(input:outputGradient:weightGradient:biasGradient:geometry:threads:gradientMask:)``
/// uses ``conv2DWeightGradientWinograd(input:outputGradient:weightGradient:biasGradient:geometry:threads:gradientMask:)``
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
/// machine).
func winogradWeightGradientPays(for g: Conv2DGeometry) -> Bool {
    winogradApplies(to: g) && g.outputChannels > 3
        && 4 * g.inputChannels >= 3 * roundUp(g.inputChannels, toMultipleOf: kernelVectorWidth)
}

/// The weight gradient of ``conv2DForward(input:weight:bias:output:geometry:threads:rectify:)``
/// for a 3×3, stride-1 geometry, by Winograd F(2×2, 3×3):
/// `weightGradient[o][c][ky][kx] = Σ_{n,y,x} outputGradient[n][o][y][x] ·
/// input[n][c][y + ky − padTop][x + kx − padLeft]`, evaluated as
/// `dW_{o,c} = Gᵀ [Σ_tiles (A dY_o Aᵀ) ⊙ (Bᵀ d_c B)] G` (see the comment at
/// the top of this file). Same layouts and result, up to rounding, as the
/// direct weight gradient. The bias gradient, when asked for, is summed from
/// the output-gradient rows this kernel copies anyway (they are in the
/// level-1 cache), instead of in a pass of its own over the gradient and
/// the mask.
///
/// Each parallel block takes a range of tile rows of one image (chosen from
/// the geometry alone) and sums its tiles into its own partial `dU`; the
/// partial sums are added in block order, so the result does not depend on
/// `threads`. For each tile row, the block interleaves the input rows it has
/// not yet copied (``interleaveInputRow(_:row:channelBlock:into:paddedColumns:geometry:)``)
/// into a ring of four rows. Within a tile row, each sweep of up to
/// `winogradGradientSweepTiles` tiles of one tile row is transformed
/// (``transformInputTiles(rows:count:destination:sweepTiles:)`` for
/// every block of 16 input channels,
/// ``transformGradientTiles(_:rowStride:count:destination:sweepTiles:)``
/// for every output channel, in evenly split groups of at most
/// `winogradGradientOutputGroup`) and
/// then multiplied
/// (``accumulateTileProducts(outputs:vectors:scalars:scalarStride:tiles:sums:)``).
/// Input channels beyond `Cin` (up to a multiple of 16) are zero lanes, so
/// the multiplies cost `16·⌈Cin/16⌉·Cout` per tile.
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
func conv2DWeightGradientWinograd<S: TensorScalar>(input: UnsafePointer<S>, outputGradient: UnsafePointer<S>,
                                                   weightGradient: UnsafeMutablePointer<S>,
                                                   biasGradient: UnsafeMutablePointer<S>? = nil,
                                                   geometry g: Conv2DGeometry, threads: Int,
                                                   gradientMask: UnsafePointer<S>? = nil) {
    precondition(g.isValid && winogradApplies(to: g), "geometry not supported by Winograd F(2×2, 3×3): \(g)")
    let ho = g.outputHeight, wo = g.outputWidth, cin = g.inputChannels, cout = g.outputChannels
    let lanes = kernelVectorWidth
    let tileRows = (ho + 1) / 2, tileColumns = (wo + 1) / 2
    let sweeps = (tileColumns + winogradGradientSweepTiles - 1) / winogradGradientSweepTiles
    let sweep = roundUp((tileColumns + sweeps - 1) / sweeps, toMultipleOf: lanes)
    let outputGroup = min(cout, winogradGradientOutputGroup)
    // Output channels split evenly into groups of at most `outputGroup`.
    let outputGroups = (cout + outputGroup - 1) / outputGroup
    let channelBlocks = (cin + lanes - 1) / lanes

    // The input, zero-padded so that every tile is complete, with 16 channels
    // innermost, one padded row of one channel block at a time:
    // [padded column][16]. Each block keeps a ring of four such rows per
    // channel block ([channel block][padded row % 4][padded column][16]).
    let paddedColumns = 2 * tileColumns + 2
    let rowStride = paddedColumns * lanes
    let ringRows = 4, ringCount = channelBlocks * ringRows * rowStride

    // Blocks: ranges of tile rows of one image.
    let rowBlocks = min(tileRows, (winogradGradientBlocks + g.batch - 1) / g.batch)
    let blocks = g.batch * rowBlocks
    let rings = ScratchBuffers.take(S.self, count: blocks * ringCount)
    defer { ScratchBuffers.give(rings) }

    // Per block: V [channel block][ξ][sweep tile][16], M [o in group][ξ][sweep
    // tile], the sweep's gradient rows [o][2][2·sweep], and the partial dU as
    // [ξ][channel block][o] vectors of 16 input channels. Only what a sweep
    // writes is read.
    let transformedInputCount = channelBlocks * 16 * sweep * lanes
    let transformedGradientCount = outputGroup * 16 * sweep
    let scratchPerBlock = transformedInputCount + transformedGradientCount + cout * 4 * sweep
    let scratch = ScratchBuffers.take(S.self, count: blocks * scratchPerBlock)
    defer { ScratchBuffers.give(scratch) }
    let sumsPerBlock = 16 * channelBlocks * cout
    let partials = ScratchBuffers.take(SIMD16<S>.self, count: blocks * sumsPerBlock)
    defer { ScratchBuffers.give(partials) }
    partials.initialize(repeating: SIMD16<S>(), count: blocks * sumsPerBlock)
    // Per block and output channel, 16 lane-wise partial sums of the bias gradient.
    let biasPartialCount = biasGradient == nil ? 0 : blocks * cout
    let biasPartials = ScratchBuffers.take(SIMD16<S>.self, count: max(biasPartialCount, 1))
    defer { ScratchBuffers.give(biasPartials) }
    biasPartials.initialize(repeating: SIMD16<S>(), count: biasPartialCount)
    let biasSums = biasGradient == nil ? nil : SendablePointer(biasPartials)

    let scratchBase = SendablePointer(scratch), sums = SendablePointer(partials), ringBase = SendablePointer(rings)
    let outputBlock = broadcastTapBlock
    Parallel.forEachBlock(blocks, threads: threads) { block in
        let n = block / rowBlocks
        let transformedInput = scratchBase.base + block * scratchPerBlock
        let transformedGradient = transformedInput + transformedInputCount
        let gradientRowCopies = transformedGradient + transformedGradientCount
        let blockSums = sums.base + block * sumsPerBlock
        let ring = ringBase.base + block * ringCount
        var copiedEnd = 0
        for ty in Parallel.range(of: block % rowBlocks, splitting: tileRows, into: rowBlocks) {
            let gradientRows = min(2, ho - 2 * ty)   // 1 in the last tile row of an odd height
            // Padded rows 2·ty ..< 2·ty + 4 feed this tile row; copy those not yet in the ring.
            for cb in 0..<channelBlocks {
                for r in max(2 * ty, copiedEnd)..<(2 * ty + 4) {
                    interleaveInputRow(input + n * cin * g.inputHeight * g.inputWidth, row: r, channelBlock: cb,
                                       into: ring + (cb * ringRows + r % ringRows) * rowStride,
                                       paddedColumns: paddedColumns, geometry: g)
                }
            }
            copiedEnd = 2 * ty + 4
            var t0 = 0
            while t0 < tileColumns {
                let count = min(sweep, tileColumns - t0)
                for cb in 0..<channelBlocks {
                    @inline(__always) func ringRow(_ i: Int) -> UnsafePointer<S> {
                        UnsafePointer(ring + (cb * ringRows + (2 * ty + i) % ringRows) * rowStride + 2 * t0 * lanes)
                    }
                    transformInputTiles(rows: (ringRow(0), ringRow(1), ringRow(2), ringRow(3)), count: count,
                                        destination: transformedInput + cb * 16 * sweep * lanes, sweepTiles: sweep)
                }
                // The sweep's two gradient rows of every output channel, copied
                // in long runs first (the copy streams from memory faster than
                // the transform's loads would) and padded with zeros to whole
                // vectors of 16 tiles.
                let columns = min(2 * count, wo - 2 * t0), copyColumns = 2 * roundUp(count, toMultipleOf: lanes)
                for o in 0..<cout {
                    let first = ((n * cout + o) * ho + 2 * ty) * wo + 2 * t0
                    for i in 0..<2 {
                        let copy = gradientRowCopies + (2 * o + i) * 2 * sweep
                        let copied = i < gradientRows ? columns : 0
                        copyGradient(outputGradient + first + i * wo, mask: gradientMask.map { $0 + first + i * wo }, count: copied,
                                     to: copy)
                        (copy + copied).initialize(repeating: 0, count: copyColumns - copied)
                        if let biasSums {
                            // Every gradient scalar is copied once; the zeros after it add nothing.
                            var total = biasSums.base[block * cout + o]
                            for x in stride(from: 0, to: copyColumns, by: lanes) { total += loadVector(copy + x) }
                            biasSums.base[block * cout + o] = total
                        }
                    }
                }
                for groupIndex in 0..<outputGroups {
                    let groupRange = Parallel.range(of: groupIndex, splitting: cout, into: outputGroups)
                    let o0 = groupRange.lowerBound, group = groupRange.count
                    for o in 0..<group {
                        transformGradientTiles(gradientRowCopies + (o0 + o) * 4 * sweep, rowStride: 2 * sweep,
                                               count: count, destination: transformedGradient + o * 16 * sweep,
                                               sweepTiles: sweep)
                    }
                    // dU[ξ][o][c] += Σ_t M[o][ξ][t] · V[c][ξ][t], `outputBlock` output channels at a time.
                    for xi in 0..<16 {
                        for cb in 0..<channelBlocks {
                            let vectors = UnsafePointer(transformedInput + (cb * 16 + xi) * sweep * lanes)
                            var o = 0
                            while o < group {
                                accumulateTileProducts(outputs: min(outputBlock, group - o), vectors: vectors,
                                                       scalars: transformedGradient + (o * 16 + xi) * sweep,
                                                       scalarStride: 16 * sweep, tiles: count,
                                                       sums: blockSums + (xi * channelBlocks + cb) * cout + o0 + o)
                                o += outputBlock
                            }
                        }
                    }
                }
                t0 += count
            }
        }
    }

    if let biasGradient {
        for o in 0..<cout {
            var total = biasPartials[o]
            for part in 1..<blocks { total += biasPartials[part * cout + o] }
            biasGradient[o] = total.sum()
        }
    }

    // dU[o][c][ξ]: the partial sums added in block order; then dW = Gᵀ dU G.
    let gradientU = UnsafeMutablePointer<S>.allocate(capacity: cout * cin * 16)
    defer { gradientU.deallocate() }
    for xi in 0..<16 {
        for cb in 0..<channelBlocks {
            for o in 0..<cout {
                let index = (xi * channelBlocks + cb) * cout + o
                var total = partials[index]
                for part in 1..<blocks { total += partials[part * sumsPerBlock + index] }
                for lane in 0..<min(lanes, cin - cb * lanes) {
                    gradientU[(o * cin + cb * lanes + lane) * 16 + xi] = total[lane]
                }
            }
        }
    }
    for pair in 0..<(cout * cin) {
        weightGradientFromWinograd(UnsafePointer(gradientU + 16 * pair), into: weightGradient + 9 * pair)
    }
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
/// entry a vector of 16 channels:
/// `destination[(ξ·sweepTiles + t)·16 ..< +16] = V_t[ξ]`, `ξ = 4a + b`,
/// where tile `t`'s 4×4 input `d[i][j]` is the vector at
/// `rows.i + (2t + j)·16`.
///
/// With `Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]`, column `b` of `d B` is
/// `d[·][0] − d[·][2]`, `d[·][1] + d[·][2]`, `d[·][2] − d[·][1]` or
/// `d[·][1] − d[·][3]`, and `Bᵀ` combines the rows of that column the same way.
///
/// - Parameters:
///   - rows: the first input vector of tile 0 in each of its four rows
///     (channel-innermost layout of ``interleaveInputRow(_:row:channelBlock:into:paddedColumns:geometry:)``).
///   - count: tiles, at most `sweepTiles`.
@inline(__always)
private func transformInputTiles<S: TensorScalar>(
    rows: (UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>), count: Int,
    destination: UnsafeMutablePointer<S>, sweepTiles: Int
) {
    let lanes = kernelVectorWidth, plane = sweepTiles * lanes
    for t in 0..<count {
        let r0 = rows.0 + 2 * t * lanes, r1 = rows.1 + 2 * t * lanes, r2 = rows.2 + 2 * t * lanes, r3 = rows.3 + 2 * t * lanes
        let out = destination + t * lanes
        // One column b of d B at a time (e_i = (d B)[i][b]), then Bᵀ on it.
        @inline(__always) func column(_ b: Int, _ e0: SIMD16<S>, _ e1: SIMD16<S>, _ e2: SIMD16<S>, _ e3: SIMD16<S>) {
            storeVector(e0 - e2, to: out + b * plane)
            storeVector(e1 + e2, to: out + (4 + b) * plane)
            storeVector(e2 - e1, to: out + (8 + b) * plane)
            storeVector(e1 - e3, to: out + (12 + b) * plane)
        }
        @inline(__always) func d(_ row: UnsafePointer<S>, _ j: Int) -> SIMD16<S> { loadVector(row + j * lanes) }
        column(0, d(r0, 0) - d(r0, 2), d(r1, 0) - d(r1, 2), d(r2, 0) - d(r2, 2), d(r3, 0) - d(r3, 2))
        column(1, d(r0, 1) + d(r0, 2), d(r1, 1) + d(r1, 2), d(r2, 1) + d(r2, 2), d(r3, 1) + d(r3, 2))
        column(2, d(r0, 2) - d(r0, 1), d(r1, 2) - d(r1, 1), d(r2, 2) - d(r2, 1), d(r3, 2) - d(r3, 1))
        column(3, d(r0, 1) - d(r0, 3), d(r1, 1) - d(r1, 3), d(r2, 1) - d(r2, 3), d(r3, 1) - d(r3, 3))
    }
}

/// Writes `M = A dY Aᵀ` for the tiles of one sweep along a tile row of one
/// output channel, 16 tiles per vector: `destination[ξ·sweepTiles + t] =
/// M_t[ξ]`, `ξ = 4a + b`, for `t` below `count` rounded up to a multiple of
/// 16. Tile `t`'s 2×2 gradient is `dY[i][j] = gradient[i·rowStride + 2t + j]`.
///
/// With `A = [1 0; 1 1; 1 −1; 0 −1]` (the transpose of `Aᵀ`), row `a` of
/// `A dY` is `dY[0]`, `dY[0] + dY[1]`, `dY[0] − dY[1]` or `−dY[1]`, and
/// `(·) Aᵀ` turns each row `(p, q)` into `(p, p + q, p − q, −q)`.
///
/// - Parameters:
///   - gradient: the two gradient rows of the sweep, zero outside the output;
///     `2·⌈count/16⌉·16` scalars of each must be readable.
///   - rowStride: scalars between the two rows.
///   - count: tiles, at most `sweepTiles`.
@inline(__always)
private func transformGradientTiles<S: TensorScalar>(_ gradient: UnsafePointer<S>, rowStride: Int, count: Int,
                                                     destination: UnsafeMutablePointer<S>, sweepTiles: Int) {
    let lanes = kernelVectorWidth
    var t0 = 0
    while t0 < count {
        let (y00, y01) = loadDeinterleaved(gradient + 2 * t0)
        let (y10, y11) = loadDeinterleaved(gradient + rowStride + 2 * t0)
        let out = destination + t0
        @inline(__always) func row(_ a: Int, _ p: SIMD16<S>, _ q: SIMD16<S>) {
            storeVector(p, to: out + 4 * a * sweepTiles)
            storeVector(p + q, to: out + (4 * a + 1) * sweepTiles)
            storeVector(p - q, to: out + (4 * a + 2) * sweepTiles)
            storeVector(-q, to: out + (4 * a + 3) * sweepTiles)
        }
        row(0, y00, y01)
        row(1, y00 + y10, y01 + y11)
        row(2, y00 - y10, y01 - y11)
        row(3, -y10, -y11)
        t0 += lanes
    }
}

/// Loads the 32 consecutive scalars at `pointer` split by parity:
/// `even[i] = pointer[2i]`, `odd[i] = pointer[2i + 1]`.
@inline(__always)
private func loadDeinterleaved<S: TensorScalar>(_ pointer: UnsafePointer<S>) -> (even: SIMD16<S>, odd: SIMD16<S>) {
    let low = loadVector(pointer), high = loadVector(pointer + kernelVectorWidth)
    return (SIMD16(lowHalf: low.evenHalf, highHalf: high.evenHalf), SIMD16(lowHalf: low.oddHalf, highHalf: high.oddHalf))
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
/// channel pair from its 4×4 Winograd-domain gradient `dU` (row-major,
/// `gradient[4a + b]`), with `G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]`: row `k` of
/// `Gᵀ dU` is `dU[0] + ½(dU[1] + dU[2])`, `½(dU[1] − dU[2])` or
/// `½(dU[1] + dU[2]) + dU[3]`, and the columns combine the same way.
@inline(__always)
private func weightGradientFromWinograd<S: TensorScalar>(_ gradient: UnsafePointer<S>, into weight: UnsafeMutablePointer<S>) {
    let half: S = 0.5
    let u0 = SIMD4(gradient[0], gradient[1], gradient[2], gradient[3])
    let u1 = SIMD4(gradient[4], gradient[5], gradient[6], gradient[7])
    let u2 = SIMD4(gradient[8], gradient[9], gradient[10], gradient[11])
    let u3 = SIMD4(gradient[12], gradient[13], gradient[14], gradient[15])
    // Rows of Gᵀ dU (3×4), then each row times G.
    @inline(__always) func row(_ k: Int, _ t: SIMD4<S>) {
        weight[3 * k] = t[0] + half * (t[1] + t[2])
        weight[3 * k + 1] = half * (t[1] - t[2])
        weight[3 * k + 2] = half * (t[1] + t[2]) + t[3]
    }
    row(0, u0 + half * (u1 + u2))
    row(1, half * (u1 - u2))
    row(2, half * (u1 + u2) + u3)
}
