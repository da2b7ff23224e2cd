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
    }

    /// Creates the node of an operation.
    init(operation: String, shape: [Int], inputs: [GraphNode?], pullback: @escaping Pullback) {
        self.operation = operation
        self.shape = shape
        isLeaf = false
        self.inputs = inputs
        self.pullback = pullback
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

extension Tensor {
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
        guard GradientMode.isRecording, inputs.contains(where: { $0.node != nil }) else {
            return Tensor(shape: shape, storage: storage)
        }
        let node = GraphNode(operation: operation, shape: shape, inputs: inputs.map(\.node), pullback: pullback)
        return Tensor(shape: shape, storage: storage, node: node)
    }
}
