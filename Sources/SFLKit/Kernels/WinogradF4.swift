// 3×3, stride-1 cross-correlation by Winograd's minimal filtering algorithm
// F(4×4, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016): each 4×4 output tile costs 36 multiplies per channel pair
// instead of 144 — 2.25 per output pixel, against 4 for F(2×2, 3×3) and 9 for
// the direct convolution.
//
// With the tile `d` (6×6 input pixels), the filter `w` (3×3), the
// interpolation points 0, ±1, ±2 and ∞, and
//
//     Bᵀ = [4  0 −5  0 1 0;      G = [ 1/4     0     0;     Aᵀ = [1 1  1 1  1 0;
//           0 −4 −4  1 1 0;           −1/6  −1/6  −1/6;           0 1 −1 2 −2 0;
//           0  4 −4 −1 1 0;           −1/6   1/6  −1/6;           0 1  1 4  4 0;
//           0 −2 −1  2 1 0;            1/24  1/12  1/6;           0 1 −1 8 −8 1]
//           0  2 −1 −2 1 0;            1/24 −1/12  1/6;
//           0  4  0 −5 0 1]            0     0     1  ]
//
// the output tile is `Aᵀ [Σ_c (G w_c Gᵀ) ⊙ (Bᵀ d_c B)] A`. The sum over input
// channels of the 36 element-wise products is 36 small matrix products, done
// here 16 tiles at a time (one tile per vector lane, tiles along a row).
//
// The larger tile trades a little accuracy for speed: the transforms scale by
// up to 8 and by 1/24, so Float results differ from the direct convolution by
// a few units in the fifth significant digit at most (Double: ~1e-15).

/// Tile rows per parallel block target: each image is split into this many
/// blocks of tile rows (fewer when it has fewer tile rows).
private let winograd4RowBlocksPerImage = 16

/// Applies the 6-point input transform `Bᵀ x` of F(4×4, 3×3) lane-wise.
@inline(__always)
func winograd4InputTransform<S: TensorScalar>(
    _ x0: SIMD16<S>, _ x1: SIMD16<S>, _ x2: SIMD16<S>, _ x3: SIMD16<S>, _ x4: SIMD16<S>, _ x5: SIMD16<S>
) -> (SIMD16<S>, SIMD16<S>, SIMD16<S>, SIMD16<S>, SIMD16<S>, SIMD16<S>) {
    let four: S = 4, five: S = 5, two: S = 2
    let sum12 = x1 + x2, difference12 = x1 - x2, difference31 = x3 - x1
    let sum34 = x4 + x3, difference43 = x4 - x3, difference42 = x4 - x2
    return (four * x0 - five * x2 + x4,
            sum34 - four * sum12,
            difference43 + four * difference12,
            difference42 + two * difference31,
            difference42 - two * difference31,
            four * x1 - five * x3 + x5)
}

/// Applies the 6-to-4 output transform `Aᵀ x` of F(4×4, 3×3) lane-wise.
@inline(__always)
private func winograd4OutputTransform<S: TensorScalar>(
    _ x0: SIMD16<S>, _ x1: SIMD16<S>, _ x2: SIMD16<S>, _ x3: SIMD16<S>, _ x4: SIMD16<S>, _ x5: SIMD16<S>
) -> (SIMD16<S>, SIMD16<S>, SIMD16<S>, SIMD16<S>) {
    let two: S = 2, four: S = 4, eight: S = 8
    let sum12 = x1 + x2, difference12 = x1 - x2, sum34 = x3 + x4, difference34 = x3 - x4
    return (x0 + sum12 + sum34,
            difference12 + two * difference34,
            sum12 + four * sum34,
            difference12 + eight * difference34 + x5)
}

/// Output channels one F(4×4, 3×3) channel-sum register block computes
/// together: 2 in the default x86-64 build (8 accumulator registers of 4
/// lanes plus 4 for the input vector; 3 spills, measured), 6 with
/// `-DSFLKIT_WIDE_REGISTERS` (12 accumulator registers of 8 `Float` lanes, as
/// ``gatherChannelBlock``; `Double` needs twice the registers and spills).
#if SFLKIT_WIDE_REGISTERS
let winograd4OutputBlock = 6
#else
let winograd4OutputBlock = 2
#endif

