// The ReLU's gradient applied inside the backward convolution kernels.
//
// `conv2DReLU`'s pullback needs the output gradient where the output is
// positive and zero elsewhere. Rather than writing that masked gradient as a
// tensor (a full pass over three large arrays), the kernels that read the
// gradient take the rectified output as a mask and apply it as they copy the
// gradient into their own scratch. When the ReLU's output feeds exactly one
// convolution, the backward walk moves the mask further up: that
// convolution's input gradient applies it once as it stores the gradient,
// from the bits the ReLU's forward kernel recorded (PositiveBits.swift), and
// the ReLU's backward kernels read it unmasked.

/// All ones in the lanes of the `Float` bits `bits` that are not positive
/// (zeros, negative numbers, NaNs), zero in the positive ones (`+∞` included).
///
/// Integer bit operations, which compile to a few vector instructions in
/// every build (see ``rectified(_:)``): a number is positive exactly when
/// its bits, read as a signed integer, lie in `1 ... bits(+∞)`, that is when
/// `bits − 1` (which wraps `+0` to `−1`) lies in `0 ..< bits(+∞)`; adding 2²³
/// carries every larger non-negative value, and only those, into the sign.
/// Two additions and an or (LLVM had compiled the earlier
/// `(bits − 1) | (bits(+∞) − bits)` with four extra blends; no difference
/// measurable in an epoch, session 23).
@inline(__always)
func notPositiveLanes(_ bits: SIMD16<Int32>) -> SIMD16<Int32> {
    let below = bits &- 1
    return (below | (below &+ 0x0080_0000)) &>> 31
}

/// ``notPositiveLanes(_:)`` for the bits of `Double`s (2⁵² carries into the sign).
@inline(__always)
func notPositiveLanes(_ bits: SIMD16<Int64>) -> SIMD16<Int64> {
    let below = bits &- 1
    return (below | (below &+ 0x0010_0000_0000_0000)) &>> 63
}

/// `mask[i] > 0 ? value[i] : 0` lane-wise: the ReLU's gradient `value` given
/// its output `mask` (``notPositiveLanes(_:)``). Lanes that do not
/// pass become `+0`, as the unfused `v > 0 ? d : 0` gives.
@inline(__always)
func passingPositive<S: TensorScalar>(_ value: SIMD16<S>, mask: SIMD16<S>) -> SIMD16<S> {
    if S.self == Float.self {
        let outside = notPositiveLanes(unsafeBitCast(mask, to: SIMD16<Int32>.self))
        return unsafeBitCast(unsafeBitCast(value, to: SIMD16<Int32>.self) & ~outside, to: SIMD16<S>.self)
    } else {
        let outside = notPositiveLanes(unsafeBitCast(mask, to: SIMD16<Int64>.self))
        return unsafeBitCast(unsafeBitCast(value, to: SIMD16<Int64>.self) & ~outside, to: SIMD16<S>.self)
    }
}

/// Copies `count` scalars of `source` to `destination`, keeping each where
/// `mask` is positive and writing zero elsewhere (the ReLU's gradient); a
/// plain copy when `mask` is `nil`.
///
/// - Requires: `destination` does not overlap `source` or `mask`.
@inline(__always)
func copyGradient<S: TensorScalar>(_ source: UnsafePointer<S>, mask: UnsafePointer<S>?, count: Int,
                                   to destination: UnsafeMutablePointer<S>) {
    guard let mask else {
        destination.initialize(from: source, count: count)
        return
    }
    let width = kernelVectorWidth
    var i = 0
    while i + width <= count {
        storeVector(passingPositive(loadVector(source + i), mask: loadVector(mask + i)), to: destination + i)
        i += width
    }
    while i < count {
        destination[i] = mask[i] > 0 ? source[i] : 0
        i += 1
    }
}
