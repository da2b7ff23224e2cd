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
    /// Applies one update to every parameter of `model`; `gradients` are in
    /// the order of `model.namedParameters`.
    ///
    /// - Precondition: one gradient per parameter, each of its parameter's shape.
    public func update(_ model: some Layer<Scalar>, along gradients: [Tensor<Scalar>]) {
        let count = model.namedParameters.count
        check(gradients.count == count, "\(Self.self).update: \(gradients.count) gradients for \(count) parameters")
        let step = state.step
        let rate = schedule?(step) ?? learningRate
        var index = 0
        withoutGradients {
            model.updateParameters { name, parameter in
                let gradient = gradients[index]
                index += 1
                check(gradient.shape == parameter.shape, "\(Self.self).update: gradient \(gradient.shape) for parameter '\(name)' of shape \(parameter.shape)")
                return updated(parameter.detached(), named: name, gradient: gradient.detached(), learningRate: rate, step: step)
            }
        }
        state.step = step + 1
    }

    /// Applies one update from the gradients that ``Tensor/backward(seed:retainGraph:)``
    /// accumulated into the parameters of `model` (the PyTorch workflow:
    /// `loss.backward(); optimizer.step(model)`). The updated parameters are
    /// new leaves with no gradient, so nothing needs zeroing before the next
    /// backward pass.
    ///
    /// - Precondition: every parameter has a gradient.
    public func step(_ model: some Layer<Scalar>) {
        let gradients = model.namedParameters.map { name, parameter in
            guard let gradient = parameter.gradient else {
                fatalError("\(Self.self).step: parameter '\(name)' has no gradient; call backward() on a loss that depends on it first")
            }
            return gradient
        }
        update(model, along: gradients)
    }
}
