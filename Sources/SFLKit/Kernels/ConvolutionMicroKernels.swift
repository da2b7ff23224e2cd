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
/// different offsets (see ``conv2DForward(input:weight:bias:output:geometry:threads:rectify:)``).
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

/// Adds to `sums` the lane-wise products of up to two gradient rows with up
/// to three shifted input rows, over `rows` rows and `width` columns:
/// `sums[3k + t] += Σ_{r, x} gradient_k[r·gradientRowStride + x] · input[r·inputRowStride + tapOffsets[t] + x]`
/// as 16-lane vectors (`x` steps by 16), for `k < outputs ≤ 2`, `t < taps ≤ 3`.
///
/// - Requires: `width` is a multiple of 16; all addressed scalars readable.
func correlateRows<S: TensorScalar, Outputs: BlockCount, Taps: BlockCount>(
                                    outputs _: Outputs.Type, taps _: Taps.Type, gradient0: UnsafePointer<S>, gradient1: UnsafePointer<S>,
                                    gradientRowStride: Int, input: UnsafePointer<S>, inputRowStride: Int,
                                    tapOffsets: (Int, Int, Int), rows: Int, width: Int,
                                    sums: UnsafeMutablePointer<SIMD16<S>>) {
    let outputs = Outputs.value, taps = Taps.value
    var s00 = sums[0], s01 = sums[1], s02 = sums[2]
    var s10 = sums[3], s11 = sums[4], s12 = sums[5]
    var g0 = gradient0, g1 = gradient1
    var i0 = input + tapOffsets.0, i1 = input + tapOffsets.1, i2 = input + tapOffsets.2
    for _ in 0..<rows {
        var x = 0
        while x < width {
            let u = loadVector(g0 + x)
            let p = loadVector(i0 + x)
            multiplyAdd(&s00, u, p)
            if outputs > 1 {
                let v = loadVector(g1 + x)
                multiplyAdd(&s10, v, p)
                if taps > 1 { let q = loadVector(i1 + x); multiplyAdd(&s01, u, q); multiplyAdd(&s11, v, q) }
                if taps > 2 { let r = loadVector(i2 + x); multiplyAdd(&s02, u, r); multiplyAdd(&s12, v, r) }
            } else {
                if taps > 1 { multiplyAdd(&s01, u, loadVector(i1 + x)) }
                if taps > 2 { multiplyAdd(&s02, u, loadVector(i2 + x)) }
            }
            x += 16
        }
        g0 += gradientRowStride; g1 += gradientRowStride
        i0 += inputRowStride; i1 += inputRowStride; i2 += inputRowStride
    }
    sums[0] = s00; sums[1] = s01; sums[2] = s02
    sums[3] = s10; sums[4] = s11; sums[5] = s12
}

/// ``correlateRows(outputs:taps:gradient0:gradient1:gradientRowStride:input:inputRowStride:tapOffsets:rows:width:sums:)``
/// with `outputs` (1...2) and `taps` (1...3) turned into compile-time constants.
@inline(__always)
func correlateRowsDispatch<S: TensorScalar>(outputs: Int, taps: Int, gradient0: UnsafePointer<S>, gradient1: UnsafePointer<S>,
                                            gradientRowStride: Int, input: UnsafePointer<S>, inputRowStride: Int,
                                            tapOffsets: (Int, Int, Int), rows: Int, width: Int,
                                            sums: UnsafeMutablePointer<SIMD16<S>>) {
    switch (outputs, taps) {
    case (2, 3): correlateRows(outputs: BlockOf2.self, taps: BlockOf3.self, gradient0: gradient0, gradient1: gradient1, gradientRowStride: gradientRowStride,
                               input: input, inputRowStride: inputRowStride, tapOffsets: tapOffsets, rows: rows, width: width, sums: sums)
    case (2, 2): correlateRows(outputs: BlockOf2.self, taps: BlockOf2.self, gradient0: gradient0, gradient1: gradient1, gradientRowStride: gradientRowStride,
                               input: input, inputRowStride: inputRowStride, tapOffsets: tapOffsets, rows: rows, width: width, sums: sums)
    case (2, _): correlateRows(outputs: BlockOf2.self, taps: BlockOf1.self, gradient0: gradient0, gradient1: gradient1, gradientRowStride: gradientRowStride,
                               input: input, inputRowStride: inputRowStride, tapOffsets: tapOffsets, rows: rows, width: width, sums: sums)
    case (_, 3): correlateRows(outputs: BlockOf1.self, taps: BlockOf3.self, gradient0: gradient0, gradient1: gradient1, gradientRowStride: gradientRowStride,
                               input: input, inputRowStride: inputRowStride, tapOffsets: tapOffsets, rows: rows, width: width, sums: sums)
    case (_, 2): correlateRows(outputs: BlockOf1.self, taps: BlockOf2.self, gradient0: gradient0, gradient1: gradient1, gradientRowStride: gradientRowStride,
                               input: input, inputRowStride: inputRowStride, tapOffsets: tapOffsets, rows: rows, width: width, sums: sums)
    default: correlateRows(outputs: BlockOf1.self, taps: BlockOf1.self, gradient0: gradient0, gradient1: gradient1, gradientRowStride: gradientRowStride,
                           input: input, inputRowStride: inputRowStride, tapOffsets: tapOffsets, rows: rows, width: width, sums: sums)
    }
}

