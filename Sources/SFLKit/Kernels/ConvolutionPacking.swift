/// Layout of the zero-padded, column-phase-split rows that the packed
/// kernels copy their input into (a few rows at a time, into scratch).
///
/// For stride `s = strideX`, every channel row is stored as `s` *phase
/// rows*: phase `p` holds the padded columns `p, p + s, p + 2s, …`, so
/// column `j` of phase `p` is padded column `j·s + p`, i.e. input column
/// `j·s + p − padLeft` (zero outside the image). Output pixel `x` then reads
/// tap `kx` at column `x + kx / s` of phase `kx % s`: consecutive output
/// pixels read consecutive scalars for any stride, so one unaligned vector
/// load serves 16 pixels. Each phase row is `planeWidth` scalars, wide
/// enough for a full vector load at the last (rounded-up) output column;
/// every scalar not taken from the image is 0.
struct PhasePlaneLayout: Sendable {
    /// Column phases per channel (`strideX`).
    let phases: Int
    /// Scalars per phase row.
    let planeWidth: Int

    /// The layout for the input of `geometry`.
    init(geometry g: Conv2DGeometry) {
        phases = g.strideX
        planeWidth = roundUp(g.outputWidth, toMultipleOf: kernelVectorWidth) + (g.kernelWidth - 1) / g.strideX
    }
}

/// Writes one row of one phase plane (see ``PhasePlaneLayout``):
/// `destination[j] = channel[row − padTop][j·strideX + phase − padLeft]`
/// for `j` in `0..<planeWidth`, zero where that is outside the image.
///
/// - Parameters:
///   - channel: one input channel, `[H, W]`.
///   - row: the padded row (any value; rows outside the image give zeros).
@inline(__always)
func packPhaseRow<S: TensorScalar>(channel: UnsafePointer<S>, row: Int, phase: Int,
                                   destination: UnsafeMutablePointer<S>, planeWidth: Int, geometry g: Conv2DGeometry) {
    let width = g.inputWidth, stride = g.strideX
    let inputRow = row - g.padTop
    if inputRow < 0 || inputRow >= g.inputHeight {
        destination.initialize(repeating: 0, count: planeWidth)
        return
    }
    // Plane columns j whose input column j·s + phase − padLeft lies in 0..<width.
    let first = min(planeWidth, g.padLeft > phase ? (g.padLeft - phase + stride - 1) / stride : 0)
    let end = max(first, min(planeWidth, (g.padLeft + width - phase + stride - 1) / stride))
    destination.initialize(repeating: 0, count: first)
    let start = first * stride + phase - g.padLeft
    let sourceRow = channel + inputRow * width + start
    if stride == 1 {
        (destination + first).initialize(from: sourceRow, count: end - first)
    } else if stride == 2 {
        // Deinterleave 32 scalars at a time while they lie inside the row.
        var j = 0
        while 2 * (j + 16) <= width - start && j + 16 <= end - first {
            let low = loadVector(sourceRow + 2 * j), high = loadVector(sourceRow + 2 * j + 16)
            storeVector(SIMD16(lowHalf: low.evenHalf, highHalf: high.evenHalf), to: destination + first + j)
            j += 16
        }
        while j < end - first {
            destination[first + j] = sourceRow[2 * j]
            j += 1
        }
    } else {
        for j in 0..<(end - first) { destination[first + j] = sourceRow[j * stride] }
    }
    (destination + end).initialize(repeating: 0, count: planeWidth - end)
}

