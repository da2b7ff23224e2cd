/// A dense, row-major, n-dimensional array of `Float` or `Double` that records
/// the operations applied to it, so that gradients can be computed in reverse
/// mode.
///
/// Operations return new tensors and never change their operands; copies
/// share their storage, which is immutable once written. The one piece of
/// shared mutable state is a leaf's accumulated ``gradient``: copies of a leaf
/// see (and ``clearGradient()`` clears) the same gradient, as in PyTorch.
/// Images use the NCHW layout: `[batch, channels, height, width]`.
///
/// ```swift
/// let x = Tensor<Double>(shape: [3], scalars: [1, 2, 3]).requiringGradient()
/// let y = (x * x).sum()          // 14
/// y.backward()
/// x.gradient?.scalars            // [2, 4, 6]
/// ```
///
/// A tensor takes part in differentiation when it was made with
/// ``requiringGradient()`` (a *leaf*, such as a parameter) or computed from
/// such a tensor while gradients are recorded (see ``withoutGradients(_:)``).
public struct Tensor<Scalar: TensorScalar>: Sendable {
    /// The size of each dimension, outermost first; `[]` for a scalar.
    public let shape: [Int]
    /// The scalars, contiguous in row-major order.
    let storage: TensorStorage<Scalar>
    /// The graph node that produced this tensor, when it takes part in differentiation.
    let node: GraphNode<Scalar>?

    /// Wraps `storage` (which holds exactly the shape's element count) as a tensor.
    init(shape: [Int], storage: TensorStorage<Scalar>, node: GraphNode<Scalar>? = nil) {
        self.shape = shape
        self.storage = storage
        self.node = node
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The number of scalars (the product of the shape; 1 for a scalar).
    public var scalarCount: Int { storage.count }

    /// A copy of the scalars in row-major order.
    ///
    /// - Complexity: O(``scalarCount``).
    public var scalars: [Scalar] {
        [Scalar](unsafeUninitializedCapacity: scalarCount) { buffer, initialized in
            if let target = buffer.baseAddress {
                UnsafeMutableRawPointer(target).copyMemory(from: storage.base, byteCount: scalarCount * MemoryLayout<Scalar>.stride)
            }
            initialized = scalarCount
        }
    }

    /// The only scalar of a tensor with one element (such as a loss).
    ///
    /// - Precondition: ``scalarCount`` is 1.
    public var scalar: Scalar {
        check(scalarCount == 1, "scalar: tensor of shape \(shape) has \(scalarCount) elements, not 1")
        return storage.base[0]
    }

    /// The scalar at a multi-dimensional index (one coordinate per dimension).
    ///
    /// - Precondition: `index` has ``rank`` coordinates, each within its dimension.
    public func scalar(at index: [Int]) -> Scalar {
        check(index.count == rank, "scalar(at:): index \(index) does not match shape \(shape)")
        var offset = 0
        for axis in 0..<rank {
            check(index[axis] >= 0 && index[axis] < shape[axis], "scalar(at:): index \(index) is out of bounds for shape \(shape)")
            offset = offset * shape[axis] + index[axis]
        }
        return storage.base[offset]
    }

    /// Whether gradients flow to this tensor: it is a leaf made with
    /// ``requiringGradient()`` or was computed from one while recording.
    public var requiresGradient: Bool { node != nil }

    /// Whether this tensor is a leaf that requires a gradient (a parameter,
    /// for instance), as opposed to an intermediate result.
    public var isGradientLeaf: Bool { node?.isLeaf ?? false }

    /// The gradient accumulated into this leaf by ``backward(seed:retainGraph:)``, or `nil`
    /// when none has been computed (or it was cleared).
    public var gradient: Tensor? { node?.gradient }

    /// Clears the gradient accumulated into this leaf (PyTorch's `zero_grad`).
    public func clearGradient() { node?.gradient = nil }

    /// Returns a leaf tensor with the same scalars whose gradient
    /// ``backward(seed:retainGraph:)`` accumulates into ``gradient``.
    ///
    /// The result starts a new history: it does not pass gradients back to
    /// whatever computed `self`.
    public func requiringGradient() -> Tensor {
        Tensor(shape: shape, storage: storage, node: GraphNode(leafOfShape: shape))
    }

    /// Returns the same scalars without any gradient history (PyTorch's `detach`).
    ///
    /// - Complexity: O(1); the storage is shared.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }
}

extension Tensor: CustomStringConvertible {
    /// The shape and, for small tensors, the scalars.
    public var description: String {
        let values = scalarCount <= 16 ? "\(scalars)" : "[\(scalarCount) scalars]"
        return "Tensor<\(Scalar.self)>(shape: \(shape), \(values)\(requiresGradient ? ", requiresGradient" : ""))"
    }
}

extension Tensor {
    /// Whether every element is finite (no NaN, no infinity).
    public var allFinite: Bool { scalars.allSatisfy(\.isFinite) }
}
