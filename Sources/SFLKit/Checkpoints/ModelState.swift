import Foundation

/// A model's parameters by name, apart from any optimizer: what you save
/// after training and load for inference (PyTorch's `state_dict`).
///
/// ```swift
/// try model.saveParameters(to: url)                 // weights alone
/// let fresh = Sequential<Float>([...])              // the same architecture
/// try fresh.loadParameters(from: url)               // strict: every name and shape must match
/// ```
///
/// Names are those of ``Layer/visitParameters(_:)`` (`"conv1.weight"`,
/// `"0.bias"`), in the model's order. A file written by ``write(to:)`` is a
/// ``Checkpoint`` without optimizer state; ``init(contentsOf:)`` reads the
/// model part of any checkpoint.
public struct ModelState<Scalar: TensorScalar>: Sendable {
    /// The parameters, in the model's order, detached from any graph.
    public private(set) var parameters: [(name: String, value: Tensor<Scalar>)]

    /// The state of `model`'s current parameters.
    public init(of model: some Layer<Scalar>) {
        parameters = model.namedParameters.map { ($0.name, $0.value.detached()) }
    }

    /// A state from named tensors, in the given order.
    ///
    /// - Precondition: the names are distinct.
    public init(parameters: [(name: String, value: Tensor<Scalar>)]) {
        check(Set(parameters.map(\.name)).count == parameters.count, "ModelState: duplicate parameter names in \(parameters.map(\.name))")
        self.parameters = parameters.map { ($0.name, $0.value.detached()) }
    }

    /// The parameter names, in order.
    public var names: [String] { parameters.map(\.name) }

    /// The parameter called `name`, if any.
    public subscript(name: String) -> Tensor<Scalar>? {
        parameters.first { $0.name == name }?.value
    }

    /// Reads the model part of a checkpoint or weights file.
    ///
    /// - Throws: ``CheckpointError`` naming the file and the problem.
    public init(contentsOf url: URL) throws(CheckpointError) {
        self = try Checkpoint<Scalar>(contentsOf: url).model
    }

    /// Writes the parameters alone (a checkpoint without optimizer state),
    /// atomically.
    public func write(to url: URL) throws(CheckpointError) {
        try Checkpoint(model: self).write(to: url)
    }
}

extension Layer {
    /// The current parameters by name (``ModelState``).
    public var parameterState: ModelState<Scalar> { ModelState(of: self) }

    /// Replaces this model's parameters by those of `state`, matched by name.
    ///
    /// Strict by default: every parameter of the model must be in `state`,
    /// and `state` must hold no other. With `strict: false` missing and
    /// extra names are allowed and returned (PyTorch's
    /// `load_state_dict(strict=False)`); a shape mismatch is an error either
    /// way. Nothing is changed when an error is thrown.
    ///
    /// - Parameters:
    ///   - state: the parameters to load.
    ///   - strict: whether every name must match (the default).
    ///   - source: names `state` in errors (a file path, for example).
    /// - Returns: the model's parameters that `state` lacks and the names in
    ///   `state` that the model lacks (both empty when strict).
    /// - Throws: ``CheckpointError`` naming the first missing, extra or
    ///   misshaped parameter.
    @discardableResult
    public func loadParameters(_ state: ModelState<Scalar>, strict: Bool = true,
                     source: String = "model state") throws(CheckpointError) -> (missing: [String], unexpected: [String]) {
        let expected = namedParameters
        let expectedNames = Set(expected.map(\.name))
        var missing: [String] = []
        for (name, value) in expected {
            guard let stored = state[name] else {
                if strict { throw CheckpointError(source: source, problem: "has no parameter '\(name)' (it holds \(state.names))") }
                missing.append(name)
                continue
            }
            guard stored.shape == value.shape else {
                throw CheckpointError(source: source, problem: "parameter '\(name)' has shape \(stored.shape), the model expects \(value.shape)")
            }
        }
        let unexpected = state.names.filter { !expectedNames.contains($0) }
        if strict, let extra = unexpected.first {
            throw CheckpointError(source: source, problem: "holds parameter '\(extra)', which the model does not have")
        }
        updateParameters { name, parameter in state[name] ?? parameter }
        return (missing, unexpected)
    }

    /// Writes this model's parameters alone to `url`, atomically (see
    /// ``ModelState``); the architecture of a ``ConfiguredModel`` is recorded
    /// too, so it can be rebuilt from the file.
    public func saveParameters(to url: URL) throws(CheckpointError) {
        try Checkpoint(model: self).write(to: url)
    }

    /// Loads parameters from a weights or checkpoint file into this model,
    /// matched by name (see ``loadParameters(_:strict:source:)``).
    @discardableResult
    public func loadParameters(from url: URL, strict: Bool = true) throws(CheckpointError) -> (missing: [String], unexpected: [String]) {
        try loadParameters(ModelState(contentsOf: url), strict: strict, source: url.path)
    }
}
