/// The vector type of the convolution kernels: sixteen lanes (one AVX-512
/// register of `Float`, four SSE registers in the baseline x86-64 build).
typealias KernelVector<S: TensorScalar> = SIMD16<S>

/// Lanes of ``KernelVector``.
let kernelVectorWidth = 16

/// Loads 16 consecutive scalars starting at `pointer`, which need not be
/// aligned.
///
/// - Requires: `pointer[0..<16]` is readable.
@inline(__always)
func loadVector<S: TensorScalar>(_ pointer: UnsafePointer<S>) -> SIMD16<S> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<S>.self)
}

/// Stores the 16 lanes of `vector` to `pointer[0..<16]`, which need not be
/// aligned.
@inline(__always)
func storeVector<S: TensorScalar>(_ vector: SIMD16<S>, to pointer: UnsafeMutablePointer<S>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: SIMD16<S>.self)
}

/// Stores the first `count` lanes of `vector` to `pointer[0..<count]`; a full
/// vector store when `count == 16`.
///
/// A partial store goes through a stack buffer: one vector store, then
/// scalar copies that the processor forwards from it. Lane by lane
/// (`pointer[lane] = vector[lane]`), each lane was a separate extract.
///
/// - Requires: `0 <= count <= 16`.
@inline(__always)
func storeVector<S: TensorScalar>(_ vector: SIMD16<S>, to pointer: UnsafeMutablePointer<S>, count: Int) {
    if count == 16 {
        storeVector(vector, to: pointer)
    } else {
        storePartialVector(vector, to: pointer, count: count)
    }
}

/// The partial case of ``storeVector(_:to:count:)``, out of line so that the
/// callers' loops keep their registers.
@inline(never)
func storePartialVector<S: TensorScalar>(_ vector: SIMD16<S>, to pointer: UnsafeMutablePointer<S>, count: Int) {
    withUnsafeTemporaryAllocation(of: S.self, capacity: kernelVectorWidth) { buffer in
        let staged = buffer.baseAddress!
        storeVector(vector, to: staged)
        pointer.update(from: staged, count: count)
    }
}

/// Loads the first `count` scalars at `pointer` into the low lanes of a
/// vector whose other lanes are zero; a full vector load when `count == 16`.
///
/// A partial load stages the scalars in a zeroed stack buffer and loads it
/// as one vector (one store-forwarding wait); inserting lane by lane made
/// every lane such a wait.
///
/// - Requires: `0 <= count <= 16`.
@inline(__always)
func loadVector<S: TensorScalar>(_ pointer: UnsafePointer<S>, count: Int) -> SIMD16<S> {
    count == 16 ? loadVector(pointer) : loadPartialVector(pointer, count: count)
}

/// The partial case of ``loadVector(_:count:)``, out of line.
@inline(never)
func loadPartialVector<S: TensorScalar>(_ pointer: UnsafePointer<S>, count: Int) -> SIMD16<S> {
    withUnsafeTemporaryAllocation(of: S.self, capacity: kernelVectorWidth) { buffer in
        let staged = buffer.baseAddress!
        storeVector(SIMD16<S>(), to: staged)
        staged.update(from: pointer, count: count)
        return loadVector(staged)
    }
}

/// `max(vector, 0)` lane-wise, by clearing every lane whose sign bit is set
/// (−0 becomes +0; a NaN stays NaN unless its sign bit is set).
///
/// Integer bit operations, because they compile to a few vector
/// instructions in every build: `pointwiseMax` is a lane-by-lane loop in
/// the baseline x86-64 build, and `replacing(with:where:)` became one inside
/// the native build's Winograd kernel (19 % of an epoch).
@inline(__always)
func rectified<S: TensorScalar>(_ vector: SIMD16<S>) -> SIMD16<S> {
    if S.self == Float.self {
        let bits = unsafeBitCast(vector, to: SIMD16<Int32>.self)
        return unsafeBitCast(bits & ~(bits &>> 31), to: SIMD16<S>.self)
    } else {
        let bits = unsafeBitCast(vector, to: SIMD16<Int64>.self)
        return unsafeBitCast(bits & ~(bits &>> 63), to: SIMD16<S>.self)
    }
}

