import Foundation

/// A vertex of the recorded computation: what produced a tensor and how to
/// send a gradient back to the inputs of that operation.
///
/// Inputs are kept in an ordered array (never a set), so the backward walk
/// visits and accumulates in the same order on every run.
final class GraphNode<Scalar: TensorScalar>: @unchecked Sendable {
    /// Maps the gradient of an operation's output to one gradient per input,
    /// in input order (`nil` where `needsGradient` is false). A returned
    /// gradient may have the output's (broadcast) shape: the engine sums it
    /// down to the input's shape.
    typealias Pullback = (_ gradient: Tensor<Scalar>, _ needsGradient: [Bool]) -> [Tensor<Scalar>?]
    /// A ``Pullback`` that can hand ReLU masks across an edge of the graph
    /// (``ReLUMasks``): it may receive its gradient already masked by its own
    /// fused ReLU, and may be asked to mask the gradients of its inputs.
    typealias MaskingPullback = (_ gradient: Tensor<Scalar>, _ needsGradient: [Bool], _ masks: ReLUMasks<Scalar>) -> [Tensor<Scalar>?]

    /// The operation's name, for error messages and debugging.
    let operation: String
    /// The shape of the tensor this node produced.
    let shape: [Int]
    /// Whether this is a leaf (a tensor made with `requiringGradient()`).
    let isLeaf: Bool
    /// The nodes of the operation's inputs, in order; `nil` for an input that
    /// needs no gradient. Emptied when the graph is freed after backward.
    var inputs: [GraphNode?]
    /// The operation's vector–Jacobian product; `nil` for leaves and once freed.
    var pullback: Pullback?
    /// The same product for ops that take part in moving a ReLU's mask to
    /// the kernel that produces the gradient (the convolutions); `nil`
    /// otherwise and once freed.
    var maskingPullback: MaskingPullback?
    /// For an op whose pullback begins by keeping its gradient only where its
    /// own output is positive (a fused ReLU: `conv2DReLU`), that output and
    /// its positive bits; `nil` otherwise.
    let rectifiedOutput: RectifiedOutput<Scalar>?
    /// The gradient accumulated into a leaf by `backward`; guarded by `lock`,
    /// because leaves (parameters) are shared between graphs and threads.
    var gradient: Tensor<Scalar>? {
        get { lock.withLock { storedGradient } }
        set { lock.withLock { storedGradient = newValue } }
    }
    private var storedGradient: Tensor<Scalar>?
    private let lock = NSLock()

    /// Adds `increment` to the leaf's gradient atomically.
    func accumulateGradient(_ increment: Tensor<Scalar>) {
        lock.withLock { storedGradient = storedGradient.map { $0 + increment } ?? increment }
    }

    /// Creates a leaf node.
    init(leafOfShape shape: [Int]) {
        operation = "leaf"
        self.shape = shape
        isLeaf = true
        inputs = []
        rectifiedOutput = nil
    }

    /// Creates the node of an operation.
    init(operation: String, shape: [Int], inputs: [GraphNode?], pullback: @escaping Pullback) {
        self.operation = operation
        self.shape = shape
        isLeaf = false
        self.inputs = inputs
        self.pullback = pullback
        rectifiedOutput = nil
    }

    /// Creates the node of an operation whose pullback can exchange ReLU
    /// masks with its neighbours; `rectifiedOutput` as the property.
    init(operation: String, shape: [Int], inputs: [GraphNode?], rectifiedOutput: RectifiedOutput<Scalar>?,
         maskingPullback: @escaping MaskingPullback) {
        self.operation = operation
        self.shape = shape
        isLeaf = false
        self.inputs = inputs
        self.rectifiedOutput = rectifiedOutput
        self.maskingPullback = maskingPullback
        pullback = { gradient, needs in
            maskingPullback(gradient, needs, ReLUMasks(gradientIsMasked: false, inputMasks: needs.map { _ in nil }))
        }
    }

    /// Drops the pullbacks and the edges to the inputs (after the backward
    /// walk has used them).
    func free() {
        pullback = nil
        maskingPullback = nil
        inputs = []
    }

