// The input gradient of strided convolutions with input channels in the
// vector lanes.
//
// With pixels in the lanes, the two column phases of a stride-2 layer each
// fill 16 lanes with every other input column, and the results must be
// interleaved into the output lane by lane; with 16 input channels in the
// lanes, each input pixel is one vector whatever its phase, summed over its
// phase's taps with the output gradient broadcast, and a pixel-major row of
// sums is transposed into the `[C, H, W]` gradient at the end.

/// Whether ``inputGradientByChannelVectors(program:weight:inputGradient:geometry:threads:)``
/// runs `geometry`'s input gradient: a stride above 1 and input channels
/// that fill at least three quarters of their 16-lane vectors.
func channelVectorInputGradientApplies(to g: Conv2DGeometry) -> Bool {
    (g.strideX > 1 || g.strideY > 1)
        && 4 * g.inputChannels >= 3 * roundUp(g.inputChannels, toMultipleOf: kernelVectorWidth)
}

/// The gather form of an input gradient that
/// ``conv2DInputGradient(outputGradient:weight:inputGradient:geometry:threads:gradientMask:)``
/// builds: the zero-padded output gradient and one tap program per phase.
struct InputGradientProgram<S: TensorScalar> {
    /// The padded output gradient, `[N, Cout, rows, rowWidth]`.
    let gradient: UnsafePointer<S>
    /// Rows per padded channel.
    let rows: Int
    /// Scalars per padded row.
    let rowWidth: Int
    /// Zero columns left of column 0.
    let leftPad: Int
    /// Zero rows above row 0.
    let topRows: Int
    /// Phase `(ρ, p)`'s taps are `programStart[ρ·sx + p] ..< programStart[ρ·sx + p + 1]`.
    let programStart: [Int]
    /// Tap `t`'s offset in the padded gradient from `(o = 0, r, q)`.
    let offsets: UnsafePointer<Int>
    /// Tap `t`'s index in the weight `[Cout, Cin, kh, kw]` for input channel
    /// 0 (channel `c` adds `c·kh·kw`).
    let weightIndex: UnsafePointer<Int>
    /// Per column phase `p`, the plane columns `q` whose input column
    /// `q·sx + p − padLeft` lies in the image.
    let columns: [Range<Int>]
}

/// Parallel blocks of input rows per image.
private let channelVectorGradientRowBlocks = 16

/// The input gradient with 16 input channels per vector: for input pixel
/// `(i, j)` in phase `(ρ, p)`, `Σ_t weights_t · gradient[offsets[t] + …]`
/// over the phase's taps, each weight a vector of 16 input channels
/// (``broadcastPixelRun(pixels:source:pixelStride:offsets:weights:count:sums:sumsStride:accumulate:)``).
/// Blocks are ranges of input rows of one image; each computes one row of
/// one block of 16 channels at a time into a pixel-major row of sums and
/// transposes it into the gradient. Every sum is in tap order, so the
/// result does not depend on `threads`.
///
/// - Parameters:
///   - program: the padded gradient and tap programs.
///   - weight: `[Cout, Cin, kh, kw]`.
///   - inputGradient: `[N, Cin, H, W]`, overwritten.
///   - geometry: the sizes.
///   - threads: how many threads may run at once.
///   - inputMask: `nil`, or the positive bits of a fused ReLU's output
///     `[N, Cin, H, W]` (``PositiveBitsLayout``), whose clear bits zero the
///     gradient, applied to each parallel block of rows once it is stored
///     (``maskGradientRows(_:byPositiveBits:image:channels:height:width:rows:)``).
func inputGradientByChannelVectors<S: TensorScalar>(program: InputGradientProgram<S>, weight: UnsafePointer<S>,
                                                    inputGradient: UnsafeMutablePointer<S>, geometry g: Conv2DGeometry,
                                                    threads: Int, inputMask: UnsafePointer<PositiveBitsWord>? = nil) {
    let lanes = kernelVectorWidth, sx = g.strideX, sy = g.strideY, taps = g.kernelHeight * g.kernelWidth
    let cin = g.inputChannels, cout = g.outputChannels, h = g.inputHeight, w = g.inputWidth
    let totalTaps = program.programStart[sy * sx], inputBlocks = (cin + lanes - 1) / lanes

    // Weights [inputBlock][t][16 input channels], zero beyond Cin.
    let packedCount = max(inputBlocks * totalTaps * lanes, 1)
    let packed = UnsafeMutablePointer<S>.allocate(capacity: packedCount)
    defer { packed.deallocate() }
    packed.initialize(repeating: 0, count: packedCount)
    for t in 0..<totalTaps {
        for c in 0..<cin { packed[((c / lanes) * totalTaps + t) * lanes + c % lanes] = weight[program.weightIndex[t] + c * taps] }
    }

    let rowBlocks = min(h, channelVectorGradientRowBlocks), blocks = g.batch * rowBlocks
    let rowSumsCount = w * lanes
    let scratch = ScratchBuffers.take(S.self, count: Parallel.workers(for: blocks, threads: threads) * rowSumsCount)
    defer { ScratchBuffers.give(scratch) }
    let out = SendablePointer(inputGradient), scratchBase = SendablePointer(scratch)
    let weights = UnsafePointer(packed), channelPlane = program.rows * program.rowWidth
    Parallel.forEachBlock(blocks, threads: threads) { rowBlock, worker in
        let n = rowBlock / rowBlocks
        let image = program.gradient + n * cout * channelPlane + program.leftPad
        let sums = scratchBase.base + worker * rowSumsCount
        let blockRows = Parallel.range(of: rowBlock % rowBlocks, splitting: h, into: rowBlocks)
        defer {   // the block's rows of every channel, once stored
            if let inputMask {
                maskGradientRows(out.base, byPositiveBits: inputMask, image: n, channels: cin, height: h, width: w, rows: blockRows)
            }
        }
        for i in blockRows {
            let paddedRow = i + g.padTop, rho = paddedRow % sy
            let rowBase = image + (program.topRows + paddedRow / sy) * program.rowWidth
            for ib in 0..<inputBlocks {
                for p in 0..<sx {
                    let first = program.programStart[rho * sx + p], count = program.programStart[rho * sx + p + 1] - first
                    let columns = program.columns[p]
                    // Plane column q is input column q·sx + p − padLeft.
                    broadcastPixelRun(pixels: columns.count, source: rowBase + columns.lowerBound, pixelStride: 1,
                                      offsets: program.offsets + first, weights: weights + (ib * totalTaps + first) * lanes,
                                      count: count, sums: sums + (columns.lowerBound * sx + p - g.padLeft) * lanes,
                                      sumsStride: sx * lanes, accumulate: false)
                }
                storeChannelMajor(sums, pixels: w, channels: min(lanes, cin - ib * lanes),
                                  to: out.base + ((n * cin + ib * lanes) * h + i) * w, channelStride: h * w)
            }
        }
    }
}