/// Writes row `row` of every phase plane of one channel (``packPhaseRow(channel:row:phase:destination:planeWidth:geometry:)``
/// for each of the `strideX` phases); phase `p`'s row goes to
/// `destination + p·phaseStride`. Stride 4 takes all four phases in one
/// pass (``packFourPhaseRow(channel:row:destination:phaseStride:planeWidth:geometry:)``).
@inline(__always)
func packPhaseRows<S: TensorScalar>(channel: UnsafePointer<S>, row: Int, destination: UnsafeMutablePointer<S>,
                                    phaseStride: Int, planeWidth: Int, geometry g: Conv2DGeometry) {
    if g.strideX == 4 {
        packFourPhaseRow(channel: channel, row: row, destination: destination, phaseStride: phaseStride,
                         planeWidth: planeWidth, geometry: g)
        return
    }
    for phase in 0..<g.strideX {
        packPhaseRow(channel: channel, row: row, phase: phase, destination: destination + phase * phaseStride,
                     planeWidth: planeWidth, geometry: g)
    }
}

/// ``packPhaseRow(channel:row:phase:destination:planeWidth:geometry:)`` for
/// all four phases of a stride-4 geometry (the Winograd F(4×4, 3×3) tiles,
/// and any stride-4 convolution) in one pass: where every phase lies inside the image, each four plane
/// columns are one 4×4 transpose of 16 consecutive input scalars (phase `p`
/// of plane column `j` is input column `4j + p − padLeft`); the few columns
/// at the edges go one scalar at a time.
///
/// - Parameters:
///   - destination: the row in phase 0's plane; phase `p`'s row is at
///     `destination + p·phaseStride`.
private func packFourPhaseRow<S: TensorScalar>(channel: UnsafePointer<S>, row: Int, destination: UnsafeMutablePointer<S>,
                                               phaseStride: Int, planeWidth: Int, geometry g: Conv2DGeometry) {
    let width = g.inputWidth, inputRow = row - g.padTop
    if inputRow < 0 || inputRow >= g.inputHeight {
        for phase in 0..<4 { (destination + phase * phaseStride).initialize(repeating: 0, count: planeWidth) }
        return
    }
    let sourceRow = channel + inputRow * width
    // Plane columns [inside, insideEnd) have all four phases inside the row:
    // the first j with 4j − padLeft ≥ 0 up to the last with 4j + 3 − padLeft < width.
    let inside = min(planeWidth, (g.padLeft + 3) / 4)
    let insideEnd = max(inside, min(planeWidth, (g.padLeft + width) / 4))
    @inline(__always) func copyScalars(_ columns: Range<Int>) {
        for phase in 0..<4 {
            let plane = destination + phase * phaseStride
            for j in columns {
                let column = 4 * j + phase - g.padLeft
                plane[j] = column >= 0 && column < width ? sourceRow[column] : 0
            }
        }
    }
    copyScalars(0..<inside)
    var j = inside
    let raw = UnsafeRawPointer(sourceRow)
    while j + 4 <= insideEnd {
        let start = (4 * j - g.padLeft) * MemoryLayout<S>.stride, step = 4 * MemoryLayout<S>.stride
        let t = transpose4(raw.loadUnaligned(fromByteOffset: start, as: SIMD4<S>.self),
                           raw.loadUnaligned(fromByteOffset: start + step, as: SIMD4<S>.self),
                           raw.loadUnaligned(fromByteOffset: start + 2 * step, as: SIMD4<S>.self),
                           raw.loadUnaligned(fromByteOffset: start + 3 * step, as: SIMD4<S>.self))
        UnsafeMutableRawPointer(destination + j).storeBytes(of: t.0, as: SIMD4<S>.self)
        UnsafeMutableRawPointer(destination + phaseStride + j).storeBytes(of: t.1, as: SIMD4<S>.self)
        UnsafeMutableRawPointer(destination + 2 * phaseStride + j).storeBytes(of: t.2, as: SIMD4<S>.self)
        UnsafeMutableRawPointer(destination + 3 * phaseStride + j).storeBytes(of: t.3, as: SIMD4<S>.self)
        j += 4
    }
    copyScalars(j..<planeWidth)
}

