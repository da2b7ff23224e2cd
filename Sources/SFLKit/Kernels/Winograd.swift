// 3×3, stride-1 cross-correlation by Winograd's minimal filtering algorithm
// F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016): each 2×2 output tile costs 16 multiplies per channel pair
// instead of 36.
//
// With the tile `d` (4×4 input pixels), the filter `w` (3×3) and
//
//     Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]
//     G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
//     Aᵀ = [1 1 1 0; 0 1 −1 −1]
//
// the output tile is `Aᵀ [Σ_c (G w_c Gᵀ) ⊙ (Bᵀ d_c B)] A`. The sum over input
// channels of the 16 element-wise products is 16 small matrix products, done
// here 16 tiles at a time (one tile per vector lane, tiles along a row).

/// Whether ``conv2DForwardWinograd(input:weight:bias:output:geometry:threads:)``
/// handles `geometry`: a 3×3 kernel with both strides 1.
func winogradApplies(to g: Conv2DGeometry) -> Bool {
    g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1 && g.strideX == 1
}

/// Whether Winograd beats the direct kernel for `geometry`: with fewer than 8
/// input or output channels the tile transforms cost more than the
/// multiplies they save.
func winogradPays(for g: Conv2DGeometry) -> Bool {
    g.inputChannels >= 8 && g.outputChannels >= 8
}

/// Tile rows per parallel block target: each image is split into this many
/// blocks of tile rows (fewer when it has fewer tile rows).
private let winogradRowBlocksPerImage = 16

