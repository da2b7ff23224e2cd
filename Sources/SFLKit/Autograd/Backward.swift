/// The reverse-mode engine: one ordered walk over the recorded graph.
///
/// The graph is ordered topologically once, by an iterative depth-first
/// search that follows each node's inputs in their recorded order (no
/// recursion, so deep graphs cannot overflow the stack). The walk then visits
/// the nodes in reverse, calls each pullback once with the node's complete
/// gradient, sums gradients that arrive at a node from several consumers (in
/// walk order, so the sum is the same on every run), and reduces broadcast
/// gradients to the shape of their input. Gradients themselves are computed
/// without recording.
///
/// A fused ReLU's mask moves to the kernel that produces its gradient where
/// that is safe (``ReLUMasks``): the ReLU's output has exactly one consumer
/// in the graph, both ops take part, and the caller does not observe that
/// gradient. The results are the same either way, bit for bit.
enum BackwardEngine {
    /// Walks the graph below `root` seeded with `seed`, calling `visit` with
    /// each node and its complete gradient just before the node's pullback runs
    /// (leaves have none).
    ///
    /// - Parameter observed: the nodes whose gradient `visit` must see as it
    ///   is (the gradient with respect to a fused ReLU's output, not masked
    ///   early); leaves always are.
    ///
    /// Frees every visited operation's pullback and inputs unless `retainGraph` is set.
    static func run<Scalar>(
        root: GraphNode<Scalar>, seed: Tensor<Scalar>, retainGraph: Bool, observed: Set<ObjectIdentifier> = [],
        visit: (GraphNode<Scalar>, Tensor<Scalar>) -> Void
    ) {
        let order = topologicalOrder(from: root)
        let moving = nodesWhoseMaskMoves(order, observed: observed)
        var pending: [ObjectIdentifier: Tensor<Scalar>] = [ObjectIdentifier(root): seed]
        withoutGradients {
            for node in order.reversed() {
                let key = ObjectIdentifier(node)
                guard let gradient = pending.removeValue(forKey: key) else { continue }
                visit(node, gradient)
                if node.isLeaf { continue }
                guard let pullback = node.pullback else {
                    fatalError("backward: the graph through '\(node.operation)' was already freed by an earlier backward pass; pass retainGraph: true to the first one")
                }
                let inputs = node.inputs, needs = inputs.map { $0 != nil }
                let gradients: [Tensor<Scalar>?]
                if let maskingPullback = node.maskingPullback {
                    let inputMasks = inputs.map { input in
                        input.flatMap { moving.contains(ObjectIdentifier($0)) ? $0.rectifiedOutput : nil }
                    }
                    // A moving node's one consumer takes part, so it has masked whatever gradient arrived here.
                    gradients = maskingPullback(gradient, needs,
                                                ReLUMasks(gradientIsMasked: moving.contains(key), inputMasks: inputMasks))
                } else {
                    gradients = pullback(gradient, needs)
                }
                check(gradients.count == inputs.count, "backward: '\(node.operation)' returned \(gradients.count) gradients for \(inputs.count) inputs")
                for (input, inputGradient) in zip(inputs, gradients) {
                    guard let input, let inputGradient else { continue }
                    let reduced = inputGradient.summed(toShape: input.shape, operation: node.operation)
                    let key = ObjectIdentifier(input)
                    pending[key] = pending[key].map { $0 + reduced } ?? reduced
                }
                if !retainGraph { node.free() }
            }
        }
    }

    /// The nodes of `order` whose fused ReLU the walk applies in their
    /// consumer's pullback (``ReLUMasks``): each has a rectified output, is
    /// the input of exactly one edge of the graph, from a node that takes
    /// part as well, and is not `observed`.
    static func nodesWhoseMaskMoves<Scalar>(_ order: [GraphNode<Scalar>], observed: Set<ObjectIdentifier>) -> Set<ObjectIdentifier> {
        var edges: [ObjectIdentifier: Int] = [:], maskingEdges: [ObjectIdentifier: Int] = [:]
        for node in order {
            for case let input? in node.inputs {
                edges[ObjectIdentifier(input), default: 0] += 1
                if node.maskingPullback != nil { maskingEdges[ObjectIdentifier(input), default: 0] += 1 }
            }
        }
        var moving: Set<ObjectIdentifier> = []
        for node in order where node.rectifiedOutput != nil && node.maskingPullback != nil {
            let key = ObjectIdentifier(node)
            if edges[key] == 1 && maskingEdges[key] == 1 && !observed.contains(key) { moving.insert(key) }
        }
        return moving
    }

