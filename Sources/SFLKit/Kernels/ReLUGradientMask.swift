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

/// `mask[i] > 0 ? value[i] : 0` lane-wise: the ReLU's gradient `value` given
/// its output `mask`.
///
/// Integer bit operations, which compile to a few vector instructions in
/// every build (see ``rectified(_:)``): a lane passes when its mask bits, read
/// as a signed integer, lie in `1 ... bits(+∞)` — exactly the positive
/// numbers, `+∞` included, and no zero, negative number or NaN. Lanes that do
/// not pass become `+0`, as the unfused `v > 0 ? d : 0` gives.
@inline(__always)
func passingPositive<S: TensorScalar>(_ value: SIMD16<S>, mask: SIMD16<S>) -> SIMD16<S> {
    if S.self == Float.self {
        let bits = unsafeBitCast(mask, to: SIMD16<Int32>.self)
        let outside = ((bits &- 1) | (Int32(0x7F80_0000) &- bits)) &>> 31   // all ones unless 1 ≤ bits ≤ bits(+∞)
        return unsafeBitCast(unsafeBitCast(value, to: SIMD16<Int32>.self) & ~outside, to: SIMD16<S>.self)
    } else {
        let bits = unsafeBitCast(mask, to: SIMD16<Int64>.self)
        let outside = ((bits &- 1) | (Int64(0x7FF0_0000_0000_0000) &- bits)) &>> 63
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