/// The channel sum of one transformed position `ξ` for `Outputs.value`
/// output channels and 16 tiles: `destination[k·outputStride] =
/// Σ_c weights[c·B + k] · transformed[c·channelStride]`, `B` = ``winograd4OutputBlock``.
///
/// - Parameters:
///   - transformed: `channels` vectors, one per input channel (16 tiles
///     each), `channelStride` vectors apart.
///   - weights: `channels × B` weights, `B` per channel (entries beyond
///     `Outputs.value` are ignored).
///   - destination: where output channel 0 goes; channel `k` at `destination + k·outputStride`.
@inline(__always)
private func winograd4ChannelSum<S: TensorScalar, Outputs: BlockCount>(
    _: Outputs.Type, transformed: UnsafePointer<SIMD16<S>>, channels: Int, channelStride: Int, weights: UnsafePointer<S>,
    destination: UnsafeMutablePointer<SIMD16<S>>, outputStride: Int
) {
    let outputs = Outputs.value
    var a0 = SIMD16<S>(), a1 = SIMD16<S>(), a2 = SIMD16<S>(), a3 = SIMD16<S>(), a4 = SIMD16<S>(), a5 = SIMD16<S>()
    var w = weights
    for c in 0..<channels {
        let v = transformed[c * channelStride]
        multiplyAdd(&a0, v, SIMD16(repeating: w[0]))
        if outputs > 1 { multiplyAdd(&a1, v, SIMD16(repeating: w[1])) }
        if outputs > 2 { multiplyAdd(&a2, v, SIMD16(repeating: w[2])) }
        if outputs > 3 { multiplyAdd(&a3, v, SIMD16(repeating: w[3])) }
        if outputs > 4 { multiplyAdd(&a4, v, SIMD16(repeating: w[4])) }
        if outputs > 5 { multiplyAdd(&a5, v, SIMD16(repeating: w[5])) }
        w += winograd4OutputBlock
    }
    destination[0] = a0
    if outputs > 1 { destination[outputStride] = a1 }
    if outputs > 2 { destination[2 * outputStride] = a2 }
    if outputs > 3 { destination[3 * outputStride] = a3 }
    if outputs > 4 { destination[4 * outputStride] = a4 }
    if outputs > 5 { destination[5 * outputStride] = a5 }
}

/// ``winograd4ChannelSum(_:transformed:channels:channelStride:weights:destination:outputStride:)``
/// with the output count (1...6) made a compile-time constant.
@inline(__always)
private func winograd4ChannelSum<S: TensorScalar>(outputs: Int, transformed: UnsafePointer<SIMD16<S>>, channels: Int, channelStride: Int,
                                                  weights: UnsafePointer<S>, destination: UnsafeMutablePointer<SIMD16<S>>,
                                                  outputStride: Int) {
    switch outputs {
    #if SFLKIT_WIDE_REGISTERS   // the baseline build's blocks stop at 2: no dead copies
    case 6: winograd4ChannelSum(BlockOf6.self, transformed: transformed, channels: channels, channelStride: channelStride, weights: weights,
                                destination: destination, outputStride: outputStride)
    case 5: winograd4ChannelSum(BlockOf5.self, transformed: transformed, channels: channels, channelStride: channelStride, weights: weights,
                                destination: destination, outputStride: outputStride)
    case 4: winograd4ChannelSum(BlockOf4.self, transformed: transformed, channels: channels, channelStride: channelStride, weights: weights,
                                destination: destination, outputStride: outputStride)
    case 3: winograd4ChannelSum(BlockOf3.self, transformed: transformed, channels: channels, channelStride: channelStride, weights: weights,
                                destination: destination, outputStride: outputStride)
    #endif
    case 2: winograd4ChannelSum(BlockOf2.self, transformed: transformed, channels: channels, channelStride: channelStride, weights: weights,
                                destination: destination, outputStride: outputStride)
    case 1: winograd4ChannelSum(BlockOf1.self, transformed: transformed, channels: channels, channelStride: channelStride, weights: weights,
                                destination: destination, outputStride: outputStride)
    default: preconditionFailure("winograd4ChannelSum: no register block for \(outputs) outputs")
    }
}