/// ``rectified(_:)`` for an 8-lane vector (the lanes of a 16-lane one whose
/// other half is zero, which the optimiser drops).
@inline(__always)
func rectified<S: TensorScalar>(_ vector: SIMD8<S>) -> SIMD8<S> {
    rectified(SIMD16(lowHalf: vector, highHalf: SIMD8())).lowHalf
}

/// Rounds `value` up to a multiple of `multiple` (both non-negative,
/// `multiple > 0`).
@inline(__always)
func roundUp(_ value: Int, toMultipleOf multiple: Int) -> Int {
    (value + multiple - 1) / multiple * multiple
}

/// The 4×4 transpose of the rows `w, x, y, z`: result `k` holds lane `k`
/// of each (eight 4-lane shuffles: `unpcklps`/`unpckhps`, `movlhps`/`movhlps`).
@inline(__always)
func transpose4<S: TensorScalar>(_ w: SIMD4<S>, _ x: SIMD4<S>, _ y: SIMD4<S>, _ z: SIMD4<S>)
    -> (SIMD4<S>, SIMD4<S>, SIMD4<S>, SIMD4<S>) {
    let wx0 = SIMD4(w[0], x[0], w[1], x[1]), yz0 = SIMD4(y[0], z[0], y[1], z[1])
    let wx1 = SIMD4(w[2], x[2], w[3], x[3]), yz1 = SIMD4(y[2], z[2], y[3], z[3])
    return (SIMD4(wx0[0], wx0[1], yz0[0], yz0[1]), SIMD4(wx0[2], wx0[3], yz0[2], yz0[3]),
            SIMD4(wx1[0], wx1[1], yz1[0], yz1[1]), SIMD4(wx1[2], wx1[3], yz1[2], yz1[3]))
}

/// Two 4×4 transposes at once: the low halves of `w, x, y, z` are the rows
/// of one block, the high halves the rows of another; half `h` of result
/// `k` holds lane `k` of block `h`'s rows.
///
/// In `Float`, the second round of shuffles moves pairs of lanes as one
/// 64-bit lane (`unpcklpd`/`unpckhpd` on 8-lane registers): written as
/// lanes of `Float` (``transpose4(_:_:_:_:)``), LLVM merges the two rounds
/// into single-lane inserts (`vinsertps`) for much of the result.
@inline(__always)
func transpose4Pairs<S: TensorScalar>(_ w: SIMD8<S>, _ x: SIMD8<S>, _ y: SIMD8<S>, _ z: SIMD8<S>)
    -> (SIMD8<S>, SIMD8<S>, SIMD8<S>, SIMD8<S>) {
    let wx0 = SIMD8(w[0], x[0], w[1], x[1], w[4], x[4], w[5], x[5])
    let yz0 = SIMD8(y[0], z[0], y[1], z[1], y[4], z[4], y[5], z[5])
    let wx1 = SIMD8(w[2], x[2], w[3], x[3], w[6], x[6], w[7], x[7])
    let yz1 = SIMD8(y[2], z[2], y[3], z[3], y[6], z[6], y[7], z[7])
    if S.self == Float.self {
        let a = unsafeBitCast(wx0, to: SIMD4<Double>.self), b = unsafeBitCast(yz0, to: SIMD4<Double>.self)
        let c = unsafeBitCast(wx1, to: SIMD4<Double>.self), d = unsafeBitCast(yz1, to: SIMD4<Double>.self)
        return (unsafeBitCast(SIMD4(a[0], b[0], a[2], b[2]), to: SIMD8<S>.self),
                unsafeBitCast(SIMD4(a[1], b[1], a[3], b[3]), to: SIMD8<S>.self),
                unsafeBitCast(SIMD4(c[0], d[0], c[2], d[2]), to: SIMD8<S>.self),
                unsafeBitCast(SIMD4(c[1], d[1], c[3], d[3]), to: SIMD8<S>.self))
    }
    return (SIMD8(wx0[0], wx0[1], yz0[0], yz0[1], wx0[4], wx0[5], yz0[4], yz0[5]),
            SIMD8(wx0[2], wx0[3], yz0[2], yz0[3], wx0[6], wx0[7], yz0[6], yz0[7]),
            SIMD8(wx1[0], wx1[1], yz1[0], yz1[1], wx1[4], wx1[5], yz1[4], yz1[5]),
            SIMD8(wx1[2], wx1[3], yz1[2], yz1[3], wx1[6], wx1[7], yz1[6], yz1[7]))
}