/// Copies each row of `gradient` (`[N, Cout, Ho, Wo]`) into a zero-padded
/// buffer `[N, Cout, rows, rowWidth]`: row `y` goes to row `topRows + y`,
/// starting at column `leftPad`; every other scalar is zero. With a `mask`
/// (a fused ReLU's output, shaped like `gradient`), only the gradient where
/// the mask is positive is copied (``copyGradient(_:mask:count:to:)``).
///
/// - Requires: `rowWidth >= leftPad + Wo` and `rows >= topRows + Ho`.
func padOutputGradient<S: TensorScalar>(_ gradient: UnsafePointer<S>, mask: UnsafePointer<S>? = nil,
                                        into padded: UnsafeMutablePointer<S>,
                                        leftPad: Int, rowWidth: Int, topRows: Int, rows: Int,
                                        geometry g: Conv2DGeometry, threads: Int) {
    let width = g.outputWidth, height = g.outputHeight
    precondition(rowWidth >= leftPad + width && rows >= topRows + height)
    let out = SendablePointer(padded)
    Parallel.forEachBlock(g.batch * g.outputChannels, threads: threads) { block in
        let plane = out.base + block * rows * rowWidth
        plane.initialize(repeating: 0, count: topRows * rowWidth)
        for y in 0..<height {
            let destination = plane + (topRows + y) * rowWidth
            destination.initialize(repeating: 0, count: leftPad)
            let offset = (block * height + y) * width
            copyGradient(gradient + offset, mask: mask.map { $0 + offset }, count: width, to: destination + leftPad)
            (destination + leftPad + width).initialize(repeating: 0, count: rowWidth - leftPad - width)
        }
        (plane + (topRows + height) * rowWidth).initialize(repeating: 0, count: (rows - topRows - height) * rowWidth)
    }
}

/// The weights of a convolution packed for the gather register blocks:
/// output channels in blocks of nearly equal size (32 as 5 + 5 + 6 + 5 + 5 +
/// 6 rather than 6 × 5 + 2, whose 4 accumulators would wait on the
/// multiply-add latency), stored `[outputBlock][c][ky·kw + kx][B]` with
/// `B` = ``block`` slots and zeros in the slots beyond a block's channels.
/// The pixel-vector gathers take ``gatherChannelBlock`` channels per block,
/// the channel-vector forward pass a vector of 16.
struct GatherWeights<S: TensorScalar> {
    /// Slots per block (`B`).
    let block: Int
    /// Blocks of output channels.
    let outputBlocks: Int
    /// Taps per output channel (`Cin·kh·kw`).
    let programLength: Int
    /// Output channels.
    private let outputChannels: Int
    /// `outputBlocks · programLength · B` weights.
    let values: UnsafeMutablePointer<S>
    /// `outputBlocks · B` biases (zeros without a bias).
    let bias: UnsafeMutablePointer<S>

    /// Packs `weight` (`[Cout, Cin, kh, kw]`) and `bias` (`[Cout]` or `nil`)
    /// of `geometry` in blocks of `block` slots; release with ``deallocate()``.
    init(weight: UnsafePointer<S>, bias: UnsafePointer<S>?, geometry g: Conv2DGeometry, block: Int = gatherChannelBlock) {
        self.block = block
        outputChannels = g.outputChannels
        outputBlocks = (g.outputChannels + block - 1) / block
        programLength = g.inputChannels * g.kernelHeight * g.kernelWidth
        let count = outputBlocks * programLength * block
        values = UnsafeMutablePointer<S>.allocate(capacity: count)
        values.initialize(repeating: 0, count: count)
        self.bias = UnsafeMutablePointer<S>.allocate(capacity: outputBlocks * block)
        self.bias.initialize(repeating: 0, count: outputBlocks * block)
        for ob in 0..<outputBlocks {
            let channels = outputRange(ob)
            for o in channels {
                let slot = o - channels.lowerBound
                for tap in 0..<programLength { values[(ob * programLength + tap) * block + slot] = weight[o * programLength + tap] }
                self.bias[ob * block + slot] = bias?[o] ?? 0
            }
        }
    }