/// Packs the transformed weights `U = G w Gᵀ` (6×6 per channel pair) of a
/// `[Cout, Cin, 3, 3]` weight as `[outputBlock][ξ][c][block channels]`,
/// `ξ = 6a + b`, zero beyond `Cout`; `block` is ``winograd4OutputBlock``.
///
/// - Parameter packed: `⌈Cout / block⌉ · 36 · Cin · block` scalars, overwritten.
private func packWinograd4Weights<S: TensorScalar>(_ weight: UnsafePointer<S>, outputChannels cout: Int,
                                                   inputChannels cin: Int, into packed: UnsafeMutablePointer<S>) {
    let block = winograd4OutputBlock
    let outputBlocks = (cout + block - 1) / block
    packed.initialize(repeating: 0, count: outputBlocks * 36 * cin * block)
    // The rows of G; the fractions are formed in S so that Double stays exact to rounding.
    let g: [(S, S, S)] = [(1 / 4, 0, 0), (-1 / 6, -1 / 6, -1 / 6), (-1 / 6, 1 / 6, -1 / 6),
                          (1 / 24, 1 / 12, 1 / 6), (1 / 24, -1 / 12, 1 / 6), (0, 0, 1)]
    var t = [S](repeating: 0, count: 18)   // G w, 6×3, reused for every channel pair
    for o in 0..<cout {
        for c in 0..<cin {
            let w = weight + (o * cin + c) * 9
            for a in 0..<6 {
                for j in 0..<3 { t[3 * a + j] = g[a].0 * w[j] + g[a].1 * w[3 + j] + g[a].2 * w[6 + j] }
            }
            for a in 0..<6 {
                for b in 0..<6 {
                    let value = t[3 * a] * g[b].0 + t[3 * a + 1] * g[b].1 + t[3 * a + 2] * g[b].2
                    packed[(((o / block) * 36 + 6 * a + b) * cin + c) * block + o % block] = value
                }
            }
        }
    }
}

