// The innermost loops of the direct convolution kernels: register blocks of
// `SIMD16` accumulators that the compiler keeps in registers.
//
// Each takes its block shape (how many channels or taps are live) as a
// generic parameter conforming to ``BlockCount``, so that generic
// specialisation compiles one copy per shape with the count as a constant
// and the unused accumulators disappear; the `…Dispatch` functions pick the
// copy from a run-time count.

/// A block size known at compile time (1 to 6).
protocol BlockCount {
    /// The size.
    static var value: Int { get }
}
/// Block size 1.
enum BlockOf1: BlockCount { static var value: Int { 1 } }
/// Block size 2.
enum BlockOf2: BlockCount { static var value: Int { 2 } }
/// Block size 3.
enum BlockOf3: BlockCount { static var value: Int { 3 } }
/// Block size 4.
enum BlockOf4: BlockCount { static var value: Int { 4 } }
/// Block size 5.
enum BlockOf5: BlockCount { static var value: Int { 5 } }
/// Block size 6.
enum BlockOf6: BlockCount { static var value: Int { 6 } }

#if SFLKIT_WIDE_REGISTERS
/// Channels computed together by one gather register block: 6 (for `Float`,
/// 12 accumulator registers of 8 lanes, plus two for the pixel vector and one
/// for a weight; `Double` needs twice as many and spills, which only its
/// speed notices) when the build targets 16 256-bit registers or more
/// (`-Xswiftc -target-cpu -Xswiftc native -Xswiftc -DSFLKIT_WIDE_REGISTERS`).
/// Fewer accumulators leave the multiply-add units waiting on their own
/// latency (8 accumulators of 4-cycle multiply-adds just cover two units).
let gatherChannelBlock = 6

/// Taps the channel-vector weight gradient accumulates together (16-lane
/// accumulators; see ``gatherChannelBlock`` for the choice).
let broadcastTapBlock = 6
#else
/// Channels computed together by one gather register block: 2, so the
/// accumulators (2 × 16 lanes = 8 SSE registers) fit the 16 registers of the
/// default x86-64 build without spilling. Builds for AVX2 or AVX-512 are
/// faster with 6 (compile with `-DSFLKIT_WIDE_REGISTERS`).
let gatherChannelBlock = 2

/// Taps the channel-vector weight gradient accumulates together (16-lane
/// accumulators; see ``gatherChannelBlock`` for the choice).
let broadcastTapBlock = 2
#endif

