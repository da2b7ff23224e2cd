// Reshaping, slicing, concatenation and transposition.

extension Tensor {
    /// Returns the same scalars with a new shape; one dimension may be `-1`
    /// and is then inferred.
    ///
    /// - Complexity: O(1); the storage is shared.
    /// - Precondition: the element count is unchanged.
    public func reshaped(to newShape: [Int]) -> Tensor {
        var resolved = newShape
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        check(inferred.count <= 1 && newShape.allSatisfy { $0 >= -1 }, "reshaped(to:): invalid shape \(newShape)")
        if let axis = inferred.first {
            let known = Shape.elementCount(newShape.filter { $0 != -1 })
            check(known > 0 && scalarCount % known == 0, "reshaped(to:): cannot reshape \(shape) to \(newShape)")
            resolved[axis] = scalarCount / known
        }
        check(Shape.elementCount(resolved) == scalarCount, "reshaped(to:): cannot reshape \(shape) (\(scalarCount) elements) to \(newShape)")
        if resolved == shape { return self }
        let inputShape = shape
        return Tensor.recordOperation("reshape", shape: resolved, storage: storage, inputs: [self]) { gradient, _ in
            [gradient.reshaped(to: inputShape)]
        }
    }

    /// The sub-tensor at `index` along the first axis, with that axis removed
    /// (`x[0]` of a batch `[N, C, H, W]` is the image `[C, H, W]`).
    ///
    /// - Precondition: rank ≥ 1 and `index` is within the first dimension.
    public subscript(_ index: Int) -> Tensor {
        check(rank >= 1 && index >= 0 && index < shape[0], "subscript: index \(index) is out of range for shape \(shape)")
        return sliced(alongAxis: 0, index..<(index + 1)).reshaped(to: Array(shape.dropFirst()))
    }

    /// The sub-tensor for `range` along the first axis, keeping the axis
    /// (`x[1..<3]` of `[N, C, H, W]` is `[2, C, H, W]`).
    ///
    /// - Precondition: rank ≥ 1 and `range` lies within the first dimension.
    public subscript(_ range: Range<Int>) -> Tensor {
        check(rank >= 1, "subscript: cannot slice a scalar")
        return sliced(alongAxis: 0, range)
    }

    /// The sub-tensor for `range` along `axis`, keeping the axis.
    ///
    /// - Precondition: `axis` is in range and `range` lies within its dimension.
    public func sliced(alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = Shape.normalizedAxis(axis, rank: rank, operation: "sliced(alongAxis:)", shape: shape)
        check(range.lowerBound >= 0 && range.upperBound <= shape[axis], "sliced(alongAxis:): range \(range) is out of bounds for axis \(axis) of shape \(shape)")
        var outputShape = shape
        outputShape[axis] = range.count
        let output = TensorStorage<Scalar>(uninitializedCount: Shape.elementCount(outputShape))
        let outer = Shape.elementCount(Array(shape[..<axis])), inner = Shape.elementCount(Array(shape[(axis + 1)...]))
        copyChunks(from: storage.base, sourceRowLength: shape[axis] * inner, sourceOffset: range.lowerBound * inner,
                   to: output.base, targetRowLength: range.count * inner, targetOffset: 0, length: range.count * inner, rows: outer)
        let inputShape = shape
        return Tensor.recordOperation("slice", shape: outputShape, storage: output, inputs: [self]) { gradient, _ in
            let result = TensorStorage<Scalar>(zeroedCount: Shape.elementCount(inputShape))
            copyChunks(from: gradient.storage.base, sourceRowLength: range.count * inner, sourceOffset: 0,
                       to: result.base, targetRowLength: inputShape[axis] * inner, targetOffset: range.lowerBound * inner,
                       length: range.count * inner, rows: outer)
            return [Tensor(shape: inputShape, storage: result)]
        }
    }