    /// Releases the graph below this node iteratively: a long chain of nodes
    /// would otherwise be freed by nested deinitialisers and overflow the stack.
    deinit {
        var pending = inputs.compactMap { $0 }
        inputs = []
        // `node` must be the only local reference for the uniqueness test.
        while var node = pending.popLast() {
            if isKnownUniquelyReferenced(&node) {
                pending += node.inputs.compactMap { $0 }
                node.inputs = []
            }
        }
    }
}

/// The ReLU masks one pullback exchanges with its neighbours in a backward
/// walk.
///
/// A fused ReLU's pullback (`conv2DReLU`) keeps its gradient only where the
/// ReLU's output is positive. When that output has one consumer, and the
/// consumer's kernel can apply the mask as it stores the gradient (the
/// convolutions' input gradients), the walk asks it to, and tells the ReLU's
/// pullback that its gradient arrives masked: the gradient is then masked
/// once, by the kernel that writes it, instead of by every kernel that reads
/// it (conv3's two backward passes each spent 0.6–0.9 ms on it; conv4's
/// input gradient spent 0.7 ms masking instead). That kernel masks with the
/// bits the ReLU's forward kernel recorded (``RectifiedOutput/positiveBits``),
/// not the output itself, which has left the caches by then. The walk never does this
/// for a tensor whose gradient the caller asked for, which stays the
/// gradient with respect to the ReLU's output.
struct ReLUMasks<Scalar: TensorScalar> {
    /// Whether the gradient passed to the pullback is already zero where the
    /// op's own ``GraphNode/rectifiedOutput`` is not positive.
    let gradientIsMasked: Bool
    /// Per input: `nil`, or the output of the fused ReLU that produced the
    /// input; the pullback returns that input's gradient masked by it.
    let inputMasks: [RectifiedOutput<Scalar>?]
}

/// What a fused ReLU keeps of its output for the backward walk.
struct RectifiedOutput<Scalar: TensorScalar> {
    /// The output itself: the mask of the op's own gradient, and of a small
    /// input's gradient when the walk moves the mask there.
    let values: TensorStorage<Scalar>
    /// Whether each scalar of the output is positive: the mask of a large
    /// input gradient when the walk moves the mask there (the convolutions').
    let positiveBits: PositiveBitsStorage
}

extension Tensor {
    /// Whether an operation on `inputs` is recorded for differentiation:
    /// gradients are being recorded and some input requires one.
    static func recordsOperation(on inputs: [Tensor]) -> Bool {
        GradientMode.isRecording && inputs.contains { $0.node != nil }
    }

    /// Returns the result of an operation, recording it for differentiation
    /// when gradients are being recorded and some input requires one.
    ///
    /// Every differentiable op ends with this call: `pullback` is written
    /// right beside the forward computation and captures exactly what the
    /// backward pass needs.
    static func recordOperation(
        _ operation: String, shape: [Int], storage: TensorStorage<Scalar>, inputs: [Tensor],
        pullback: @escaping GraphNode<Scalar>.Pullback
    ) -> Tensor {
        guard recordsOperation(on: inputs) else {
            return Tensor(shape: shape, storage: storage)
        }
        let node = GraphNode(operation: operation, shape: shape, inputs: inputs.map(\.node), pullback: pullback)
        return Tensor(shape: shape, storage: storage, node: node)
    }
}

extension Tensor {
    /// ``recordOperation(_:shape:storage:inputs:pullback:)`` for an op whose
    /// pullback takes part in moving ReLU masks (``ReLUMasks``);
    /// `rectifiedOutput` is its own fused ReLU's output, if it has one.
    static func recordOperation(
        _ operation: String, shape: [Int], storage: TensorStorage<Scalar>, inputs: [Tensor],
        rectifiedOutput: RectifiedOutput<Scalar>?, maskingPullback: @escaping GraphNode<Scalar>.MaskingPullback
    ) -> Tensor {
        guard recordsOperation(on: inputs) else {
            return Tensor(shape: shape, storage: storage)
        }
        let node = GraphNode(operation: operation, shape: shape, inputs: inputs.map(\.node), rectifiedOutput: rectifiedOutput,
                             maskingPullback: maskingPullback)
        return Tensor(shape: shape, storage: storage, node: node)
    }
}