/// Runs a *tap program* over 16 consecutive pixels and stores the result:
/// for each of `outputs` (≤ 6) channels `k`,
/// `destination[k·channelStride + lane] = initial[k] + Σ_t source[offsets[t] + lane] · weights[B·t + k]`,
/// `B = gatherChannelBlock`,
/// for `lane` in `0..<lanes`; when `accumulate` is true the current
/// destination values take the place of `initial`.
///
/// The forward pass and the input gradient are both such gathers, with
/// different offsets (see ``conv2DForward(input:weight:bias:output:geometry:threads:rectify:positiveBits:)``).
///
/// - Parameters:
///   - source: base of the gather; `source[offsets[t] ..< offsets[t] + 16]`
///     must be readable for every `t`.
///   - offsets: `count` offsets.
///   - weights: `count × B` weights, `B` per tap (one per channel; entries
///     beyond `outputs` are ignored).
///   - initial: `outputs` starting values (the bias), or `nil` for zeros.
///   - accumulate: whether to add to the values already in `destination`.
///   - destination: first pixel of channel 0; channel `k` starts at
///     `destination + k·channelStride`.
///   - lanes: pixels to store, `1...16`.
///   - rectify: whether to store `max(sum, 0)` (a fused ReLU) instead of the sum.
@inline(__always)
func gatherTapProgram<S: TensorScalar, Outputs: BlockCount>(
    source: UnsafePointer<S>, offsets: UnsafePointer<Int>, weights: UnsafePointer<S>,
    count: Int, initial: UnsafePointer<S>?, accumulate: Bool, outputs _: Outputs.Type,
    destination: UnsafeMutablePointer<S>, channelStride: Int, lanes: Int, rectify: Bool
) {
    let outputs = Outputs.value
    var a0 = SIMD16<S>(), a1 = SIMD16<S>(), a2 = SIMD16<S>(), a3 = SIMD16<S>(), a4 = SIMD16<S>(), a5 = SIMD16<S>()
    if accumulate {
        a0 = loadVector(destination, count: lanes)
        if outputs > 1 { a1 = loadVector(destination + channelStride, count: lanes) }
        if outputs > 2 { a2 = loadVector(destination + 2 * channelStride, count: lanes) }
        if outputs > 3 { a3 = loadVector(destination + 3 * channelStride, count: lanes) }
        if outputs > 4 { a4 = loadVector(destination + 4 * channelStride, count: lanes) }
        if outputs > 5 { a5 = loadVector(destination + 5 * channelStride, count: lanes) }
    } else if let initial {
        a0 = SIMD16(repeating: initial[0])
        if outputs > 1 { a1 = SIMD16(repeating: initial[1]) }
        if outputs > 2 { a2 = SIMD16(repeating: initial[2]) }
        if outputs > 3 { a3 = SIMD16(repeating: initial[3]) }
        if outputs > 4 { a4 = SIMD16(repeating: initial[4]) }
        if outputs > 5 { a5 = SIMD16(repeating: initial[5]) }
    }
    var w = weights
    for t in 0..<count {
        let v = loadVector(source + offsets[t])
        multiplyAdd(&a0, v, SIMD16(repeating: w[0]))
        if outputs > 1 { multiplyAdd(&a1, v, SIMD16(repeating: w[1])) }
        if outputs > 2 { multiplyAdd(&a2, v, SIMD16(repeating: w[2])) }
        if outputs > 3 { multiplyAdd(&a3, v, SIMD16(repeating: w[3])) }
        if outputs > 4 { multiplyAdd(&a4, v, SIMD16(repeating: w[4])) }
        if outputs > 5 { multiplyAdd(&a5, v, SIMD16(repeating: w[5])) }
        w += gatherChannelBlock
    }
    if rectify {
        a0 = rectified(a0)
        if outputs > 1 { a1 = rectified(a1) }
        if outputs > 2 { a2 = rectified(a2) }
        if outputs > 3 { a3 = rectified(a3) }
        if outputs > 4 { a4 = rectified(a4) }
        if outputs > 5 { a5 = rectified(a5) }
    }
    storeVector(a0, to: destination, count: lanes)
    if outputs > 1 { storeVector(a1, to: destination + channelStride, count: lanes) }
    if outputs > 2 { storeVector(a2, to: destination + 2 * channelStride, count: lanes) }
    if outputs > 3 { storeVector(a3, to: destination + 3 * channelStride, count: lanes) }
    if outputs > 4 { storeVector(a4, to: destination + 4 * channelStride, count: lanes) }
    if outputs > 5 { storeVector(a5, to: destination + 5 * channelStride, count: lanes) }
}

/// ``gatherTapProgram(source:offsets:weights:count:initial:accumulate:outputs:destination:channelStride:lanes:rectify:)``
/// with `outputs` (1...6) and `rectify` turned into compile-time constants,
/// so that neither costs a register in the loop (a live `rectify` flag made
/// the baseline build's gathers 13–20 % slower).
@inline(__always)
func gatherTapProgram<S: TensorScalar>(outputs: Int, source: UnsafePointer<S>, offsets: UnsafePointer<Int>,
                                       weights: UnsafePointer<S>, count: Int, initial: UnsafePointer<S>?,
                                       accumulate: Bool = false, destination: UnsafeMutablePointer<S>, channelStride: Int, lanes: Int,
                                       rectify: Bool = false) {
    @inline(__always) func run<Outputs: BlockCount>(_ block: Outputs.Type, rectify: Bool) {
        gatherTapProgram(source: source, offsets: offsets, weights: weights, count: count, initial: initial, accumulate: accumulate,
                         outputs: block, destination: destination, channelStride: channelStride, lanes: lanes, rectify: rectify)
    }
    @inline(__always) func dispatch(rectify: Bool) {
        switch outputs {
        #if SFLKIT_WIDE_REGISTERS   // the baseline build's blocks stop at 2: no dead copies in its loops
        case 6: run(BlockOf6.self, rectify: rectify)
        case 5: run(BlockOf5.self, rectify: rectify)
        case 4: run(BlockOf4.self, rectify: rectify)
        case 3: run(BlockOf3.self, rectify: rectify)
        #endif
        case 2: run(BlockOf2.self, rectify: rectify)
        case 1: run(BlockOf1.self, rectify: rectify)
        default: preconditionFailure("gatherTapProgram: no register block for \(outputs) outputs")
        }
    }
    if rectify { dispatch(rectify: true) } else { dispatch(rectify: false) }
}

#if SFLKIT_WIDE_REGISTERS
/// Output channels up to which the forward gather takes 32 pixels (two
/// vectors) per register block instead of 16, in wide-register builds:
/// 3 channels × 2 vectors are the same 12 accumulators as 6 × 1, where 16
/// pixels of 3 channels would leave the multiply-add units waiting.
let wideGatherChannels = 3