/// Lanes `4q ..< 4q + 4` of `vector`.
@inline(__always)
private func quarter<S: TensorScalar>(_ vector: SIMD16<S>, _ q: Int) -> SIMD4<S> {
    SIMD4(vector[4 * q], vector[4 * q + 1], vector[4 * q + 2], vector[4 * q + 3])
}

/// Transposes a block of 16 rows × 16 columns: column `j` of the `rows`
/// source rows (`source + k·sourceStride`, 16 scalars each; rows from `rows`
/// to 15 read as zeros) becomes the 16 scalars at
/// `destination + j·destinationStride`.
///
/// Done as eight pairs of 4×4 transposes on 8-lane halves of rows
/// (``transpose4Pairs(_:_:_:_:)``, 28 shuffles in the native build):
/// `evenHalf`/`oddHalf` rounds compiled to lane-by-lane code, 4.5 % of a
/// training epoch, and sixteen 4-lane transposes to 48 shuffles, a third of
/// them single-lane inserts, 4.1 %.
///
/// - Requires: `0 <= rows <= 16`.
@inline(never)
func transpose16x16<S: TensorScalar>(_ source: UnsafePointer<S>, sourceStride: Int, rows: Int,
                                     to destination: UnsafeMutablePointer<S>, destinationStride: Int) {
    // All 16 rows (the common case) without a row test per load.
    if rows == kernelVectorWidth {
        transpose16x16Body(source, sourceStride: sourceStride, rows: kernelVectorWidth, allRows: true,
                           to: destination, destinationStride: destinationStride)
    } else {
        transpose16x16Body(source, sourceStride: sourceStride, rows: rows, allRows: false,
                           to: destination, destinationStride: destinationStride)
    }
}

/// The body of ``transpose16x16(_:sourceStride:rows:to:destinationStride:)``;
/// `allRows` is a constant at each call, so the full case has no row tests.
@inline(__always)
private func transpose16x16Body<S: TensorScalar>(_ source: UnsafePointer<S>, sourceStride: Int, rows: Int, allRows: Bool,
                                                 to destination: UnsafeMutablePointer<S>, destinationStride: Int) {
    let raw = UnsafeRawPointer(source), out = UnsafeMutableRawPointer(destination)
    let size = MemoryLayout<S>.stride
    let sourceStep = sourceStride &* size, step = destinationStride &* size
    @inline(__always) func loadHalf(_ row: Int, _ column: Int) -> SIMD8<S> {
        allRows || row < rows
            ? raw.loadUnaligned(fromByteOffset: row &* sourceStep &+ column &* size, as: SIMD8<S>.self) : SIMD8()
    }
    for rowGroup in 0..<4 {
        for columnGroup in 0..<2 {
            // Columns 8g ..< 8g + 4 in the low halves, 8g + 4 ..< 8g + 8 in the high halves.
            let column = 8 &* columnGroup, row = 4 &* rowGroup
            let t = transpose4Pairs(loadHalf(row, column), loadHalf(row &+ 1, column),
                                    loadHalf(row &+ 2, column), loadHalf(row &+ 3, column))
            let target = column &* step &+ row &* size, high = 4 &* step
            out.storeBytes(of: t.0.lowHalf, toByteOffset: target, as: SIMD4<S>.self)
            out.storeBytes(of: t.1.lowHalf, toByteOffset: target &+ step, as: SIMD4<S>.self)
            out.storeBytes(of: t.2.lowHalf, toByteOffset: target &+ 2 &* step, as: SIMD4<S>.self)
            out.storeBytes(of: t.3.lowHalf, toByteOffset: target &+ 3 &* step, as: SIMD4<S>.self)
            out.storeBytes(of: t.0.highHalf, toByteOffset: target &+ high, as: SIMD4<S>.self)
            out.storeBytes(of: t.1.highHalf, toByteOffset: target &+ high &+ step, as: SIMD4<S>.self)
            out.storeBytes(of: t.2.highHalf, toByteOffset: target &+ high &+ 2 &* step, as: SIMD4<S>.self)
            out.storeBytes(of: t.3.highHalf, toByteOffset: target &+ high &+ 3 &* step, as: SIMD4<S>.self)
        }
    }
}

