// The multiply-add of the convolution kernels' inner loops, in one place so
// that a build can choose its instruction.

/// Adds `a · b` to `accumulator`, lane-wise.
///
/// By default a multiply and an add: the baseline x86-64 target has no fused
/// multiply-add instruction, and `addProduct` there falls back to a software
/// routine about 50× slower (measured; see the README's Speed section). A build for a CPU that has
/// the instruction can opt in with
/// `-Xswiftc -target-cpu -Xswiftc native -Xswiftc -DSFLKIT_FUSED_MULTIPLY_ADD`:
/// one instruction instead of two, which relieves the instruction front end
/// of the register-blocked kernels (the rounding changes slightly: one
/// rounding instead of two).
@inline(__always)
func multiplyAdd<V: SIMD>(_ accumulator: inout V, _ a: V, _ b: V) where V.Scalar: FloatingPoint {
    #if SFLKIT_FUSED_MULTIPLY_ADD
    accumulator.addProduct(a, b)
    #else
    accumulator += a * b
    #endif
}