/// ``gatherTapProgram(outputs:source:offsets:weights:count:initial:accumulate:destination:channelStride:lanes:rectify:)``
/// for 32 consecutive pixels (all of them stored) and `outputs ≤ 3`
/// channels, in 8-lane vectors: per tap, up to three broadcast weights, then
/// one pixel vector at a time for each of them (12 accumulators, 3 weights
/// and 1 pixel vector are the 16 registers; loading 32 pixels at once
/// spilled).
@inline(__always)
func gatherTapProgramWide<S: TensorScalar, Outputs: BlockCount>(
    source: UnsafePointer<S>, offsets: UnsafePointer<Int>, weights: UnsafePointer<S>,
    count: Int, initial: UnsafePointer<S>?, accumulate: Bool, outputs _: Outputs.Type,
    destination: UnsafeMutablePointer<S>, channelStride: Int, rectify: Bool
) {
    typealias V = SIMD8<S>
    let outputs = Outputs.value
    @inline(__always) func load(_ pointer: UnsafePointer<S>) -> V { UnsafeRawPointer(pointer).loadUnaligned(as: V.self) }
    @inline(__always) func store(_ vector: V, _ pointer: UnsafeMutablePointer<S>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: rectify ? rectified(vector) : vector, as: V.self)
    }
    var a0 = V(), a1 = V(), a2 = V(), a3 = V()
    var b0 = V(), b1 = V(), b2 = V(), b3 = V()
    var c0 = V(), c1 = V(), c2 = V(), c3 = V()
    let d0 = destination, d1 = destination + channelStride, d2 = destination + 2 * channelStride
    if accumulate {
        a0 = load(d0); a1 = load(d0 + 8); a2 = load(d0 + 16); a3 = load(d0 + 24)
        if outputs > 1 { b0 = load(d1); b1 = load(d1 + 8); b2 = load(d1 + 16); b3 = load(d1 + 24) }
        if outputs > 2 { c0 = load(d2); c1 = load(d2 + 8); c2 = load(d2 + 16); c3 = load(d2 + 24) }
    } else if let initial {
        a0 = V(repeating: initial[0]); a1 = a0; a2 = a0; a3 = a0
        if outputs > 1 { b0 = V(repeating: initial[1]); b1 = b0; b2 = b0; b3 = b0 }
        if outputs > 2 { c0 = V(repeating: initial[2]); c1 = c0; c2 = c0; c3 = c0 }
    }
    var w = weights
    for t in 0..<count {
        let at = source + offsets[t]
        let w0 = V(repeating: w[0])
        let w1 = outputs > 1 ? V(repeating: w[1]) : V()
        let w2 = outputs > 2 ? V(repeating: w[2]) : V()
        @inline(__always) func quarter(_ p: V, _ a: inout V, _ b: inout V, _ c: inout V) {
            multiplyAdd(&a, p, w0)
            if outputs > 1 { multiplyAdd(&b, p, w1) }
            if outputs > 2 { multiplyAdd(&c, p, w2) }
        }
        quarter(load(at), &a0, &b0, &c0)
        quarter(load(at + 8), &a1, &b1, &c1)
        quarter(load(at + 16), &a2, &b2, &c2)
        quarter(load(at + 24), &a3, &b3, &c3)
        w += gatherChannelBlock
    }
    store(a0, d0); store(a1, d0 + 8); store(a2, d0 + 16); store(a3, d0 + 24)
    if outputs > 1 { store(b0, d1); store(b1, d1 + 8); store(b2, d1 + 16); store(b3, d1 + 24) }
    if outputs > 2 { store(c0, d2); store(c1, d2 + 8); store(c2, d2 + 16); store(c3, d2 + 24) }
}

/// ``gatherTapProgramWide(source:offsets:weights:count:initial:accumulate:outputs:destination:channelStride:rectify:)``
/// with `outputs` (1...3) and `rectify` turned into compile-time constants.
@inline(__always)
func gatherTapProgramWide<S: TensorScalar>(outputs: Int, source: UnsafePointer<S>, offsets: UnsafePointer<Int>,
                                           weights: UnsafePointer<S>, count: Int, initial: UnsafePointer<S>?,
                                           accumulate: Bool, destination: UnsafeMutablePointer<S>, channelStride: Int,
                                           rectify: Bool) {
    @inline(__always) func run<Outputs: BlockCount>(_ block: Outputs.Type, rectify: Bool) {
        gatherTapProgramWide(source: source, offsets: offsets, weights: weights, count: count, initial: initial,
                             accumulate: accumulate, outputs: block, destination: destination, channelStride: channelStride,
                             rectify: rectify)
    }
    @inline(__always) func dispatch(rectify: Bool) {
        switch outputs {
        case 3: run(BlockOf3.self, rectify: rectify)
        case 2: run(BlockOf2.self, rectify: rectify)
        case 1: run(BlockOf1.self, rectify: rectify)
        default: preconditionFailure("gatherTapProgramWide: no register block for \(outputs) outputs")
        }
    }
    if rectify { dispatch(rectify: true) } else { dispatch(rectify: false) }
}
#else
/// Output channels up to which the forward gather takes 32 pixels per
/// register block: none in the baseline build, whose 16 registers hold only
/// 2 channels × 16 pixels of accumulators.
let wideGatherChannels = 0