    /// The nodes reachable from `root`, each after all of its inputs.
    static func topologicalOrder<Scalar>(from root: GraphNode<Scalar>) -> [GraphNode<Scalar>] {
        var order: [GraphNode<Scalar>] = []
        var visited: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
        var stack: [(node: GraphNode<Scalar>, nextInput: Int)] = [(root, 0)]
        while let top = stack.last {
            if top.nextInput < top.node.inputs.count {
                stack[stack.count - 1].nextInput += 1
                if let input = top.node.inputs[top.nextInput], visited.insert(ObjectIdentifier(input)).inserted {
                    stack.append((input, 0))
                }
            } else {
                order.append(top.node)
                stack.removeLast()
            }
        }
        return order
    }
}

extension Tensor {
    /// Computes the gradient of this tensor with respect to every leaf it
    /// depends on and adds it to each leaf's ``gradient``.
    ///
    /// - Parameters:
    ///   - seed: the gradient of the final objective with respect to `self`;
    ///     by default 1, which requires `self` to have one element (a loss).
    ///   - retainGraph: keep the recorded graph for another backward pass; by
    ///     default it is freed as the walk passes, so memory does not grow.
    /// - Precondition: `self` requires a gradient; `seed` has `self`'s shape.
    public func backward(seed: Tensor? = nil, retainGraph: Bool = false) {
        guard let node else {
            fatalError("backward: tensor of shape \(shape) does not require a gradient (no input was made with requiringGradient(), or it was computed inside withoutGradients)")
        }
        check(seed != nil || scalarCount == 1, "backward: tensor of shape \(shape) is not a scalar; pass a seed of its shape")
        let seed = seed ?? Tensor(ones: shape)
        check(seed.shape == shape, "backward: seed of shape \(seed.shape) does not match tensor of shape \(shape)")
        BackwardEngine.run(root: node, seed: seed.detached(), retainGraph: retainGraph) { visited, gradient in
            if visited.isLeaf { visited.accumulateGradient(gradient) }
        }
    }

    /// Returns the gradients of this tensor with respect to each of `inputs`,
    /// without touching any leaf's ``gradient`` (the functional form of
    /// ``backward(seed:retainGraph:)``). Several graphs that share only
    /// *leaves* (parameters) may be differentiated at once from different
    /// threads; intermediate results must not be shared between them.
    ///
    /// An input that this tensor does not depend on gets a zero gradient
    /// (PyTorch's `allow_unused`, with zeros for `None`).
    /// - Precondition: `self` was computed while recording (not inside
    ///   ``withoutGradients(_:)``) from some input that requires a gradient;
    ///   `self` has one element unless `seed` is given.
    public func gradients(withRespectTo inputs: [Tensor], seed: Tensor? = nil, retainGraph: Bool = false) -> [Tensor] {
        guard let node else {
            fatalError("gradients(withRespectTo:): tensor of shape \(shape) has no recorded graph (no input requires a gradient, or it was computed inside withoutGradients)")
        }
        var results: [Tensor?] = Array(repeating: nil, count: inputs.count)
        do {
            check(seed != nil || scalarCount == 1, "gradients(withRespectTo:): tensor of shape \(shape) is not a scalar; pass a seed of its shape")
            let seed = seed ?? Tensor(ones: shape)
            check(seed.shape == shape, "gradients(withRespectTo:): seed of shape \(seed.shape) does not match tensor of shape \(shape)")
            var wanted: [ObjectIdentifier: [Int]] = [:]
            for (index, input) in inputs.enumerated() {
                if let inputNode = input.node { wanted[ObjectIdentifier(inputNode), default: []].append(index) }
            }
            BackwardEngine.run(root: node, seed: seed.detached(), retainGraph: retainGraph,
                               observed: Set(wanted.keys)) { visited, gradient in
                for index in wanted[ObjectIdentifier(visited)] ?? [] { results[index] = gradient }
            }
        }
        return zip(inputs, results).map { input, result in result ?? Tensor(zeros: input.shape) }
    }
}