/// The forward pass of ``conv2DForward(input:weight:bias:output:geometry:threads:)``
/// for a 3×3, stride-1 geometry, by Winograd F(2×2, 3×3): same layouts and
/// result up to rounding (the transforms add and subtract inputs and scale
/// weights by ½).
///
/// - Parameters:
///   - input: `[N, Cin, H, W]`.
///   - weight: `[Cout, Cin, 3, 3]`.
///   - bias: `[Cout]`, or `nil` for no bias.
///   - output: `[N, Cout, Ho, Wo]`, overwritten.
///   - geometry: valid, with ``winogradApplies(to:)``.
///   - threads: how many threads may run at once (the result does not depend on it).
func conv2DForwardWinograd<S: TensorScalar>(input: UnsafePointer<S>, weight: UnsafePointer<S>, bias: UnsafePointer<S>?,
                                            output: UnsafeMutablePointer<S>, geometry g: Conv2DGeometry, threads: Int) {
    precondition(g.isValid && winogradApplies(to: g), "geometry not supported by Winograd F(2×2, 3×3): \(g)")
    let ho = g.outputHeight, wo = g.outputWidth, cin = g.inputChannels, cout = g.outputChannels
    let tileRows = (ho + 1) / 2, tileColumns = (wo + 1) / 2
    let lanes = kernelVectorWidth, block = gatherChannelBlock

    // Input as two phase planes (even and odd padded columns): tile t's column
    // j is column t + j/2 of phase j % 2. The padding is extended so that
    // every tile is complete.
    var tiled = g
    tiled.strideX = 2
    tiled.kernelWidth = 4
    tiled.padBottom = 2 * tileRows + 2 - g.inputHeight - g.padTop
    tiled.padRight = 2 * tileColumns + 2 - g.inputWidth - g.padLeft
    let layout = PhasePlaneLayout(geometry: tiled)
    let planes = UnsafeMutablePointer<S>.allocate(capacity: layout.totalCount)
    defer { planes.deallocate() }
    packPhasePlanes(input: input, planes: planes, layout: layout, geometry: tiled, threads: threads)

    // Transformed weights U = G w Gᵀ as [outputBlock][ξ][c][block channels], ξ = 4a + b.
    let outputBlocks = (cout + block - 1) / block
    let packedCount = outputBlocks * 16 * cin * block
    let packed = UnsafeMutablePointer<S>.allocate(capacity: packedCount)
    defer { packed.deallocate() }
    packed.initialize(repeating: 0, count: packedCount)
    let half: S = 0.5
    let t = UnsafeMutablePointer<S>.allocate(capacity: 12)
    defer { t.deallocate() }
    for o in 0..<cout {
        for c in 0..<cin {
            let w = weight + (o * cin + c) * 9
            // t = G w (4×3), then u = t Gᵀ (4×4).
            for j in 0..<3 {
                t[j] = w[j]
                t[3 + j] = half * (w[j] + w[3 + j] + w[6 + j])
                t[6 + j] = half * (w[j] - w[3 + j] + w[6 + j])
                t[9 + j] = w[6 + j]
            }
            for a in 0..<4 {
                let row = (t[3 * a], half * (t[3 * a] + t[3 * a + 1] + t[3 * a + 2]),
                           half * (t[3 * a] - t[3 * a + 1] + t[3 * a + 2]), t[3 * a + 2])
                let first = (((o / block) * 16 + 4 * a) * cin + c) * block + o % block, step = cin * block
                packed[first] = row.0
                packed[first + step] = row.1
                packed[first + 2 * step] = row.2
                packed[first + 3 * step] = row.3
            }
        }
    }
    let packedBias = UnsafeMutablePointer<S>.allocate(capacity: outputBlocks * block)
    defer { packedBias.deallocate() }
    for o in 0..<(outputBlocks * block) { packedBias[o] = o < cout ? (bias?[o] ?? 0) : 0 }

    // Offsets of channel c in the transformed-tile scratch [c][ξ][16 lanes].
    let channelOffsets = UnsafeMutablePointer<Int>.allocate(capacity: cin)
    defer { channelOffsets.deallocate() }
    for c in 0..<cin { channelOffsets[c] = c * 16 * lanes }

    let rowBlocks = min(tileRows, winogradRowBlocksPerImage)
    let blocks = g.batch * rowBlocks
    let scratchPerBlock = cin * 16 * lanes + block * 16 * lanes
    let scratch = UnsafeMutablePointer<S>.allocate(capacity: blocks * scratchPerBlock)
    defer { scratch.deallocate() }
    scratch.initialize(repeating: 0, count: blocks * scratchPerBlock)

    let out = SendablePointer(output), scratchBase = SendablePointer(scratch)
    let image = UnsafePointer(planes), weights = UnsafePointer(packed), biases = UnsafePointer(packedBias)
    let offsets = UnsafePointer(channelOffsets)
    Parallel.forEachBlock(blocks, threads: threads) { rowBlock in
        let n = rowBlock / rowBlocks
        let transformed = scratchBase.base + rowBlock * scratchPerBlock   // [c][ξ][16]
        let products = transformed + cin * 16 * lanes                       // [o in block][ξ][16]
        let v = UnsafeMutableRawPointer(transformed).assumingMemoryBound(to: SIMD16<S>.self)
        let m = UnsafeMutableRawPointer(products).assumingMemoryBound(to: SIMD16<S>.self)
        for ty in Parallel.range(of: rowBlock % rowBlocks, splitting: tileRows, into: rowBlocks) {
            var t0 = 0
            while t0 < tileColumns {
                // V = Bᵀ d B for every input channel.
                for c in 0..<cin {
                    let even = image + n * layout.imageCount + c * layout.channelCount + 2 * ty * layout.planeWidth + t0
                    let odd = even + layout.planeCount
                    let tile = v + c * 16
                    // Two passes keep few vectors live: first d B row by row
                    // (ξ = 4i + b holds (d B)[i][b]), then Bᵀ (d B) column by column.
                    for i in 0..<4 {
                        let row = even + i * layout.planeWidth, rowOdd = odd + i * layout.planeWidth
                        let d0 = loadVector(row), d1 = loadVector(rowOdd)
                        let d2 = loadVector(row + 1), d3 = loadVector(rowOdd + 1)
                        tile[4 * i] = d0 - d2
                        tile[4 * i + 1] = d1 + d2
                        tile[4 * i + 2] = d2 - d1
                        tile[4 * i + 3] = d1 - d3
                    }
                    for b in 0..<4 {
                        let e0 = tile[b], e1 = tile[4 + b], e2 = tile[8 + b], e3 = tile[12 + b]
                        tile[b] = e0 - e2
                        tile[4 + b] = e1 + e2
                        tile[8 + b] = e2 - e1
                        tile[12 + b] = e1 - e3
                    }
                }
                let columns = min(2 * lanes, wo - 2 * t0)
                for ob in 0..<outputBlocks {
                    let outputs = min(block, cout - ob * block)
                    // M[o][ξ] = Σ_c U[ξ][o][c] · V[c][ξ].
                    for xi in 0..<16 {
                        gatherTapProgram(outputs: outputs, source: UnsafePointer(transformed + xi * lanes), offsets: offsets,
                                         weights: weights + (ob * 16 + xi) * cin * block, count: cin, initial: nil,
                                         destination: products + xi * lanes, channelStride: 16 * lanes, lanes: lanes)
                    }
                    // Y = Aᵀ M A, plus the bias; interleave the two columns of each tile.
                    for k in 0..<outputs {
                        let p = m + k * 16
                        let bias = SIMD16<S>(repeating: biases[ob * block + k])
                        var rows = (SIMD16<S>(), SIMD16<S>(), SIMD16<S>(), SIMD16<S>(), SIMD16<S>(), SIMD16<S>(), SIMD16<S>(), SIMD16<S>())
                        rows.0 = p[0] + p[4] + p[8]; rows.1 = p[1] + p[5] + p[9]
                        rows.2 = p[2] + p[6] + p[10]; rows.3 = p[3] + p[7] + p[11]
                        rows.4 = p[4] - p[8] - p[12]; rows.5 = p[5] - p[9] - p[13]
                        rows.6 = p[6] - p[10] - p[14]; rows.7 = p[7] - p[11] - p[15]
                        let y00 = rows.0 + rows.1 + rows.2 + bias, y01 = rows.1 - rows.2 - rows.3 + bias
                        let y10 = rows.4 + rows.5 + rows.6 + bias, y11 = rows.5 - rows.6 - rows.7 + bias
                        let destination = out.base + ((n * cout + ob * block + k) * ho + 2 * ty) * wo + 2 * t0
                        storeInterleaved(y00, y01, to: destination, count: columns)
                        if 2 * ty + 1 < ho { storeInterleaved(y10, y11, to: destination + wo, count: columns) }
                    }
                }
                t0 += lanes
            }
        }
    }
}

/// Stores the first `count` of the 32 scalars `a[0], b[0], a[1], b[1], …,
/// a[15], b[15]` to `pointer`.
///
/// - Requires: `0 <= count <= 32`.
@inline(__always)
func storeInterleaved<S: TensorScalar>(_ a: SIMD16<S>, _ b: SIMD16<S>, to pointer: UnsafeMutablePointer<S>, count: Int) {
    if count >= 32 {
        for i in 0..<16 {
            pointer[2 * i] = a[i]
            pointer[2 * i + 1] = b[i]
        }
    } else {
        for i in 0..<count { pointer[i] = i % 2 == 0 ? a[i / 2] : b[i / 2] }
    }
}
