import Foundation

/// The element type of a ``Tensor``: `Float` for speed, `Double` for gradient
/// checks and reference comparisons.
///
/// The set of conforming types is closed: SFLKit provides `Float` and `Double`
/// and compiles a specialised copy of every kernel for each, inside the
/// library, so that `Tensor<Float>` runs at full speed when called from any
/// other module. Conforming any other type is a programmer error that stops
/// at its first operation.
public protocol TensorScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable, CustomStringConvertible
where RawSignificand: FixedWidthInteger {}

extension Float: TensorScalar {}

extension Double: TensorScalar {}

extension TensorScalar {
    /// The kernels specialised for this scalar type: one dynamic type check
    /// per operation, folded away wherever the type is known.
    static var kernels: KernelTable<Self> {
        if Self.self == Float.self { return unsafeBitCast(floatKernels, to: KernelTable<Self>.self) }
        if Self.self == Double.self { return unsafeBitCast(doubleKernels, to: KernelTable<Self>.self) }
        fatalError("SFLKit: tensors hold Float or Double, not \(Self.self)")
    }

    /// The natural exponential `eˣ` with the C library's precision (`expf` / `exp`).
    @inline(__always)
    static func exponential(_ x: Self) -> Self {
        if Self.self == Float.self { return unsafeBitCast(Foundation.expf(unsafeBitCast(x, to: Float.self)), to: Self.self) }
        return unsafeBitCast(Foundation.exp(unsafeBitCast(x, to: Double.self)), to: Self.self)
    }

    /// The natural logarithm (`logf` / `log`): `-∞` at zero, NaN below.
    @inline(__always)
    static func naturalLogarithm(_ x: Self) -> Self {
        if Self.self == Float.self { return unsafeBitCast(Foundation.logf(unsafeBitCast(x, to: Float.self)), to: Self.self) }
        return unsafeBitCast(Foundation.log(unsafeBitCast(x, to: Double.self)), to: Self.self)
    }

    /// The hyperbolic tangent (`tanhf` / `tanh`).
    @inline(__always)
    static func hyperbolicTangent(_ x: Self) -> Self {
        if Self.self == Float.self { return unsafeBitCast(Foundation.tanhf(unsafeBitCast(x, to: Float.self)), to: Self.self) }
        return unsafeBitCast(Foundation.tanh(unsafeBitCast(x, to: Double.self)), to: Self.self)
    }

    /// `x` raised to the power `y` (`powf` / `pow`).
    @inline(__always)
    static func power(_ x: Self, _ y: Self) -> Self {
        if Self.self == Float.self {
            return unsafeBitCast(Foundation.powf(unsafeBitCast(x, to: Float.self), unsafeBitCast(y, to: Float.self)), to: Self.self)
        }
        return unsafeBitCast(Foundation.pow(unsafeBitCast(x, to: Double.self), unsafeBitCast(y, to: Double.self)), to: Self.self)
    }
}
