/// A learning rate as a function of the update count (0 for the first
/// update): a schedule hook for any optimizer.
public typealias LearningRateSchedule = @Sendable (_ step: Int) -> Double

/// What an optimizer carries from one update to the next, for checkpoints:
/// the number of updates made and named state tensors (velocities, moments).
public struct OptimizerState<Scalar: TensorScalar>: Sendable {
    /// The number of updates made.
    public var step: Int
    /// Named state tensors, e.g. `"velocity.conv1.weight"`.
    public var tensors: [String: Tensor<Scalar>]

    /// Creates a state.
    public init(step: Int = 0, tensors: [String: Tensor<Scalar>] = [:]) {
        self.step = step
        self.tensors = tensors
    }
}

/// Updates a model's parameters from their gradients.
public protocol Optimizer<Scalar>: AnyObject {
    /// The element type of the parameters.
    associatedtype Scalar: TensorScalar
    /// The learning rate used when no ``schedule`` is set.
    var learningRate: Double { get set }
    /// When set, the learning rate of update `step` is `schedule(step)`.
    var schedule: LearningRateSchedule? { get set }
    /// The update count and the per-parameter state, for checkpoints.
    var state: OptimizerState<Scalar> { get set }

    /// Moves one parameter (named `name`) along its gradient, updating the
    /// optimizer's state for it, and returns the new value.
    func updated(_ parameter: Tensor<Scalar>, named name: String, gradient: Tensor<Scalar>, learningRate: Double, step: Int) -> Tensor<Scalar>
}

extension Optimizer {
    /// Applies one update to the parameters of `model`, each moved along
    /// the gradient of the same name.
    ///
    /// Parameters without a gradient in `gradients` are left as they are
    /// (frozen), as PyTorch skips parameters whose gradient is `None`; the
    /// update count advances once.
    ///
    /// - Precondition: every name in `gradients` is a parameter of `model`,
    ///   and each gradient has its parameter's shape.
    public func update(_ model: some Layer<Scalar>, along gradients: [String: Tensor<Scalar>]) {
        let names = Set(model.namedParameters.map(\.name))
        if let unknown = gradients.keys.sorted().first(where: { !names.contains($0) }) {
            fatalError("\(Self.self).update: gradient for '\(unknown)', which is not a parameter of the model (it has \(names.sorted()))")
        }
        let step = state.step
        let rate = schedule?(step) ?? learningRate
        withoutGradients {
            model.updateParameters { name, parameter in
                guard let gradient = gradients[name] else { return parameter }
                check(gradient.shape == parameter.shape, "\(Self.self).update: gradient \(gradient.shape) for parameter '\(name)' of shape \(parameter.shape)")
                return updated(parameter.detached(), named: name, gradient: gradient.detached(), learningRate: rate, step: step)
            }
        }
        state.step = step + 1
    }

    /// Applies one update from the gradients that ``Tensor/backward(seed:retainGraph:)``
    /// accumulated into the parameters of `model` (the PyTorch workflow:
    /// `loss.backward(); optimizer.step(model)`). Parameters without a
    /// gradient are left as they are. The updated parameters are new leaves
    /// with no gradient, so nothing needs zeroing before the next backward pass.
    ///
    /// - Precondition: at least one parameter has a gradient.
    public func step(_ model: some Layer<Scalar>) {
        var gradients: [String: Tensor<Scalar>] = [:]
        for (name, parameter) in model.namedParameters {
            if let gradient = parameter.gradient { gradients[name] = gradient }
        }
        check(!gradients.isEmpty, "\(Self.self).step: no parameter has a gradient; call backward() on a loss that depends on them first")
        update(model, along: gradients)
    }
}