/// Never called in the baseline build (``wideGatherChannels`` is 0); keeps
/// the forward pass's source free of build conditions.
@inline(__always)
func gatherTapProgramWide<S: TensorScalar>(outputs: Int, source: UnsafePointer<S>, offsets: UnsafePointer<Int>,
                                           weights: UnsafePointer<S>, count: Int, initial: UnsafePointer<S>?,
                                           accumulate: Bool, destination: UnsafeMutablePointer<S>, channelStride: Int,
                                           rectify: Bool) {
    preconditionFailure("gatherTapProgramWide: no wide register block in the baseline build")
}
#endif

#if SFLKIT_WIDE_REGISTERS
/// The vector of ``correlateRows(outputs:taps:gradients:gradientRowStride:input:inputRowStride:tapOffsets:rows:width:sums:)``:
/// 8 lanes, so that its 3 × 3 accumulators are 9 of the 16 wide registers.
typealias CorrelationVector<S: TensorScalar> = SIMD8<S>
#else
/// The vector of ``correlateRows(outputs:taps:gradients:gradientRowStride:input:inputRowStride:tapOffsets:rows:width:sums:)``:
/// 4 lanes (one SSE register of `Float`), so that its 3 × 3 accumulators
/// fit the baseline build's 16 registers.
typealias CorrelationVector<S: TensorScalar> = SIMD4<S>
#endif

/// The nine accumulators of a correlation register block (`s` + output +
/// tap or input row), loaded from and stored to nine consecutive vectors.
struct CorrelationSums<S: TensorScalar> {
    var s00, s01, s02, s10, s11, s12, s20, s21, s22: CorrelationVector<S>

    /// The sums at `sums[0 ..< 9]`.
    @inline(__always)
    init(_ sums: UnsafePointer<CorrelationVector<S>>) {
        s00 = sums[0]; s01 = sums[1]; s02 = sums[2]
        s10 = sums[3]; s11 = sums[4]; s12 = sums[5]
        s20 = sums[6]; s21 = sums[7]; s22 = sums[8]
    }

    /// Writes the sums back to `sums[0 ..< 9]`.
    @inline(__always)
    func store(to sums: UnsafeMutablePointer<CorrelationVector<S>>) {
        sums[0] = s00; sums[1] = s01; sums[2] = s02
        sums[3] = s10; sums[4] = s11; sums[5] = s12
        sums[6] = s20; sums[7] = s21; sums[8] = s22
    }

    /// Adds the lane-wise products of up to three gradient vectors `u, v, w`
    /// (one per output, `Outputs.value` of them live) with up to three input
    /// vectors `p, q, r` (`Columns.value` live): `s[k][t] += gradient_k · input_t`.
    /// Vectors beyond the live counts are ignored.
    @inline(__always)
    mutating func addProducts<Outputs: BlockCount, Columns: BlockCount>(
        _: Outputs.Type, _: Columns.Type,
        gradients u: CorrelationVector<S>, _ v: CorrelationVector<S>, _ w: CorrelationVector<S>,
        inputs p: CorrelationVector<S>, _ q: CorrelationVector<S>, _ r: CorrelationVector<S>
    ) {
        let outputs = Outputs.value, columns = Columns.value
        multiplyAdd(&s00, u, p)
        if outputs > 1 { multiplyAdd(&s10, v, p) }
        if outputs > 2 { multiplyAdd(&s20, w, p) }
        if columns > 1 {
            multiplyAdd(&s01, u, q)
            if outputs > 1 { multiplyAdd(&s11, v, q) }
            if outputs > 2 { multiplyAdd(&s21, w, q) }
        }
        if columns > 2 {
            multiplyAdd(&s02, u, r)
            if outputs > 1 { multiplyAdd(&s12, v, r) }
            if outputs > 2 { multiplyAdd(&s22, w, r) }
        }
    }
}

