/// Stochastic gradient descent with momentum (heavy-ball or Nesterov) and
/// L2 weight decay.
///
/// With `g = ∇ + λ·p`: `v ← μ·v + g` (from `v = 0`), then `p ← p − η·v`, or
/// `p ← p − η·(g + μ·v)` with Nesterov. With a constant η this is the
/// paper's rule `Δw(t) = −η·g + α·Δw(t−1)` (η = 0.02, μ = 0.5).
public final class SGD<Scalar: TensorScalar>: Optimizer {
    /// The learning rate η (used when no schedule is set).
    public var learningRate: Double
    /// The momentum μ (0: plain gradient descent).
    public var momentum: Double
    /// Whether to use Nesterov momentum.
    public var nesterov: Bool
    /// The L2 weight decay λ added to the gradient.
    public var weightDecay: Double
    /// An optional learning-rate schedule.
    public var schedule: LearningRateSchedule?
    /// The update count and the velocities (`"velocity.<parameter>"`).
    public var state = OptimizerState<Scalar>()

    /// Creates the optimizer; by default the paper's setting (η = 0.02, μ = 0.5).
    public init(learningRate: Double = 0.02, momentum: Double = 0.5, nesterov: Bool = false, weightDecay: Double = 0,
                schedule: LearningRateSchedule? = nil) {
        check(learningRate >= 0 && momentum >= 0 && weightDecay >= 0,
              "SGD: learning rate, momentum and weight decay must be non-negative, got \(learningRate), \(momentum), \(weightDecay)")
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.schedule = schedule
    }

    /// One SGD step for one parameter.
    public func updated(_ parameter: Tensor<Scalar>, named name: String, gradient: Tensor<Scalar>, learningRate: Double, step: Int) -> Tensor<Scalar> {
        let g = weightDecay == 0 ? gradient : gradient + parameter * Scalar(weightDecay)
        guard momentum != 0 else { return parameter - g * Scalar(learningRate) }
        let key = "velocity.\(name)"
        let velocity = state.tensors[key].map { $0 * Scalar(momentum) + g } ?? g
        state.tensors[key] = velocity
        let direction = nesterov ? g + velocity * Scalar(momentum) : velocity
        return parameter - direction * Scalar(learningRate)
    }
}
