// A fused ReLU's mask as one bit per scalar.
//
// The backward walk moves a fused ReLU's mask into the input gradient of the
// convolution that consumes the ReLU's output (ReLUGradientMask.swift). That
// gradient is computed late in the backward pass, when the ReLU's output
// (8.6 MB per image for the paper's conv1 and conv3) has long left the
// caches: read as the mask, it cost each of conv2's and conv4's input
// gradients 2–3 % of an epoch step (2 threads, the mask's read switched off
// against on, session 23). So the forward kernel also records, as it stores
// the output, whether each scalar is positive, one bit per scalar (460 KB for
// those tensors), and the input gradient masks with the bits. Measured
// (native build, in-process A/B of the 36-image step, 50 rounds): −1.0 to
// −1.4 % per epoch step; recording the bits gives back half of what masking
// with them saves. In the default build: no difference measurable.
//
// The bits are laid out so that every operation stays lane-wise: a vector of
// 16 consecutive scalars of a row reads one bit from each lane of one word
// (`SIMD16<UInt32>`, 64 bytes), and 32 consecutive vectors share a word.

/// One word of ``PositiveBitsLayout``: bit `k` of lane `ℓ` stands for scalar
/// `16·k + ℓ` of the word's 512 scalars.
typealias PositiveBitsWord = SIMD16<UInt32>

/// Where the positive bits of a tensor of rows of `width` scalars lie: each
/// row takes ``wordsPerRow`` words, and bit `k` of lane `ℓ` of the row's word
/// `j` tells whether scalar `512·j + 16·k + ℓ` of the row is positive (bits
/// past the row's end are zero). A `[N, C, H, W]` tensor has `N·C·H` rows of
/// `W`, row `(n·C + c)·H + y` at word `((n·C + c)·H + y)·wordsPerRow`.
struct PositiveBitsLayout: Equatable {
    /// Scalars per row.
    let width: Int

    /// Words per row: one per 512 scalars.
    var wordsPerRow: Int { (width + 511) / 512 }

    /// Words for `rows` rows.
    func words(rows: Int) -> Int { rows * wordsPerRow }
}

/// The vectors of word `j` of a row of `width` scalars: `whole` whole
/// vectors from vector `first` (scalar `16·first`), then, when `tail > 0`,
/// the row's last, partial vector of `tail` scalars.
@inline(__always)
private func vectors(ofWord j: Int, width: Int) -> (first: Int, whole: Int, tail: Int) {
    let lanes = kernelVectorWidth, wholeInRow = width / lanes
    let first = 32 * j, whole = max(0, min(32, wholeInRow - first))
    return (first, whole, whole < 32 ? width - wholeInRow * lanes : 0)
}

/// Runs `body(first, count)` over the row blocks `first ..< first + count`
/// of `rows` rows of `width` scalars (about 16 K scalars each), in parallel.
@inline(__always)
private func forEachRowBlock(rows: Int, width: Int, threads: Int, _ body: (_ first: Int, _ count: Int) -> Void) {
    let rowsPerBlock = max(1, (1 << 14) / max(width, 1)), blocks = (rows + rowsPerBlock - 1) / rowsPerBlock
    Parallel.forEachBlock(blocks, threads: threads) { block in
        let first = block * rowsPerBlock
        body(first, min(rowsPerBlock, rows - first))
    }
}

/// All ones in the lanes of `vector` that are positive (`+∞` included; no
/// zero, negative number or NaN), zero elsewhere: the test of
/// ``passingPositive(_:mask:)``, as a 32-bit lane mask.
@inline(__always)
private func positiveLanes<S: TensorScalar>(_ vector: SIMD16<S>) -> SIMD16<UInt32> {
    if S.self == Float.self {
        return unsafeBitCast(~notPositiveLanes(unsafeBitCast(vector, to: SIMD16<Int32>.self)), to: SIMD16<UInt32>.self)
    } else {
        return SIMD16<UInt32>(truncatingIfNeeded: ~notPositiveLanes(unsafeBitCast(vector, to: SIMD16<Int64>.self)))
    }
}

/// `value` where the lowest bit of `bits`' lane is set, `+0` elsewhere, lane-wise.
@inline(__always)
private func keeping<S: TensorScalar>(_ value: SIMD16<S>, whereLowestBitOf bits: SIMD16<Int32>) -> SIMD16<S> {
    let keep = (bits &<< 31) &>> 31   // the bit moved to the sign, then spread over the lane
    if S.self == Float.self {
        return unsafeBitCast(unsafeBitCast(value, to: SIMD16<Int32>.self) & keep, to: SIMD16<S>.self)
    } else {
        return unsafeBitCast(unsafeBitCast(value, to: SIMD16<Int64>.self) & SIMD16<Int64>(truncatingIfNeeded: keep),
                             to: SIMD16<S>.self)
    }
}

/// Writes the positive bits (``PositiveBitsLayout``) of `rows` consecutive
/// rows of `width` scalars, row `r` at `values + r·width`, to the rows'
/// words at `words`.
///
/// - Requires: `words` has room for `PositiveBitsLayout(width: width).words(rows: rows)` words.
func recordPositiveBits<S: TensorScalar>(_ values: UnsafePointer<S>, rows: Int, width: Int,
                                         into words: UnsafeMutablePointer<PositiveBitsWord>) {
    let lanes = kernelVectorWidth, wordsPerRow = PositiveBitsLayout(width: width).wordsPerRow
    for r in 0..<rows {
        let row = values + r * width, rowWords = words + r * wordsPerRow
        for j in 0..<wordsPerRow {
            // Each vector one bit higher than the last.
            let (first, whole, tail) = vectors(ofWord: j, width: width)
            var word = PositiveBitsWord(), bit = PositiveBitsWord(repeating: 1)
            var p = row + lanes * first
            for _ in 0..<whole {
                word |= positiveLanes(loadVector(p)) & bit
                bit &<<= 1
                p += lanes
            }
            if tail > 0 { word |= positiveLanes(loadVector(p, count: tail)) & bit }
            rowWords[j] = word
        }
    }
}