/// Adds to `sums` the lane-wise products of up to three gradient rows with
/// up to three shifted input rows, over `rows` rows and `width` columns:
/// `sums[3k + t] += Σ_{r, x} gradient_k[r·gradientRowStride + x] · input[r·inputRowStride + tapOffsets[t] + x]`
/// as ``CorrelationVector`` lanes (`x` steps by the vector width), for
/// `k < outputs ≤ 3`, `t < taps ≤ 3`: nine independent accumulators, enough
/// to keep both multiply-add units busy, for six loads.
///
/// - Requires: `width` is a multiple of the vector width; all addressed scalars readable.
func correlateRows<S: TensorScalar, Outputs: BlockCount, Taps: BlockCount>(
                                    outputs _: Outputs.Type, taps _: Taps.Type,
                                    gradients: (UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>),
                                    gradientRowStride: Int, input: UnsafePointer<S>, inputRowStride: Int,
                                    tapOffsets: (Int, Int, Int), rows: Int, width: Int,
                                    sums: UnsafeMutablePointer<CorrelationVector<S>>) {
    typealias V = CorrelationVector<S>
    let outputs = Outputs.value, taps = Taps.value, step = V.scalarCount
    @inline(__always) func load(_ pointer: UnsafePointer<S>) -> V { UnsafeRawPointer(pointer).loadUnaligned(as: V.self) }
    var s = CorrelationSums(sums)
    var g0 = gradients.0, g1 = gradients.1, g2 = gradients.2
    var i0 = input + tapOffsets.0, i1 = input + tapOffsets.1, i2 = input + tapOffsets.2
    for _ in 0..<rows {
        var x = 0
        while x < width {
            s.addProducts(Outputs.self, Taps.self,
                          gradients: load(g0 + x), outputs > 1 ? load(g1 + x) : V(), outputs > 2 ? load(g2 + x) : V(),
                          inputs: load(i0 + x), taps > 1 ? load(i1 + x) : V(), taps > 2 ? load(i2 + x) : V())
            x += step
        }
        g0 += gradientRowStride; g1 += gradientRowStride; g2 += gradientRowStride
        i0 += inputRowStride; i1 += inputRowStride; i2 += inputRowStride
    }
    s.store(to: sums)
}

/// ``correlateRows(outputs:taps:gradients:gradientRowStride:input:inputRowStride:tapOffsets:rows:width:sums:)``
/// with `outputs` (1...3) and `taps` (1...3) turned into compile-time constants.
@inline(__always)
func correlateRowsDispatch<S: TensorScalar>(outputs: Int, taps: Int,
                                            gradients: (UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>),
                                            gradientRowStride: Int, input: UnsafePointer<S>, inputRowStride: Int,
                                            tapOffsets: (Int, Int, Int), rows: Int, width: Int,
                                            sums: UnsafeMutablePointer<CorrelationVector<S>>) {
    @inline(__always) func run<Outputs: BlockCount, Taps: BlockCount>(_ o: Outputs.Type, _ t: Taps.Type) {
        correlateRows(outputs: o, taps: t, gradients: gradients, gradientRowStride: gradientRowStride, input: input,
                      inputRowStride: inputRowStride, tapOffsets: tapOffsets, rows: rows, width: width, sums: sums)
    }
    switch (outputs, taps) {
    case (3, 3): run(BlockOf3.self, BlockOf3.self)
    case (3, 2): run(BlockOf3.self, BlockOf2.self)
    case (3, 1): run(BlockOf3.self, BlockOf1.self)
    case (2, 3): run(BlockOf2.self, BlockOf3.self)
    case (2, 2): run(BlockOf2.self, BlockOf2.self)
    case (2, 1): run(BlockOf2.self, BlockOf1.self)
    case (1, 3): run(BlockOf1.self, BlockOf3.self)
    case (1, 2): run(BlockOf1.self, BlockOf2.self)
    case (1, 1): run(BlockOf1.self, BlockOf1.self)
    default: preconditionFailure("correlateRows: no register block for \(outputs) outputs × \(taps) taps")
    }
}