/// The forward pass of ``conv2DForward(input:weight:bias:output:geometry:threads:rectify:positiveBits:)``
/// for a 3×3, stride-1 geometry, by Winograd F(4×4, 3×3): same layouts and
/// result up to rounding.
///
/// Each parallel block takes a range of tile rows of one image. For each
/// tile row it packs the six input rows the row's tiles read as four
/// column-phase planes (tile `t`'s column `j` is column `t + j / 4` of phase
/// `j % 4`, see ``PhasePlaneLayout``, with the padding extended so that every
/// tile is complete) into a ring of rows that stays in the level-2 cache.
/// Then, for 16 tiles at a time, it transforms
/// every input channel (`V = Bᵀ d B`, tiles in lanes), sums the 36 products
/// over the input channels, `ξ` by `ξ`, with the register-blocked
/// ``winograd4ChannelSum(outputs:transformed:channels:channelStride:weights:destination:outputStride:)``,
/// and transforms back (`Y = Aᵀ M A`, plus the bias).
///
/// - Parameters:
///   - input: `[N, Cin, H, W]`.
///   - weight: `[Cout, Cin, 3, 3]`.
///   - bias: `[Cout]`, or `nil` for no bias.
///   - output: `[N, Cout, Ho, Wo]`, overwritten.
///   - geometry: valid, with ``winogradApplies(to:)``.
///   - threads: how many threads may run at once (the result does not depend on it).
///   - rectify: whether to store `max(value, 0)` (a fused ReLU).
///   - positiveBits: `nil`, or (with `rectify`) where to record the output's
///     positive bits (``PositiveBitsLayout``), each tile row's once it is stored.
///   - inputMask: `nil`, or a tensor shaped like `input`: the input then
///     counts only where the mask is positive (an input gradient flowing
///     back through a fused ReLU whose output is the mask).
///   - afterTileRow: called by each parallel block `(block, ty, rows)` right
///     after it has stored tile row `ty` (output rows `4·ty ..< 4·ty + 4`),
///     on the block's thread, with the input rows it packed for that tile
///     row (masked, as phase planes); the blocks are
///     ``winograd4RowBlocks(tileRows:)`` ranges of tile rows per image, in
///     image order.
func conv2DForwardWinograd4x4<S: TensorScalar>(input: UnsafePointer<S>, weight: UnsafePointer<S>, bias: UnsafePointer<S>?,
                                               output: UnsafeMutablePointer<S>, geometry g: Conv2DGeometry, threads: Int,
                                               rectify: Bool = false, positiveBits: UnsafeMutablePointer<PositiveBitsWord>? = nil,
                                               inputMask: UnsafePointer<S>? = nil,
                                               afterTileRow: ((_ block: Int, _ tileRow: Int, _ rows: Winograd4PackedRows<S>) -> Void)? = nil) {
    precondition(g.isValid && winogradApplies(to: g), "geometry not supported by Winograd F(4×4, 3×3): \(g)")
    let ho = g.outputHeight, wo = g.outputWidth, cin = g.inputChannels, cout = g.outputChannels
    let tileRows = (ho + 3) / 4, tileColumns = (wo + 3) / 4
    let lanes = kernelVectorWidth, block = winograd4OutputBlock

    var tiled = g
    tiled.strideX = 4
    tiled.kernelWidth = 6
    tiled.padBottom = 4 * tileRows + 2 - g.inputHeight - g.padTop
    tiled.padRight = 4 * tileColumns + 2 - g.inputWidth - g.padLeft
    let layout = PhasePlaneLayout(geometry: tiled)   // only its plane width is used: rows go to the rings below

    let outputBlocks = (cout + block - 1) / block
    let packed = UnsafeMutablePointer<S>.allocate(capacity: outputBlocks * 36 * cin * block)
    defer { packed.deallocate() }
    packWinograd4Weights(weight, outputChannels: cout, inputChannels: cin, into: packed)
    let packedBias = UnsafeMutablePointer<S>.allocate(capacity: outputBlocks * block)
    defer { packedBias.deallocate() }
    for o in 0..<(outputBlocks * block) { packedBias[o] = o < cout ? (bias?[o] ?? 0) : 0 }

    let rowBlocks = winograd4RowBlocks(tileRows: tileRows)
    let blocks = g.batch * rowBlocks
    // Per block: V as [c][ξ] and M as [o][ξ], 16 tiles per vector. Every
    // vector is written before it is read.
    let scratchPerBlock = cin * 36 + outputBlocks * block * 36
    let scratch = ScratchBuffers.take(SIMD16<S>.self, count: blocks * scratchPerBlock)
    defer { ScratchBuffers.give(scratch) }
    // Per block: the phase-plane rows of its current tile row, as
    // [c][phase][ring row][planeWidth]; padded row r sits in ring row r % 8,
    // so the two rows that neighbouring tile rows share are packed once.
    // With a mask, each input row is first copied masked into a row buffer.
    let ringRows = 8
    let localPlane = ringRows * layout.planeWidth, localChannel = 4 * localPlane
    let planesPerBlock = roundUp(cin * localChannel + (inputMask == nil ? 0 : g.inputWidth), toMultipleOf: kernelVectorWidth)
    let planes = ScratchBuffers.take(S.self, count: blocks * planesPerBlock)
    defer { ScratchBuffers.give(planes) }

    let out = SendablePointer(output), scratchBase = SendablePointer(scratch), planesBase = SendablePointer(planes)
    let weights = UnsafePointer(packed), biases = UnsafePointer(packedBias)
    let bits = positiveBits.map(SendablePointer.init)
    Parallel.forEachBlock(blocks, threads: threads) { rowBlock in
        let n = rowBlock / rowBlocks
        let v = scratchBase.base + rowBlock * scratchPerBlock   // V: [c][ξ]
        let m = v + cin * 36                                      // M: [o][ξ]
        let local = planesBase.base + rowBlock * planesPerBlock
        let maskedRow = local + cin * localChannel
        var packedEnd = 0
        for ty in Parallel.range(of: rowBlock % rowBlocks, splitting: tileRows, into: rowBlocks) {
            // Pack the padded rows 4·ty ..< 4·ty + 6 not already in the ring,
            // channel by channel (each channel's rows are one contiguous read).
            for c in 0..<cin {
                let channelOffset = (n * cin + c) * g.inputHeight * g.inputWidth
                for r in max(4 * ty, packedEnd)..<(4 * ty + 6) {
                    let destination = local + c * localChannel + (r % ringRows) * layout.planeWidth
                    let inputRow = r - g.padTop
                    if let inputMask, inputRow >= 0 && inputRow < g.inputHeight {
                        let offset = channelOffset + inputRow * g.inputWidth
                        copyGradient(input + offset, mask: inputMask + offset, count: g.inputWidth, to: maskedRow)
                        // The row buffer as a one-row image whose row 0 is padded row `padTop`.
                        packPhaseRows(channel: maskedRow, row: g.padTop, destination: destination,
                                      phaseStride: localPlane, planeWidth: layout.planeWidth, geometry: tiled)
                    } else {
                        packPhaseRows(channel: input + channelOffset, row: r, destination: destination,
                                      phaseStride: localPlane, planeWidth: layout.planeWidth, geometry: tiled)
                    }
                }
            }
            packedEnd = 4 * ty + 6
            var t0 = 0
            while t0 < tileColumns {
                // V = Bᵀ d B for every input channel: first d B row by row
                // (ξ = 6i + k holds (d B)[i][k]), then Bᵀ (d B) column by column.
                for c in 0..<cin {
                    let channel = UnsafePointer(local + c * localChannel + t0)
                    let tile = v + 36 * c   // this channel's 36 vectors of V
                    for i in 0..<6 {
                        let row = channel + ((4 * ty + i) % ringRows) * layout.planeWidth
                        let r = winograd4InputTransform(
                            loadVector(row), loadVector(row + localPlane), loadVector(row + 2 * localPlane),
                            loadVector(row + 3 * localPlane), loadVector(row + 1),
                            loadVector(row + localPlane + 1))
                        tile[6 * i] = r.0; tile[6 * i + 1] = r.1; tile[6 * i + 2] = r.2
                        tile[6 * i + 3] = r.3; tile[6 * i + 4] = r.4; tile[6 * i + 5] = r.5
                    }
                    for k in 0..<6 {
                        let r = winograd4InputTransform(tile[k], tile[6 + k], tile[12 + k], tile[18 + k], tile[24 + k], tile[30 + k])
                        tile[k] = r.0; tile[6 + k] = r.1; tile[12 + k] = r.2
                        tile[18 + k] = r.3; tile[24 + k] = r.4; tile[30 + k] = r.5
                    }
                }
                let columns = min(4 * lanes, wo - 4 * t0)
                // M[o][ξ] = Σ_c U[ξ][o][c] · V[c][ξ], ξ by ξ so that V[·][ξ]
                // stays in the level-1 cache for every output block.
                for xi in 0..<36 {
                    for ob in 0..<outputBlocks {
                        winograd4ChannelSum(outputs: min(block, cout - ob * block), transformed: UnsafePointer(v + xi),
                                            channels: cin, channelStride: 36, weights: weights + (ob * 36 + xi) * cin * block,
                                            destination: m + ob * block * 36 + xi, outputStride: 36)
                    }
                }
                // Y = Aᵀ M A, plus the bias; interleave the four columns of each tile.
                // In place and through memory, so that only one transform's
                // vectors are live at a time (with all 24 column results in
                // registers, and the rows passed by value, LLVM split the
                // transform into 4-lane pieces and spilled).
                for o in 0..<cout {
                    let p = m + o * 36
                    // Columns: (Aᵀ M[·][b])[i] goes to p[6i + b] (column b's inputs are read first).
                    for b in 0..<6 {
                        let c = winograd4OutputTransform(p[b], p[6 + b], p[12 + b], p[18 + b], p[24 + b], p[30 + b])
                        p[b] = c.0; p[6 + b] = c.1; p[12 + b] = c.2; p[18 + b] = c.3
                    }
                    // Rows: r_i = Aᵀ (p[6i] … p[6i + 5]) goes to p[6i ..< 6i + 4], then to the output.
                    let destination = out.base + ((n * cout + o) * ho + 4 * ty) * wo + 4 * t0
                    for i in 0..<min(4, ho - 4 * ty) {
                        let row = p + 6 * i
                        let r = winograd4OutputTransform(row[0], row[1], row[2], row[3], row[4], row[5])
                        row[0] = r.0; row[1] = r.1; row[2] = r.2; row[3] = r.3
                        storeOutputRow(UnsafePointer(row), bias: biases[o], rectify: rectify, to: destination + i * wo,
                                       count: columns)
                    }
                }
                t0 += lanes
            }
            if let bits {   // the tile row's output rows, still in the level-1 and level-2 caches
                recordPositiveBitsRows(UnsafePointer(out.base), image: n, channels: cout, height: ho, width: wo,
                                       rows: (4 * ty)..<min(4 * ty + 4, ho), into: bits.base)
            }
            afterTileRow?(rowBlock, ty, Winograd4PackedRows(planes: UnsafePointer(local), channelStride: localChannel,
                                                            phaseStride: localPlane, rowStride: layout.planeWidth, ringRows: ringRows,
                                                            planeWidth: layout.planeWidth, padTop: g.padTop, padLeft: g.padLeft,
                                                            firstRow: 4 * ty, rows: 6))
        }
    }
}