    /// The output channels of block `ob`.
    @inline(__always)
    func outputRange(_ ob: Int) -> Range<Int> { Parallel.range(of: ob, splitting: outputChannels, into: outputBlocks) }

    /// Frees the packed weights.
    func deallocate() {
        values.deallocate()
        bias.deallocate()
    }
}

/// A zero-padded copy of the input window that some output pixels read, for
/// the pixels whose taps reach the padding (the channel-vector forward pass
/// and weight gradient read every other pixel's input in place): `[c][row][width]`, row `r` and
/// column `j` being input row `firstRow + r` and input column
/// `firstPixel·sx − padLeft + j` (zero outside the image).
struct BroadcastStrip {
    /// First output pixel of the row that the strip serves.
    let firstPixel: Int
    /// Output pixels per row.
    let pixels: Int
    /// Input rows.
    let rows: Int
    /// Scalars per strip row: the columns the pixels read.
    let width: Int

    /// The strip of `pixels` output pixels of a row for `outputRows` output
    /// rows of `geometry`.
    init(pixels: Range<Int>, outputRows: Int, geometry g: Conv2DGeometry) {
        firstPixel = pixels.lowerBound
        self.pixels = pixels.count
        rows = (outputRows - 1) * g.strideY + g.kernelHeight
        width = pixels.isEmpty ? 0 : (pixels.count - 1) * g.strideX + g.kernelWidth
    }

    /// Scalars per channel.
    var channelStride: Int { rows * width }

    /// Copies input rows `firstRow ..< firstRow + rows` of every channel of
    /// `image` (`[Cin, H, W]`), the strip's columns, into `buffer`.
    @inline(__always)
    func fill<S: TensorScalar>(_ buffer: UnsafeMutablePointer<S>, from image: UnsafePointer<S>, firstRow: Int,
                               geometry g: Conv2DGeometry) {
        let height = g.inputHeight, imageWidth = g.inputWidth
        let firstColumn = firstPixel * g.strideX - g.padLeft
        // Strip columns [inside, insideEnd) are image columns.
        let inside = min(width, max(0, -firstColumn))
        let insideEnd = max(inside, min(width, imageWidth - firstColumn))
        for c in 0..<g.inputChannels {
            for r in 0..<rows {
                let destination = buffer + c * channelStride + r * width, row = firstRow + r
                guard row >= 0 && row < height else {
                    destination.initialize(repeating: 0, count: width)
                    continue
                }
                destination.initialize(repeating: 0, count: inside)
                (destination + inside).initialize(from: image + (c * height + row) * imageWidth + firstColumn + inside,
                                                  count: insideEnd - inside)
                (destination + insideEnd).initialize(repeating: 0, count: width - insideEnd)
            }
        }
    }
}

/// The tap programs of gathers that read `[c][row][width]` layouts (the
/// input itself, or strips of it): for layout `k` and tap `(c, ky, kx)`,
/// `t = (c·kh + ky)·kw + kx`, `programs[k·Cin·kh·kw + t] = c·channelStride_k
/// + ky·width_k + kx`, the tap's offset from the pixel's first tap. Release
/// with `deallocate()`.
func makeTapPrograms(geometry g: Conv2DGeometry, layouts: [(channelStride: Int, width: Int)]) -> UnsafeMutablePointer<Int> {
    let kh = g.kernelHeight, kw = g.kernelWidth, programLength = g.inputChannels * kh * kw
    let programs = UnsafeMutablePointer<Int>.allocate(capacity: max(1, layouts.count * programLength))
    for (k, layout) in layouts.enumerated() {
        for c in 0..<g.inputChannels {
            for ky in 0..<kh {
                for kx in 0..<kw {
                    programs[k * programLength + (c * kh + ky) * kw + kx] = c * layout.channelStride + ky * layout.width + kx
                }
            }
        }
    }
    return programs
}