/// Adds to `sums` the lane-wise products of up to three input rows, read
/// where they lie, with up to three gradient rows, over `rows` rows of
/// `fullVectors` whole vectors and, when `hasTail`, one more vector taken
/// from each input row's *tail*:
/// `sums[3k + m] += Σ_{r, x} input_m[r·inputRowStride + x] · gradient_k[r·gradientRowStride + x]`
/// for `k < outputs ≤ 3`, `m < inputRows ≤ 3`, where the whole vectors
/// are `x < fullVectors·V` and the tail vector is `tail_m[r·tailRowStride ..< + V]`
/// against `gradient_k[r·gradientRowStride + fullVectors·V ..< + V]`.
/// The transposed form of
/// ``correlateRows(outputs:taps:gradients:gradientRowStride:input:inputRowStride:tapOffsets:rows:width:sums:)``:
/// the column shift of a tap moves to the (zero-padded) gradient pointers
/// and the three input rows are three kernel rows, so the input needs no
/// padded copy; nine accumulators for six loads.
///
/// - Requires: every addressed scalar readable.
func correlateInputRows<S: TensorScalar, Outputs: BlockCount, InputRows: BlockCount>(
                                    outputs _: Outputs.Type, inputRows _: InputRows.Type,
                                    inputs: (UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>), inputRowStride: Int,
                                    tails: (UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>), tailRowStride: Int,
                                    gradients: (UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>),
                                    gradientRowStride: Int, rows: Int, fullVectors: Int, hasTail: Bool,
                                    sums: UnsafeMutablePointer<CorrelationVector<S>>) {
    typealias V = CorrelationVector<S>
    let outputs = Outputs.value, inputRows = InputRows.value, step = V.scalarCount
    @inline(__always) func load(_ pointer: UnsafePointer<S>) -> V { UnsafeRawPointer(pointer).loadUnaligned(as: V.self) }
    var s = CorrelationSums(sums)
    var i0 = inputs.0, i1 = inputs.1, i2 = inputs.2
    var t0 = tails.0, t1 = tails.1, t2 = tails.2
    var g0 = gradients.0, g1 = gradients.1, g2 = gradients.2
    @inline(__always) func accumulate(_ p: V, _ q: V, _ r: V, _ x: Int) {
        s.addProducts(Outputs.self, InputRows.self,
                      gradients: load(g0 + x), outputs > 1 ? load(g1 + x) : V(), outputs > 2 ? load(g2 + x) : V(),
                      inputs: p, q, r)
    }
    let end = fullVectors * step
    for _ in 0..<rows {
        var x = 0
        while x < end {
            accumulate(load(i0 + x), inputRows > 1 ? load(i1 + x) : V(), inputRows > 2 ? load(i2 + x) : V(), x)
            x += step
        }
        if hasTail { accumulate(load(t0), inputRows > 1 ? load(t1) : V(), inputRows > 2 ? load(t2) : V(), end) }
        i0 += inputRowStride; i1 += inputRowStride; i2 += inputRowStride
        t0 += tailRowStride; t1 += tailRowStride; t2 += tailRowStride
        g0 += gradientRowStride; g1 += gradientRowStride; g2 += gradientRowStride
    }
    s.store(to: sums)
}

/// ``correlateInputRows(outputs:inputRows:inputs:inputRowStride:tails:tailRowStride:gradients:gradientRowStride:rows:fullVectors:hasTail:sums:)``
/// with `outputs` (1...3) and `inputRows` (1...3) turned into compile-time constants.
@inline(__always)
func correlateInputRowsDispatch<S: TensorScalar>(outputs: Int, inputRows: Int,
                                                 inputs: (UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>),
                                                 inputRowStride: Int,
                                                 tails: (UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>),
                                                 tailRowStride: Int,
                                                 gradients: (UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>),
                                                 gradientRowStride: Int, rows: Int, fullVectors: Int, hasTail: Bool,
                                                 sums: UnsafeMutablePointer<CorrelationVector<S>>) {
    @inline(__always) func run<Outputs: BlockCount, InputRows: BlockCount>(_ o: Outputs.Type, _ m: InputRows.Type) {
        correlateInputRows(outputs: o, inputRows: m, inputs: inputs, inputRowStride: inputRowStride, tails: tails,
                           tailRowStride: tailRowStride, gradients: gradients, gradientRowStride: gradientRowStride,
                           rows: rows, fullVectors: fullVectors, hasTail: hasTail, sums: sums)
    }
    switch (outputs, inputRows) {
    case (3, 3): run(BlockOf3.self, BlockOf3.self)
    case (3, 2): run(BlockOf3.self, BlockOf2.self)
    case (3, 1): run(BlockOf3.self, BlockOf1.self)
    case (2, 3): run(BlockOf2.self, BlockOf3.self)
    case (2, 2): run(BlockOf2.self, BlockOf2.self)
    case (2, 1): run(BlockOf2.self, BlockOf1.self)
    case (1, 3): run(BlockOf1.self, BlockOf3.self)
    case (1, 2): run(BlockOf1.self, BlockOf2.self)
    case (1, 1): run(BlockOf1.self, BlockOf1.self)
    default: preconditionFailure("correlateInputRows: no register block for \(outputs) outputs × \(inputRows) input rows")
    }
}

