import Foundation

/// The element type of a ``Tensor``: `Float` for speed, `Double` for gradient
/// checks and reference comparisons.
///
/// The set of conforming types is closed: SFLKit provides `Float` and `Double`
/// and compiles a specialised copy of every kernel for each, inside the
/// library, so that `Tensor<Float>` runs at full speed when called from any
/// other module. Other conformances are not supported.
///
/// The static functions are the elementary functions the kernels need, with
/// the precision of the platform's C library (`expf`/`exp`, …).
public protocol TensorScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable, CustomStringConvertible
where RawSignificand: FixedWidthInteger {
    /// The kernels specialised for this scalar type (an implementation detail
    /// of SFLKit; its members are not public).
    static var kernels: KernelTable<Self> { get }
    /// The natural exponential `eˣ`.
    static func exp(_ x: Self) -> Self
    /// The natural logarithm `ln x`; `-∞` at zero and NaN below.
    static func log(_ x: Self) -> Self
    /// The hyperbolic tangent.
    static func tanh(_ x: Self) -> Self
    /// `x` raised to the power `y`.
    static func pow(_ x: Self, _ y: Self) -> Self
}

extension Float: TensorScalar {
    /// The kernels specialised for `Float`.
    public static var kernels: KernelTable<Float> { floatKernels }
    /// The natural exponential `eˣ` (`expf`).
    @inlinable public static func exp(_ x: Float) -> Float { Foundation.expf(x) }
    /// The natural logarithm (`logf`).
    @inlinable public static func log(_ x: Float) -> Float { Foundation.logf(x) }
    /// The hyperbolic tangent (`tanhf`).
    @inlinable public static func tanh(_ x: Float) -> Float { Foundation.tanhf(x) }
    /// `x` raised to the power `y` (`powf`).
    @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { Foundation.powf(x, y) }
}

extension Double: TensorScalar {
    /// The kernels specialised for `Double`.
    public static var kernels: KernelTable<Double> { doubleKernels }
    /// The natural exponential `eˣ` (`exp`).
    @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    /// The natural logarithm (`log`).
    @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
    /// The hyperbolic tangent (`tanh`).
    @inlinable public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    /// `x` raised to the power `y` (`pow`).
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
}