/// The input rows one parallel block of the Winograd forward pass has
/// packed for its current tile row: padded row `r` (input row `r − padTop`)
/// of channel `c`, split into four column phases, where phase `p`'s column
/// `j` is padded column `4j + p` (input column `4j + p − padLeft`), zero
/// outside the input (masked, when the pass has an input mask).
struct Winograd4PackedRows<S: TensorScalar> {
    /// Channel 0, phase 0, ring row 0.
    let planes: UnsafePointer<S>
    /// Scalars between channels, between phases, and between ring rows.
    let channelStride: Int, phaseStride: Int, rowStride: Int
    /// Rows in the ring: padded row `r` is ring row `r % ringRows`.
    let ringRows: Int
    /// Columns of each phase row.
    let planeWidth: Int
    /// The input's padding above and to the left.
    let padTop: Int, padLeft: Int
    /// The padded rows present: `firstRow ..< firstRow + rows`.
    let firstRow: Int, rows: Int

    /// Phase `phase` of padded row `row` of channel `channel`.
    ///
    /// - Requires: `row` is one of the rows present.
    @inline(__always)
    func row(channel: Int, paddedRow row: Int, phase: Int) -> UnsafePointer<S> {
        planes + channel * channelStride + phase * phaseStride + (row % ringRows) * rowStride
    }
}

