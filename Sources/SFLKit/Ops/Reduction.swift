// Sums and means, and the broadcast / sum-to-shape pair that the backward
// engine uses to reduce broadcast gradients.

extension Tensor {
    /// The sum of all elements, as a scalar tensor (shape `[]`).
    public func sum() -> Tensor {
        sum(alongAxes: Array(0..<rank))
    }

    /// The mean of all elements, as a scalar tensor (shape `[]`).
    ///
    /// - Precondition: the tensor is not empty.
    public func mean() -> Tensor {
        check(scalarCount > 0, "mean: tensor of shape \(shape) is empty")
        return sum() / Scalar(scalarCount)
    }

    /// Sums over `axes` (negative axes count from the end).
    ///
    /// - Parameters:
    ///   - axes: the axes to sum over.
    ///   - keepingDimensions: keep each reduced axis with size 1
    ///     (PyTorch's `keepdim`), so the result broadcasts against `self`.
    /// - Precondition: every axis is in range and appears once.
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let resolved = axes.map { Shape.normalizedAxis($0, rank: rank, operation: "sum(alongAxes:)", shape: shape) }
        check(Set(resolved).count == resolved.count, "sum(alongAxes:): axis listed twice in \(axes) for shape \(shape)")
        var keptShape = shape
        var storage = self.storage
        for axis in resolved.sorted(by: >) {
            let outer = Shape.elementCount(Array(keptShape[..<axis])), inner = Shape.elementCount(Array(keptShape[(axis + 1)...]))
            let reduced = TensorStorage<Scalar>(uninitializedCount: outer * inner)
            Scalar.kernels.reduceSum(storage.base, outer, keptShape[axis], inner, reduced.base, ComputeThreads.current)
            storage = reduced
            keptShape[axis] = 1
        }
        let outputShape = keepingDimensions ? keptShape : shape.indices.filter { !resolved.contains($0) }.map { shape[$0] }
        let inputShape = shape
        return Tensor.recordOperation("sum", shape: outputShape, storage: storage, inputs: [self]) { gradient, _ in
            [gradient.reshaped(to: keptShape).broadcasted(to: inputShape)]
        }
    }

    /// The mean over `axes` (negative axes count from the end).
    ///
    /// - Precondition: as for ``sum(alongAxes:keepingDimensions:)``; the reduced axes are not empty.
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let count = axes.map { shape[Shape.normalizedAxis($0, rank: rank, operation: "mean(alongAxes:)", shape: shape)] }.reduce(1, *)
        check(count > 0, "mean(alongAxes:): axes \(axes) of shape \(shape) are empty")
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions) / Scalar(count)
    }

    /// Repeats this tensor along axes of size 1 (and new leading axes) to
    /// `shape` (NumPy broadcasting).
    ///
    /// - Precondition: `self.shape` broadcasts to `shape`.
    public func broadcasted(to shape: [Int]) -> Tensor {
        if shape == self.shape { return self }
        check(Shape.broadcast(self.shape, shape) == shape, "broadcasted(to:): shape \(self.shape) cannot be broadcast to \(shape)")
        let output = TensorStorage<Scalar>(uninitializedCount: Shape.elementCount(shape))
        Scalar.kernels.stridedCopy(storage.base, Shape.broadcastStrides(of: self.shape, to: shape), output.base, shape)
        let inputShape = self.shape
        return Tensor.recordOperation("broadcast", shape: shape, storage: output, inputs: [self]) { gradient, _ in
            [gradient.summed(toShape: inputShape, operation: "broadcast")]
        }
    }

    /// Sums the axes along which `shape` was broadcast to `self.shape`: the
    /// adjoint of ``broadcasted(to:)``.
    func summed(toShape target: [Int], operation: String) -> Tensor {
        if target == shape { return self }
        check(Shape.broadcast(target, shape) == shape, "\(operation): gradient of shape \(shape) cannot be reduced to shape \(target)")
        let offset = rank - target.count
        let axes = (0..<rank).filter { $0 < offset || (target[$0 - offset] == 1 && shape[$0] != 1) }
        return sum(alongAxes: axes, keepingDimensions: true).reshaped(to: target)
    }
}