/// Adds to up to six channel-vector accumulators the products of a run of
/// 16-channel gradient vectors with broadcast input scalars:
/// `sums[k] += Σ_{r < rows, x < width} gradient[r·gradientRowStride + 16x ..< +16] ·
/// input[offsets[k] + r·inputRowStride + x·inputPixelStride]` for `k < taps ≤ 6`.
///
/// This is the weight gradient with the 16 lanes holding 16 output channels:
/// `gradient` is a pixel-major, channel-minor copy of the output gradient,
/// and the input is read in place (`inputPixelStride` is the stride) or from
/// a strip.
///
/// - Requires: every addressed scalar readable.
func broadcastTaps<S: TensorScalar, Taps: BlockCount>(taps _: Taps.Type, gradient: UnsafePointer<S>, gradientRowStride: Int,
                                                      input: UnsafePointer<S>, inputPixelStride: Int,
                                                      offsets: UnsafePointer<Int>, inputRowStride: Int, rows: Int, width: Int,
                                                      sums: UnsafeMutablePointer<SIMD16<S>>) {
    let taps = Taps.value
    var s0 = sums[0], s1 = taps > 1 ? sums[1] : SIMD16<S>()
    var s2 = taps > 2 ? sums[2] : SIMD16<S>(), s3 = taps > 3 ? sums[3] : SIMD16<S>()
    var s4 = taps > 4 ? sums[4] : SIMD16<S>(), s5 = taps > 5 ? sums[5] : SIMD16<S>()
    var i0 = input + offsets[0]
    var i1 = taps > 1 ? input + offsets[1] : i0
    var i2 = taps > 2 ? input + offsets[2] : i0
    var i3 = taps > 3 ? input + offsets[3] : i0
    var i4 = taps > 4 ? input + offsets[4] : i0
    var i5 = taps > 5 ? input + offsets[5] : i0
    var gradientRow = gradient
    for _ in 0..<rows {
        var v = gradientRow, column = 0
        for _ in 0..<width {
            let u = loadVector(v)
            multiplyAdd(&s0, u, SIMD16(repeating: i0[column]))
            if taps > 1 { multiplyAdd(&s1, u, SIMD16(repeating: i1[column])) }
            if taps > 2 { multiplyAdd(&s2, u, SIMD16(repeating: i2[column])) }
            if taps > 3 { multiplyAdd(&s3, u, SIMD16(repeating: i3[column])) }
            if taps > 4 { multiplyAdd(&s4, u, SIMD16(repeating: i4[column])) }
            if taps > 5 { multiplyAdd(&s5, u, SIMD16(repeating: i5[column])) }
            v += 16
            column += inputPixelStride
        }
        gradientRow += gradientRowStride
        i0 += inputRowStride; i1 += inputRowStride; i2 += inputRowStride; i3 += inputRowStride
        i4 += inputRowStride; i5 += inputRowStride
    }
    sums[0] = s0
    if taps > 1 { sums[1] = s1 }
    if taps > 2 { sums[2] = s2 }
    if taps > 3 { sums[3] = s3 }
    if taps > 4 { sums[4] = s4 }
    if taps > 5 { sums[5] = s5 }
}

/// ``broadcastTaps(taps:gradient:gradientRowStride:input:inputPixelStride:offsets:inputRowStride:rows:width:sums:)``
/// with `taps` (1...6) turned into a compile-time constant.
@inline(__always)
func broadcastTapsDispatch<S: TensorScalar>(taps: Int, gradient: UnsafePointer<S>, gradientRowStride: Int,
                                            input: UnsafePointer<S>, inputPixelStride: Int,
                                            offsets: UnsafePointer<Int>, inputRowStride: Int, rows: Int, width: Int,
                                            sums: UnsafeMutablePointer<SIMD16<S>>) {
    @inline(__always) func run<Taps: BlockCount>(_ block: Taps.Type) {
        broadcastTaps(taps: block, gradient: gradient, gradientRowStride: gradientRowStride, input: input,
                      inputPixelStride: inputPixelStride, offsets: offsets, inputRowStride: inputRowStride, rows: rows,
                      width: width, sums: sums)
    }
    switch taps {
    #if SFLKIT_WIDE_REGISTERS   // the baseline build's blocks stop at 2: no dead copies
    case 6: run(BlockOf6.self)
    case 5: run(BlockOf5.self)
    case 4: run(BlockOf4.self)
    case 3: run(BlockOf3.self)
    #endif
    case 2: run(BlockOf2.self)
    case 1: run(BlockOf1.self)
    default: preconditionFailure("broadcastTaps: no register block for \(taps) taps")
    }
}