    /// Joins `tensors` along `axis` (channels of NCHW images: axis 1).
    ///
    /// - Precondition: at least one tensor; all have the same rank and agree
    ///   on every dimension but `axis`.
    public init(concatenating tensors: [Tensor], alongAxis axis: Int) {
        check(!tensors.isEmpty, "Tensor(concatenating:): no tensors given")
        let first = tensors[0]
        let axis = Shape.normalizedAxis(axis, rank: first.rank, operation: "Tensor(concatenating:)", shape: first.shape)
        for tensor in tensors {
            var expected = first.shape, actual = tensor.shape
            if actual.count == expected.count { expected[axis] = 0; actual[axis] = 0 }
            check(expected == actual, "Tensor(concatenating:alongAxis: \(axis)): shapes \(tensors.map(\.shape)) differ outside the axis")
        }
        var outputShape = first.shape
        outputShape[axis] = tensors.map { $0.shape[axis] }.reduce(0, +)
        let outer = Shape.elementCount(Array(first.shape[..<axis])), inner = Shape.elementCount(Array(first.shape[(axis + 1)...]))
        let output = TensorStorage<Scalar>(uninitializedCount: Shape.elementCount(outputShape))
        var offsets: [Int] = []
        var offset = 0
        for tensor in tensors {
            offsets.append(offset)
            copyChunks(from: tensor.storage.base, sourceRowLength: tensor.shape[axis] * inner, sourceOffset: 0,
                       to: output.base, targetRowLength: outputShape[axis] * inner, targetOffset: offset * inner,
                       length: tensor.shape[axis] * inner, rows: outer)
            offset += tensor.shape[axis]
        }
        let sizes = tensors.map { $0.shape[axis] }
        self = Tensor.recordOperation("concatenate", shape: outputShape, storage: output, inputs: tensors) { gradient, needs in
            (0..<sizes.count).map { index in
                needs[index] ? gradient.sliced(alongAxis: axis, offsets[index]..<(offsets[index] + sizes[index])) : nil
            }
        }
    }

    /// The tensor with its axes reordered: axis `i` of the result is axis
    /// `permutation[i]` of `self`.
    ///
    /// - Precondition: `permutation` is a permutation of `0..<rank`.
    public func permuted(_ permutation: [Int]) -> Tensor {
        check(permutation.sorted() == Array(0..<rank), "permuted: \(permutation) is not a permutation of the axes of shape \(shape)")
        let strides = Shape.contiguousStrides(shape)
        let outputShape = permutation.map { shape[$0] }
        let output = TensorStorage<Scalar>(uninitializedCount: scalarCount)
        Scalar.kernels.stridedCopy(storage.base, permutation.map { strides[$0] }, output.base, outputShape)
        var inverse = [Int](repeating: 0, count: rank)
        for (index, axis) in permutation.enumerated() { inverse[axis] = index }
        return Tensor.recordOperation("permute", shape: outputShape, storage: output, inputs: [self]) { gradient, _ in
            [gradient.permuted(inverse)]
        }
    }

    /// The transpose of a matrix (`[m, n]` → `[n, m]`).
    ///
    /// - Precondition: rank 2.
    public func transposed() -> Tensor {
        check(rank == 2, "transposed: expected a matrix, got shape \(shape)")
        return permuted([1, 0])
    }
}

/// Copies `rows` chunks of `length` scalars between row-structured buffers
/// (the memory movement behind slicing and concatenation).
private func copyChunks<Scalar>(
    from source: UnsafeMutablePointer<Scalar>, sourceRowLength: Int, sourceOffset: Int,
    to target: UnsafeMutablePointer<Scalar>, targetRowLength: Int, targetOffset: Int, length: Int, rows: Int
) {
    let bytes = length * MemoryLayout<Scalar>.stride
    for row in 0..<rows where bytes > 0 {
        UnsafeMutableRawPointer(target + row * targetRowLength + targetOffset)
            .copyMemory(from: source + row * sourceRowLength + sourceOffset, byteCount: bytes)
    }
}