/// Zeroes the scalars of `rows` consecutive rows of `width` (row `r` at
/// `values + r·width`) whose bit in `words` (the rows' words,
/// ``PositiveBitsLayout``) is clear: the ReLU's gradient, applied with the
/// bits its forward pass recorded. Bit for bit what ``copyGradient(_:mask:count:to:)``
/// gives with the ReLU's output as the mask (kept scalars unchanged, the
/// others `+0`).
func maskGradient<S: TensorScalar>(_ values: UnsafeMutablePointer<S>, rows: Int, width: Int,
                                   byPositiveBits words: UnsafePointer<PositiveBitsWord>) {
    let lanes = kernelVectorWidth, wordsPerRow = PositiveBitsLayout(width: width).wordsPerRow
    for r in 0..<rows {
        let row = values + r * width, rowWords = words + r * wordsPerRow
        for j in 0..<wordsPerRow {
            // The word's bits shifted down, one vector at a time.
            let (first, whole, tail) = vectors(ofWord: j, width: width)
            var bits = unsafeBitCast(rowWords[j], to: SIMD16<Int32>.self)
            var p = row + lanes * first
            for _ in 0..<whole {
                storeVector(keeping(loadVector(p), whereLowestBitOf: bits), to: p)
                bits &>>= 1
                p += lanes
            }
            if tail > 0 {
                storeVector(keeping(loadVector(p, count: tail), whereLowestBitOf: bits), to: p, count: tail)
            }
        }
    }
}

/// ``maskGradient(_:rows:width:byPositiveBits:)`` over rows `rows` of every
/// channel of image `image` of a `[N, channels, height, width]` gradient,
/// one channel at a time: how the direct input gradients apply a moved
/// ReLU's bits to each parallel block of rows once they have stored it. One
/// long run per channel: when the mask was the ReLU's output itself, masking
/// each row as soon as every channel had stored it read 32 short runs at once
/// and cost conv4's input gradient 1.2 ms instead of 0.7 (one thread), runs
/// of four rows 1.0 ms (session 19).
@inline(__always)
func maskGradientRows<S: TensorScalar>(_ gradient: UnsafeMutablePointer<S>, byPositiveBits words: UnsafePointer<PositiveBitsWord>,
                                       image: Int, channels: Int, height: Int, width: Int, rows: Range<Int>) {
    let wordsPerRow = PositiveBitsLayout(width: width).wordsPerRow
    for c in 0..<channels {
        let row = (image * channels + c) * height + rows.lowerBound
        maskGradient(gradient + row * width, rows: rows.count, width: width, byPositiveBits: words + row * wordsPerRow)
    }
}

/// ``recordPositiveBits(_:rows:width:into:)`` for rows `rows` of every
/// channel of image `image` of a `[N, channels, height, width]` output, one
/// channel at a time: how the stride-1 and Winograd forward kernels record
/// each block of rows (or tile row) they have just stored.
@inline(__always)
func recordPositiveBitsRows<S: TensorScalar>(_ output: UnsafePointer<S>, image: Int, channels: Int, height: Int, width: Int,
                                             rows: Range<Int>, into words: UnsafeMutablePointer<PositiveBitsWord>) {
    let wordsPerRow = PositiveBitsLayout(width: width).wordsPerRow
    for c in 0..<channels {
        let row = (image * channels + c) * height + rows.lowerBound
        recordPositiveBits(output + row * width, rows: rows.count, width: width, into: words + row * wordsPerRow)
    }
}

/// ``maskGradient(_:rows:width:byPositiveBits:)`` over all `rows` rows of a
/// tensor, in parallel blocks of rows: for the kernels that cannot mask
/// each block of rows as they store it.
func maskGradient<S: TensorScalar>(_ values: UnsafeMutablePointer<S>, rows: Int, width: Int,
                                   byPositiveBits words: UnsafePointer<PositiveBitsWord>, threads: Int) {
    let wordsPerRow = PositiveBitsLayout(width: width).wordsPerRow, target = SendablePointer(values)
    forEachRowBlock(rows: rows, width: width, threads: threads) { first, count in
        maskGradient(target.base + first * width, rows: count, width: width, byPositiveBits: words + first * wordsPerRow)
    }
}

/// ``recordPositiveBits(_:rows:width:into:)`` over all `rows` rows of a
/// tensor, in parallel blocks of rows: for the forward kernels that do not
/// record the bits of each block of rows as they store it.
func recordPositiveBits<S: TensorScalar>(_ values: UnsafePointer<S>, rows: Int, width: Int,
                                         into words: UnsafeMutablePointer<PositiveBitsWord>, threads: Int) {
    let wordsPerRow = PositiveBitsLayout(width: width).wordsPerRow, target = SendablePointer(words)
    forEachRowBlock(rows: rows, width: width, threads: threads) { first, count in
        recordPositiveBits(values + first * width, rows: count, width: width, into: target.base + first * wordsPerRow)
    }
}
