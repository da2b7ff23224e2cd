// Elementwise operations: each forward is a kernel call and its pullback sits
// right below it. Broadcast gradients are reduced to their input's shape by
// the backward engine, not here.

extension Tensor {
    /// Applies a binary operation with broadcasting and records it.
    static func binaryOperation(_ operation: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor, name: String) -> Tensor {
        let threads = ComputeThreads.current
        let output: TensorStorage<Scalar>
        let shape: [Int]
        if lhs.shape == rhs.shape {
            shape = lhs.shape
            output = TensorStorage(uninitializedCount: lhs.scalarCount)
            Scalar.kernels.binary(operation, lhs.storage.base, rhs.storage.base, output.base, lhs.scalarCount, threads)
        } else {
            guard let broadcast = Shape.broadcast(lhs.shape, rhs.shape) else {
                fatalError("\(name): shapes \(lhs.shape) and \(rhs.shape) cannot be broadcast together")
            }
            shape = broadcast
            output = TensorStorage(uninitializedCount: Shape.elementCount(shape))
            Scalar.kernels.broadcastBinary(
                operation, lhs.storage.base, Shape.broadcastStrides(of: lhs.shape, to: shape),
                rhs.storage.base, Shape.broadcastStrides(of: rhs.shape, to: shape), output.base, shape)
        }
        let a = lhs.detached(), b = rhs.detached()
        return recordOperation(name, shape: shape, storage: output, inputs: [lhs, rhs]) { gradient, needs in
            switch operation {
            case .add: return [gradient, gradient]
            case .subtract: return [gradient, needs[1] ? -gradient : nil]
            case .multiply: return [needs[0] ? gradient * b : nil, needs[1] ? gradient * a : nil]
            case .divide: return [needs[0] ? gradient / b : nil, needs[1] ? -(gradient * a) / (b * b) : nil]
            }
        }
    }

    /// Applies a binary operation between a tensor and a scalar and records it.
    func scalarOperation(_ operation: BinaryOperation, _ scalar: Scalar, scalarFirst: Bool, name: String) -> Tensor {
        let output = TensorStorage<Scalar>(uninitializedCount: scalarCount)
        Scalar.kernels.binaryScalar(operation, storage.base, scalar, scalarFirst, output.base, scalarCount, ComputeThreads.current)
        let input = detached()
        return Tensor.recordOperation(name, shape: shape, storage: output, inputs: [self]) { gradient, _ in
            switch (operation, scalarFirst) {
            case (.add, _), (.subtract, false): return [gradient]
            case (.subtract, true): return [-gradient]
            case (.multiply, _): return [gradient * scalar]
            case (.divide, false): return [gradient / scalar]
            case (.divide, true): return [-(gradient * scalar) / (input * input)]
            }
        }
    }

    /// Applies a unary operation and records it; its pullback uses the input
    /// and the result.
    func unaryOperation(_ operation: UnaryOperation, name: String) -> Tensor {
        let output = TensorStorage<Scalar>(uninitializedCount: scalarCount)
        Scalar.kernels.unary(operation, storage.base, output.base, scalarCount, ComputeThreads.current)
        let input = storage, shape = shape
        return Tensor.recordOperation(name, shape: shape, storage: output, inputs: [self]) { gradient, _ in
            let result = TensorStorage<Scalar>(uninitializedCount: input.count)
            Scalar.kernels.unaryGradient(operation, input.base, output.base, gradient.storage.base, result.base, input.count, ComputeThreads.current)
            return [Tensor(shape: shape, storage: result)]
        }
    }

    /// The elementwise sum, broadcasting shapes that differ (NumPy rules).
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { binaryOperation(.add, lhs, rhs, name: "add") }
    /// The elementwise difference, broadcasting shapes that differ.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { binaryOperation(.subtract, lhs, rhs, name: "subtract") }
    /// The elementwise product, broadcasting shapes that differ.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { binaryOperation(.multiply, lhs, rhs, name: "multiply") }
    /// The elementwise quotient, broadcasting shapes that differ.
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { binaryOperation(.divide, lhs, rhs, name: "divide") }

    /// Adds `rhs` to every element.
    public static func + (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.scalarOperation(.add, rhs, scalarFirst: false, name: "addScalar") }
    /// Adds `lhs` to every element.
    public static func + (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.scalarOperation(.add, lhs, scalarFirst: true, name: "addScalar") }
    /// Subtracts `rhs` from every element.
    public static func - (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.scalarOperation(.subtract, rhs, scalarFirst: false, name: "subtractScalar") }
    /// Subtracts every element from `lhs`.
    public static func - (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.scalarOperation(.subtract, lhs, scalarFirst: true, name: "subtractFromScalar") }
    /// Multiplies every element by `rhs`.
    public static func * (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.scalarOperation(.multiply, rhs, scalarFirst: false, name: "multiplyScalar") }
    /// Multiplies every element by `lhs`.
    public static func * (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.scalarOperation(.multiply, lhs, scalarFirst: true, name: "multiplyScalar") }
    /// Divides every element by `rhs`.
    public static func / (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.scalarOperation(.divide, rhs, scalarFirst: false, name: "divideScalar") }
    /// Divides `lhs` by every element.
    public static func / (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.scalarOperation(.divide, lhs, scalarFirst: true, name: "divideScalar") }

    /// The elementwise negation.
    public static prefix func - (operand: Tensor) -> Tensor { operand.unaryOperation(.negate, name: "negate") }

    /// The elementwise square `x²`.
    public func squared() -> Tensor { unaryOperation(.square, name: "square") }
    /// The elementwise square root `√x` (NaN below zero; the gradient is infinite at zero).
    public func squareRoot() -> Tensor { unaryOperation(.squareRoot, name: "squareRoot") }
    /// The elementwise exponential `eˣ`.
    public func exp() -> Tensor { unaryOperation(.exp, name: "exp") }
    /// The elementwise natural logarithm `ln x`.
    public func log() -> Tensor { unaryOperation(.log, name: "log") }
    /// The elementwise hyperbolic tangent.
    public func tanh() -> Tensor { unaryOperation(.tanh, name: "tanh") }
    /// The elementwise rectifier `max(x, 0)`; its gradient at 0 is taken as 0.
    public func relu() -> Tensor { unaryOperation(.relu, name: "relu") }
    /// The elementwise logistic sigmoid `1 / (1 + e⁻ˣ)`.
    public func sigmoid() -> Tensor { unaryOperation(.sigmoid, name: "sigmoid") }
    /// The elementwise leaky rectifier: `x` for `x > 0`, `slope · x` otherwise.
    public func leakyRelu(slope: Scalar = 0.01) -> Tensor { unaryOperation(.leakyRelu(slope: Double(slope)), name: "leakyRelu") }
    /// The elementwise absolute value `|x|`; its gradient is `sign(x)`, taken as 0 at 0 (as PyTorch does).
    public func absoluteValue() -> Tensor { unaryOperation(.absolute, name: "absoluteValue") }
    /// The elementwise power `xᵃ` for a fixed exponent `a` (C's `pow`; NaN for
    /// negative `x` and a non-integer `a`). Its gradient is `a · xᵃ⁻¹`, which is
    /// infinite at `x = 0` when `a < 1` (as in PyTorch).
    public func raised(toPower exponent: Scalar) -> Tensor { unaryOperation(.power(exponent: Double(exponent)), name: "power") }
}
