extension Tensor {
    /// The matrix product `self · other` of `[m, k]` and `[k, n]`, shape `[m, n]`.
    ///
    /// - Precondition: both are matrices with matching inner dimensions.
    public func matmul(_ other: Tensor) -> Tensor {
        check(rank == 2 && other.rank == 2 && shape[1] == other.shape[0], "matmul: shapes \(shape) and \(other.shape) are not [m, k] and [k, n]")
        let m = shape[0], k = shape[1], n = other.shape[1]
        let output = TensorStorage<Scalar>(uninitializedCount: m * n)
        Scalar.kernels.matrixMultiply(storage.base, other.storage.base, output.base, m, k, n, ComputeThreads.current)
        let a = detached(), b = other.detached()
        return Tensor.recordOperation("matmul", shape: [m, n], storage: output, inputs: [self, other]) { gradient, needs in
            [needs[0] ? gradient.matmul(b.transposed()) : nil, needs[1] ? a.transposed().matmul(gradient) : nil]
        }
    }
}