/// Interleaves up to 16 channels pixel by pixel: `destination[16p + c] =
/// source[c·channelStride + p]` for `p < count`, `c < channels`, and 0 for
/// `channels ≤ c < 16` (the layout of the weight gradients that hold 16
/// channels in a vector). Runs of 16 pixels are 16×16 transposes
/// (``transpose16x16(_:sourceStride:rows:to:destinationStride:)``), the last
/// `count mod 16` go one scalar at a time.
///
/// - Requires: `0 <= channels <= 16`.
func interleaveChannels<S: TensorScalar>(_ source: UnsafePointer<S>, channelStride: Int, channels: Int, count: Int,
                                         into destination: UnsafeMutablePointer<S>) {
    let lanes = kernelVectorWidth
    var p0 = 0
    while p0 + lanes <= count {
        transpose16x16(source + p0, sourceStride: channelStride, rows: channels, to: destination + p0 * lanes, destinationStride: lanes)
        p0 += lanes
    }
    let rest = count - p0
    if rest > 0 {
        // The last columns through a zero-padded 16×16 block on the stack.
        withUnsafeTemporaryAllocation(of: S.self, capacity: 2 * lanes * lanes) { buffer in
            let block = buffer.baseAddress!, transposed = block + lanes * lanes
            block.initialize(repeating: 0, count: lanes * lanes)
            for c in 0..<channels { (block + c * lanes).update(from: source + c * channelStride + p0, count: rest) }
            transpose16x16(block, sourceStride: lanes, rows: channels, to: transposed, destinationStride: lanes)
            (destination + p0 * lanes).update(from: transposed, count: rest * lanes)
        }
    }
}

/// Writes a pixel-major row of channel vectors in channel-major order:
/// `destination[c·channelStride + x] = row[16x + c]` for `x < pixels`,
/// `c < channels ≤ 16`. Runs of 16 pixels of 16 channels are 16×16
/// transposes; the rest go through a transpose on the stack.
@inline(__always)
func storeChannelMajor<S: TensorScalar>(_ row: UnsafePointer<S>, pixels: Int, channels: Int,
                                       to destination: UnsafeMutablePointer<S>, channelStride: Int) {
    let lanes = kernelVectorWidth
    var x0 = 0
    if channels == lanes {
        while x0 + lanes <= pixels {
            transpose16x16(row + x0 * lanes, sourceStride: lanes, rows: lanes, to: destination + x0,
                           destinationStride: channelStride)
            x0 += lanes
        }
    }
    guard x0 < pixels else { return }
    withUnsafeTemporaryAllocation(of: S.self, capacity: lanes * lanes) { buffer in
        let block = buffer.baseAddress!
        while x0 < pixels {
            let count = min(lanes, pixels - x0)
            transpose16x16(row + x0 * lanes, sourceStride: lanes, rows: count, to: block, destinationStride: lanes)
            for c in 0..<channels { (destination + c * channelStride + x0).update(from: block + c * lanes, count: count) }
            x0 += count
        }
    }
}

/// Stores the first `count` of the 32 scalars `a[0], b[0], a[1], b[1], …,
/// a[15], b[15]` to `pointer`.
///
/// A full store interleaves four lanes at a time with two 4-lane shuffles
/// (`unpcklps`/`unpckhps` on x86), several times faster than scalar stores.
/// Never inlined: inlined, the optimiser takes the caller's vector
/// arithmetic apart into scalar operations, one per extracted lane.
///
/// - Requires: `0 <= count <= 32`.
@inline(never)
func storeInterleaved<S: TensorScalar>(_ a: SIMD16<S>, _ b: SIMD16<S>, to pointer: UnsafeMutablePointer<S>, count: Int) {
    if count >= 32 {
        let raw = UnsafeMutableRawPointer(pointer), size = MemoryLayout<SIMD4<S>>.stride
        for q in 0..<4 {
            let x = quarter(a, q), y = quarter(b, q)
            raw.storeBytes(of: SIMD4(x[0], y[0], x[1], y[1]), toByteOffset: 2 * q * size, as: SIMD4<S>.self)
            raw.storeBytes(of: SIMD4(x[2], y[2], x[3], y[3]), toByteOffset: (2 * q + 1) * size, as: SIMD4<S>.self)
        }
    } else {
        // Through a stack buffer, so that the vectors are never taken apart lane by lane.
        withUnsafeTemporaryAllocation(of: S.self, capacity: 32) { buffer in
            storeInterleaved(a, b, to: buffer.baseAddress!, count: 32)
            pointer.update(from: buffer.baseAddress!, count: count)
        }
    }
}