/// Adds to up to six channel-vector accumulators the products of a run of
/// 16-channel gradient vectors with broadcast input scalars:
/// `sums[k] += Σ_{r < rows, x < width} gradient[(r·width + x)·16 ..< +16] ·
/// input[offsets[k] + r·inputRowStride + x]` for `k < taps ≤ 6`.
///
/// This is the weight gradient with the 16 lanes holding 16 output channels:
/// `gradient` is a pixel-major, channel-minor copy of the output gradient.
///
/// - Requires: every addressed scalar readable.
func broadcastTaps<S: TensorScalar, Taps: BlockCount>(taps _: Taps.Type, gradient: UnsafePointer<S>, input: UnsafePointer<S>,
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
        var v = gradientRow
        for x in 0..<width {
            let u = loadVector(v)
            multiplyAdd(&s0, u, SIMD16(repeating: i0[x]))
            if taps > 1 { multiplyAdd(&s1, u, SIMD16(repeating: i1[x])) }
            if taps > 2 { multiplyAdd(&s2, u, SIMD16(repeating: i2[x])) }
            if taps > 3 { multiplyAdd(&s3, u, SIMD16(repeating: i3[x])) }
            if taps > 4 { multiplyAdd(&s4, u, SIMD16(repeating: i4[x])) }
            if taps > 5 { multiplyAdd(&s5, u, SIMD16(repeating: i5[x])) }
            v += 16
        }
        gradientRow += 16 * width
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

/// ``broadcastTaps(taps:gradient:input:offsets:inputRowStride:rows:width:sums:)``
/// with `taps` (1...6) turned into a compile-time constant.
@inline(__always)
func broadcastTapsDispatch<S: TensorScalar>(taps: Int, gradient: UnsafePointer<S>, input: UnsafePointer<S>,
                                            offsets: UnsafePointer<Int>, inputRowStride: Int, rows: Int, width: Int,
                                            sums: UnsafeMutablePointer<SIMD16<S>>) {
    switch taps {
    #if SFLKIT_WIDE_REGISTERS   // the baseline build's blocks stop at 2: no dead copies
    case 6: broadcastTaps(taps: BlockOf6.self, gradient: gradient, input: input, offsets: offsets, inputRowStride: inputRowStride,
                          rows: rows, width: width, sums: sums)
    case 5: broadcastTaps(taps: BlockOf5.self, gradient: gradient, input: input, offsets: offsets, inputRowStride: inputRowStride,
                          rows: rows, width: width, sums: sums)
    case 4: broadcastTaps(taps: BlockOf4.self, gradient: gradient, input: input, offsets: offsets, inputRowStride: inputRowStride,
                          rows: rows, width: width, sums: sums)
    case 3: broadcastTaps(taps: BlockOf3.self, gradient: gradient, input: input, offsets: offsets, inputRowStride: inputRowStride,
                          rows: rows, width: width, sums: sums)
    #endif
    case 2: broadcastTaps(taps: BlockOf2.self, gradient: gradient, input: input, offsets: offsets, inputRowStride: inputRowStride,
                          rows: rows, width: width, sums: sums)
    case 1: broadcastTaps(taps: BlockOf1.self, gradient: gradient, input: input, offsets: offsets, inputRowStride: inputRowStride,
                          rows: rows, width: width, sums: sums)
    default: preconditionFailure("broadcastTaps: no register block for \(taps) taps")
    }
}