/// Ranges of tile rows the Winograd forward pass splits each image with
/// `tileRows` tile rows into (its parallel blocks per image).
func winograd4RowBlocks(tileRows: Int) -> Int {
    min(tileRows, winograd4RowBlocksPerImage)
}

/// Stores one row of 16 output tiles (the four vectors at `row`, the tiles'
/// columns 0–3) plus `bias`, rectified if asked, as `count` consecutive scalars.
///
/// Never inlined: inlined, the bias, the flag and the four sums stayed live
/// in the output loop and the baseline build spilled them (its Winograd
/// kernel took 75 % longer). The vectors come by pointer: passed by value,
/// they went as 4-lane pieces, and so did the transform that made them.
@inline(never)
private func storeOutputRow<S: TensorScalar>(_ row: UnsafePointer<SIMD16<S>>, bias: S, rectify: Bool,
                                             to destination: UnsafeMutablePointer<S>, count: Int) {
    let bias = SIMD16<S>(repeating: bias)
    var v0 = row[0] + bias, v1 = row[1] + bias, v2 = row[2] + bias, v3 = row[3] + bias
    if rectify {
        v0 = rectified(v0); v1 = rectified(v1); v2 = rectified(v2); v3 = rectified(v3)
    }
    if count >= 64 {
        storeInterleaved4(v0, v1, v2, v3, toWhole: destination)
    } else {
        storeInterleaved4(v0, v1, v2, v3, to: destination, count: count)
    }
}

