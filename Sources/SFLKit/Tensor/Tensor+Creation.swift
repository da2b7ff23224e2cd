extension Tensor {
    /// Creates a tensor of `shape` from its scalars in row-major order.
    ///
    /// - Precondition: `scalars.count` equals the product of `shape`; no
    ///   dimension is negative.
    public init(shape: [Int], scalars: [Scalar]) {
        check(shape.allSatisfy { $0 >= 0 }, "Tensor(shape:scalars:): negative dimension in shape \(shape)")
        check(scalars.count == Shape.elementCount(shape), "Tensor(shape:scalars:): \(scalars.count) scalars do not fill shape \(shape) (\(Shape.elementCount(shape)) elements)")
        let storage = scalars.withUnsafeBufferPointer { TensorStorage(copying: $0) }
        self.init(shape: shape, storage: storage)
    }

    /// Creates a tensor of `shape` from `Double` values, rounding to `Scalar`.
    ///
    /// - Precondition: `values.count` equals the product of `shape`.
    public init(shape: [Int], doubles values: [Double]) {
        check(shape.allSatisfy { $0 >= 0 }, "Tensor(shape:doubles:): negative dimension in shape \(shape)")
        check(values.count == Shape.elementCount(shape), "Tensor(shape:doubles:): \(values.count) values do not fill shape \(shape) (\(Shape.elementCount(shape)) elements)")
        let storage = TensorStorage<Scalar>(uninitializedCount: values.count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { Scalar.kernels.convertFromDouble(base, storage.base, values.count) }
        }
        self.init(shape: shape, storage: storage)
    }

    /// Creates a scalar tensor (shape `[]`).
    public init(_ value: Scalar) {
        self.init(shape: [], scalars: [value])
    }

    /// Creates a tensor of `shape` with every element equal to `value`.
    public init(shape: [Int], repeating value: Scalar) {
        check(shape.allSatisfy { $0 >= 0 }, "Tensor(shape:repeating:): negative dimension in shape \(shape)")
        let storage = TensorStorage<Scalar>(uninitializedCount: Shape.elementCount(shape))
        Scalar.kernels.fill(storage.base, storage.count, value)
        self.init(shape: shape, storage: storage)
    }

    /// Creates a tensor of zeros.
    public init(zeros shape: [Int]) {
        check(shape.allSatisfy { $0 >= 0 }, "Tensor(zeros:): negative dimension in shape \(shape)")
        self.init(shape: shape, storage: TensorStorage(zeroedCount: Shape.elementCount(shape)))
    }

    /// Creates a tensor of ones.
    public init(ones shape: [Int]) {
        self.init(shape: shape, repeating: 1)
    }

    /// Creates a tensor of samples from the normal distribution
    /// N(`mean`, `standardDeviation`²), drawn in row-major order from `generator`.
    public init(randomNormal shape: [Int], mean: Double = 0, standardDeviation: Double = 1, using generator: inout SeededGenerator) {
        let values = (0..<Shape.elementCount(shape)).map { _ in generator.nextNormal(mean: mean, standardDeviation: standardDeviation) }
        self.init(shape: shape, doubles: values)
    }

    /// Creates a tensor of samples from the uniform distribution on `range`,
    /// drawn in row-major order from `generator`.
    public init(randomUniform shape: [Int], in range: ClosedRange<Double> = 0...1, using generator: inout SeededGenerator) {
        let values = (0..<Shape.elementCount(shape)).map { _ in Double.random(in: range, using: &generator) }
        self.init(shape: shape, doubles: values)
    }

    /// The scalars converted to `Double` (exactly), in row-major order.
    public var doubles: [Double] {
        [Double](unsafeUninitializedCapacity: scalarCount) { buffer, initialized in
            if let base = buffer.baseAddress { Scalar.kernels.convertToDouble(storage.base, base, scalarCount) }
            initialized = scalarCount
        }
    }

    /// Returns this tensor's values as another scalar type (rounding to
    /// nearest), without gradient history.
    public func converted<Other: TensorScalar>(to type: Other.Type = Other.self) -> Tensor<Other> {
        Tensor<Other>(shape: shape, doubles: doubles)
    }
}
