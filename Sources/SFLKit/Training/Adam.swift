/// Adam, and AdamW with decoupled weight decay.
///
/// `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`,
/// `p ← p − η · m̂ / (√v̂ + ε)` with `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)`.
/// Weight decay λ is added to the gradient (`decoupled: false`, Adam's L2)
/// or applied as `p ← p − η·λ·p` (`decoupled: true`, AdamW).
public final class Adam<Scalar: TensorScalar>: Optimizer {
    /// The learning rate η (used when no schedule is set).
    public var learningRate: Double
    /// The decay of the first moment, β₁.
    public var beta1: Double
    /// The decay of the second moment, β₂.
    public var beta2: Double
    /// The denominator's guard ε.
    public var epsilon: Double
    /// The weight decay λ.
    public var weightDecay: Double
    /// Whether weight decay is decoupled from the gradient (AdamW).
    public var decoupledWeightDecay: Bool
    /// An optional learning-rate schedule.
    public var schedule: LearningRateSchedule?
    /// The update count and the moments (`"m.<parameter>"`, `"v.<parameter>"`).
    public var state = OptimizerState<Scalar>()

    /// Creates the optimizer (PyTorch's defaults: η = 0.001, β = (0.9, 0.999), ε = 1e−8).
    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                weightDecay: Double = 0, decoupledWeightDecay: Bool = false, schedule: LearningRateSchedule? = nil) {
        check(learningRate >= 0 && (0..<1).contains(beta1) && (0..<1).contains(beta2) && epsilon > 0 && weightDecay >= 0,
              "Adam: invalid hyperparameters η \(learningRate), β₁ \(beta1), β₂ \(beta2), ε \(epsilon), λ \(weightDecay)")
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        self.schedule = schedule
    }

    /// Creates AdamW (decoupled weight decay, PyTorch's default λ = 0.01).
    public static func adamW(learningRate: Double = 1e-3, weightDecay: Double = 0.01) -> Adam {
        Adam(learningRate: learningRate, weightDecay: weightDecay, decoupledWeightDecay: true)
    }

    /// One Adam step for one parameter.
    public func updated(_ parameter: Tensor<Scalar>, named name: String, gradient: Tensor<Scalar>, learningRate: Double, step: Int) -> Tensor<Scalar> {
        let g = weightDecay != 0 && !decoupledWeightDecay ? gradient + parameter * Scalar(weightDecay) : gradient
        let t = Double(step + 1)
        let m = (state.tensors["m.\(name)"] ?? Tensor(zeros: parameter.shape)) * Scalar(beta1) + g * Scalar(1 - beta1)
        let v = (state.tensors["v.\(name)"] ?? Tensor(zeros: parameter.shape)) * Scalar(beta2) + g.squared() * Scalar(1 - beta2)
        state.tensors["m.\(name)"] = m
        state.tensors["v.\(name)"] = v
        let correctedM = m / Scalar(1 - Foundation.pow(beta1, t))
        let correctedV = v / Scalar(1 - Foundation.pow(beta2, t))
        let decayed = decoupledWeightDecay && weightDecay != 0 ? parameter * Scalar(1 - learningRate * weightDecay) : parameter
        return decayed - correctedM / (correctedV.squareRoot() + Scalar(epsilon)) * Scalar(learningRate)
    }
}

import Foundation