/// Whether ``conv2DInputGradient(outputGradient:weight:inputGradient:geometry:threads:gradientMask:inputMask:)``
/// uses ``conv2DInputGradientWinograd4x4(outputGradient:weight:inputGradient:geometry:threads:gradientMask:inputMask:afterTileRow:)``
/// for `geometry`: a 3×3, stride-1 geometry for which Winograd pays, with
/// every padding at most 2 (so that the transposed pass pads by `2 − padding`).
func winogradInputGradientApplies(to g: Conv2DGeometry) -> Bool {
    winogradApplies(to: g) && winogradPays(for: g) && max(g.padTop, g.padBottom, g.padLeft, g.padRight) <= 2
}

/// The geometry of the forward pass that computes the input gradient of `g`:
/// the output gradient as input, the channel axes swapped, padded by `2 − padding`.
func winograd4InputGradientGeometry(_ g: Conv2DGeometry) -> Conv2DGeometry {
    Conv2DGeometry(batch: g.batch, inputChannels: g.outputChannels, inputHeight: g.outputHeight,
                   inputWidth: g.outputWidth, outputChannels: g.inputChannels,
                   kernelHeight: 3, kernelWidth: 3, strideY: 1, strideX: 1,
                   padTop: 2 - g.padTop, padBottom: 2 - g.padBottom,
                   padLeft: 2 - g.padLeft, padRight: 2 - g.padRight)
}

/// The input gradient of a 3×3, stride-1 convolution (``winogradInputGradientApplies(to:)``):
/// the forward pass of the output gradient with the kernel flipped and its
/// channel axes swapped (``winograd4InputGradientGeometry(_:)``), by
/// ``conv2DForwardWinograd4x4(input:weight:bias:output:geometry:threads:rectify:positiveBits:inputMask:afterTileRow:)``.
///
/// - Parameters: as ``conv2DInputGradient(outputGradient:weight:inputGradient:geometry:threads:gradientMask:inputMask:)``;
///   `afterTileRow` as the forward pass's (its tile rows are rows of the input gradient).
func conv2DInputGradientWinograd4x4<S: TensorScalar>(outputGradient: UnsafePointer<S>, weight: UnsafePointer<S>,
                                                     inputGradient: UnsafeMutablePointer<S>, geometry g: Conv2DGeometry,
                                                     threads: Int, gradientMask: UnsafePointer<S>?,
                                                     inputMask: UnsafePointer<PositiveBitsWord>?,
                                                     afterTileRow: ((_ block: Int, _ tileRow: Int, _ rows: Winograd4PackedRows<S>) -> Void)? = nil) {
    precondition(g.isValid && winogradInputGradientApplies(to: g), "geometry not supported by the Winograd input gradient: \(g)")
    let flipped = UnsafeMutablePointer<S>.allocate(capacity: g.weightCount)
    defer { flipped.deallocate() }
    for o in 0..<g.outputChannels {
        for c in 0..<g.inputChannels {
            for tap in 0..<9 { flipped[(c * g.outputChannels + o) * 9 + 8 - tap] = weight[(o * g.inputChannels + c) * 9 + tap] }
        }
    }
    conv2DForwardWinograd4x4(input: outputGradient, weight: flipped, bias: nil, output: inputGradient,
                             geometry: winograd4InputGradientGeometry(g), threads: threads, inputMask: gradientMask,
                             afterTileRow: afterTileRow)
    if let inputMask {
        maskGradient(inputGradient, rows: g.batch * g.inputChannels * g.inputHeight, width: g.inputWidth, byPositiveBits: inputMask,
                     threads: threads)
    }
}