/// The 64 scalars `a[0], b[0], c[0], d[0], a[1], …, d[15]` as four vectors,
/// for `Float`: sixteen shuffles that LLVM lowers to whole-register
/// permutes (`vunpcklps`/`vunpckhps`, then `vpermi2pd`/`vshuff64x2` with
/// AVX-512), where the 4×4 transposes of 4-lane quarters
/// (``storeInterleaved4(_:_:_:_:to:count:)``) take each quarter out of its
/// register and store 4 lanes at a time.
///
/// Three rounds: interleave lanes within each 128-bit block
/// (`t0 = a0 b0 a1 b1 | a4 b4 a5 b5 | …`), then 64-bit pairs within each
/// block, so that block `k` of `u_j` holds the four scalars of column
/// `4k + j`, then transpose the 4×4 matrix of blocks. Each shuffle is one
/// initializer from lanes of at most two vectors (shuffles written as loops
/// of lane assignments, or with `evenHalf`/`oddHalf`, compiled to code that
/// moved lanes one at a time).
@inline(__always)
func interleaved4(_ a: SIMD16<Float>, _ b: SIMD16<Float>, _ c: SIMD16<Float>, _ d: SIMD16<Float>)
    -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
    @inline(__always) func lowLanes(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD8<Double> {
        unsafeBitCast(SIMD16(a[0], b[0], a[1], b[1], a[4], b[4], a[5], b[5], a[8], b[8], a[9], b[9], a[12], b[12], a[13], b[13]),
                      to: SIMD8<Double>.self)
    }
    @inline(__always) func highLanes(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD8<Double> {
        unsafeBitCast(SIMD16(a[2], b[2], a[3], b[3], a[6], b[6], a[7], b[7], a[10], b[10], a[11], b[11], a[14], b[14], a[15], b[15]),
                      to: SIMD8<Double>.self)
    }
    @inline(__always) func lowPairs(_ a: SIMD8<Double>, _ b: SIMD8<Double>) -> SIMD8<Double> {
        SIMD8(a[0], b[0], a[2], b[2], a[4], b[4], a[6], b[6])
    }
    @inline(__always) func highPairs(_ a: SIMD8<Double>, _ b: SIMD8<Double>) -> SIMD8<Double> {
        SIMD8(a[1], b[1], a[3], b[3], a[5], b[5], a[7], b[7])
    }
    // 128-bit blocks 0 and 2 of x, then of y; or blocks 1 and 3.
    @inline(__always) func evenBlocks(_ x: SIMD8<Double>, _ y: SIMD8<Double>) -> SIMD8<Double> {
        SIMD8(x[0], x[1], x[4], x[5], y[0], y[1], y[4], y[5])
    }
    @inline(__always) func oddBlocks(_ x: SIMD8<Double>, _ y: SIMD8<Double>) -> SIMD8<Double> {
        SIMD8(x[2], x[3], x[6], x[7], y[2], y[3], y[6], y[7])
    }
    let t0 = lowLanes(a, b), t1 = highLanes(a, b), t2 = lowLanes(c, d), t3 = highLanes(c, d)
    let u0 = lowPairs(t0, t2), u1 = highPairs(t0, t2), u2 = lowPairs(t1, t3), u3 = highPairs(t1, t3)
    let w0 = evenBlocks(u0, u1), w1 = evenBlocks(u2, u3), w2 = oddBlocks(u0, u1), w3 = oddBlocks(u2, u3)
    return (unsafeBitCast(evenBlocks(w0, w1), to: SIMD16<Float>.self), unsafeBitCast(evenBlocks(w2, w3), to: SIMD16<Float>.self),
            unsafeBitCast(oddBlocks(w0, w1), to: SIMD16<Float>.self), unsafeBitCast(oddBlocks(w2, w3), to: SIMD16<Float>.self))
}

/// Stores the 64 scalars `a[0], b[0], c[0], d[0], a[1], …, d[15]` to
/// `pointer`: in `Float` as four whole-register stores of
/// ``interleaved4(_:_:_:_:)``, otherwise through
/// ``storeInterleaved4(_:_:_:_:to:count:)``.
///
/// Inlined, so that the vectors stay in registers: passed by value to a
/// function that is not inlined, they arrive as 4-lane pieces. In the
/// Winograd output stage (conv3's forward pass and input gradient, one
/// thread, lower quartile of 40–60 alternated rounds) this measured
/// 5.59–5.65 → 5.40–5.43 ms and 5.53–5.60 → 5.42–5.50 ms with native
/// flags, 9.73 → 8.87 and 9.48 → 9.28 ms in the default build.
@inline(__always)
func storeInterleaved4<S: TensorScalar>(_ a: SIMD16<S>, _ b: SIMD16<S>, _ c: SIMD16<S>, _ d: SIMD16<S>,
                                        toWhole pointer: UnsafeMutablePointer<S>) {
    guard S.self == Float.self else {
        storeInterleaved4(a, b, c, d, to: pointer, count: 64)
        return
    }
    let r = interleaved4(unsafeBitCast(a, to: SIMD16<Float>.self), unsafeBitCast(b, to: SIMD16<Float>.self),
                         unsafeBitCast(c, to: SIMD16<Float>.self), unsafeBitCast(d, to: SIMD16<Float>.self))
    let raw = UnsafeMutableRawPointer(pointer), size = MemoryLayout<SIMD16<Float>>.stride
    raw.storeBytes(of: r.0, as: SIMD16<Float>.self)
    raw.storeBytes(of: r.1, toByteOffset: size, as: SIMD16<Float>.self)
    raw.storeBytes(of: r.2, toByteOffset: 2 * size, as: SIMD16<Float>.self)
    raw.storeBytes(of: r.3, toByteOffset: 3 * size, as: SIMD16<Float>.self)
}

/// Stores the first `count` of the 64 scalars `a[0], b[0], c[0], d[0], a[1],
/// …, d[15]` to `pointer`.
///
/// A full store transposes the four vectors four lanes at a time (a 4×4
/// transpose in eight 4-lane shuffles): measured 5× faster than scalar
/// stores with native flags, 6× in the default build. Never inlined, for
/// the reason given at ``storeInterleaved(_:_:to:count:)``.
///
/// - Requires: `0 <= count <= 64`.
@inline(never)
func storeInterleaved4<S: TensorScalar>(_ a: SIMD16<S>, _ b: SIMD16<S>, _ c: SIMD16<S>, _ d: SIMD16<S>,
                                        to pointer: UnsafeMutablePointer<S>, count: Int) {
    if count >= 64 {
        let raw = UnsafeMutableRawPointer(pointer), size = MemoryLayout<SIMD4<S>>.stride
        for q in 0..<4 {
            let t = transpose4(quarter(a, q), quarter(b, q), quarter(c, q), quarter(d, q))
            raw.storeBytes(of: t.0, toByteOffset: 4 * q * size, as: SIMD4<S>.self)
            raw.storeBytes(of: t.1, toByteOffset: (4 * q + 1) * size, as: SIMD4<S>.self)
            raw.storeBytes(of: t.2, toByteOffset: (4 * q + 2) * size, as: SIMD4<S>.self)
            raw.storeBytes(of: t.3, toByteOffset: (4 * q + 3) * size, as: SIMD4<S>.self)
        }
    } else {
        // Through a stack buffer, so that the vectors are never taken apart lane by lane.
        withUnsafeTemporaryAllocation(of: S.self, capacity: 64) { buffer in
            storeInterleaved4(a, b, c, d, to: buffer.baseAddress!, count: 64)
            pointer.update(from: buffer.baseAddress!, count: count)
        }
    }
}