/// Adds a run of taps to up to six pixels' channel vectors, with the pixels'
/// input scalars broadcast: `sums[p·sumsStride ..< p·sumsStride + 16] +=
/// Σ_{t < count} weights[16t ..< 16t + 16] · source[p·pixelStride + offsets[t]]`
/// for `p < pixels ≤ 6`, starting from zeros instead of the current sums
/// when `accumulate` is false.
///
/// This is the forward pass with the 16 lanes holding 16 output channels
/// (``conv2DForwardByChannelVectors(input:weights:output:geometry:threads:rectify:)``),
/// and the strided input gradient with 16 input channels in the lanes: the
/// source is read where it lies, one scalar per pixel and tap, whatever the
/// stride, and `sums` is a pixel-major row of partial sums.
///
/// - Requires: every addressed scalar readable; the sums writable.
@inline(__always)
func broadcastPixels<S: TensorScalar, Pixels: BlockCount>(
    pixels _: Pixels.Type, source: UnsafePointer<S>, pixelStride: Int, offsets: UnsafePointer<Int>,
    weights: UnsafePointer<S>, count: Int, sums: UnsafeMutablePointer<S>, sumsStride: Int, accumulate: Bool
) {
    let pixels = Pixels.value, lanes = kernelVectorWidth
    @inline(__always) func initial(_ p: Int) -> SIMD16<S> {
        accumulate && pixels > p ? loadVector(sums + p * sumsStride) : SIMD16<S>()
    }
    var s0 = initial(0), s1 = initial(1), s2 = initial(2), s3 = initial(3), s4 = initial(4), s5 = initial(5)
    let p0 = source, p1 = source + pixelStride, p2 = source + 2 * pixelStride
    let p3 = source + 3 * pixelStride, p4 = source + 4 * pixelStride, p5 = source + 5 * pixelStride
    var w = weights
    for t in 0..<count {
        let offset = offsets[t]
        let v = loadVector(w)
        multiplyAdd(&s0, v, SIMD16(repeating: p0[offset]))
        if pixels > 1 { multiplyAdd(&s1, v, SIMD16(repeating: p1[offset])) }
        if pixels > 2 { multiplyAdd(&s2, v, SIMD16(repeating: p2[offset])) }
        if pixels > 3 { multiplyAdd(&s3, v, SIMD16(repeating: p3[offset])) }
        if pixels > 4 { multiplyAdd(&s4, v, SIMD16(repeating: p4[offset])) }
        if pixels > 5 { multiplyAdd(&s5, v, SIMD16(repeating: p5[offset])) }
        w += lanes
    }
    storeVector(s0, to: sums)
    if pixels > 1 { storeVector(s1, to: sums + sumsStride) }
    if pixels > 2 { storeVector(s2, to: sums + 2 * sumsStride) }
    if pixels > 3 { storeVector(s3, to: sums + 3 * sumsStride) }
    if pixels > 4 { storeVector(s4, to: sums + 4 * sumsStride) }
    if pixels > 5 { storeVector(s5, to: sums + 5 * sumsStride) }
}

/// ``broadcastPixels(pixels:source:pixelStride:offsets:weights:count:sums:sumsStride:accumulate:)``
/// over a run of `pixels` pixels (any count), in register blocks of
/// ``broadcastTapBlock`` pixels (for `Float`, the same 12 or 8 accumulator
/// registers as the weight gradient's taps) and a smaller last block; `accumulate` is
/// made a compile-time constant.
@inline(__always)
func broadcastPixelRun<S: TensorScalar>(pixels: Int, source: UnsafePointer<S>, pixelStride: Int, offsets: UnsafePointer<Int>,
                                        weights: UnsafePointer<S>, count: Int, sums: UnsafeMutablePointer<S>,
                                        sumsStride: Int, accumulate: Bool) {
    @inline(__always) func run<Pixels: BlockCount>(_ block: Pixels.Type, _ p: Int, accumulate: Bool) {
        broadcastPixels(pixels: block, source: source + p * pixelStride, pixelStride: pixelStride, offsets: offsets,
                        weights: weights, count: count, sums: sums + p * sumsStride, sumsStride: sumsStride,
                        accumulate: accumulate)
    }
    @inline(__always) func dispatch(accumulate: Bool) {
        var p = 0
        while p < pixels {
            let block = min(broadcastTapBlock, pixels - p)
            switch block {
            #if SFLKIT_WIDE_REGISTERS   // the baseline build's blocks stop at 2: no dead copies
            case 6: run(BlockOf6.self, p, accumulate: accumulate)
            case 5: run(BlockOf5.self, p, accumulate: accumulate)
            case 4: run(BlockOf4.self, p, accumulate: accumulate)
            case 3: run(BlockOf3.self, p, accumulate: accumulate)
            #endif
            case 2: run(BlockOf2.self, p, accumulate: accumulate)
            default: run(BlockOf1.self, p, accumulate: accumulate)
            }
            p += block
        }
    }
    if accumulate { dispatch(accumulate: true) } else { dispatch(accumulate: false) }
}
