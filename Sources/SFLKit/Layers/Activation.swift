/// An elementwise nonlinearity, as a value that layers and models are configured with.
public enum Activation: Equatable, Sendable, Codable {
    /// `max(x, 0)`.
    case relu
    /// The hyperbolic tangent (the paper's output layer: values in (−1, 1)).
    case tanh
    /// The logistic sigmoid.
    case sigmoid
    /// `x` for positive `x`, `slope · x` otherwise.
    case leakyRelu(slope: Double = 0.01)
    /// The identity (the paper's LoG layer).
    case identity

    /// Applies the nonlinearity to `x`.
    public func callAsFunction<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        switch self {
        case .relu: return x.relu()
        case .tanh: return x.tanh()
        case .sigmoid: return x.sigmoid()
        case .leakyRelu(let slope): return x.leakyRelu(slope: Scalar(slope))
        case .identity: return x
        }
    }
}

/// A layer that applies an ``Activation``.
public final class ActivationLayer<Scalar: TensorScalar>: Layer {
    /// The nonlinearity applied.
    public let activation: Activation

    /// Creates a layer applying `activation`.
    public init(_ activation: Activation) { self.activation = activation }

    /// Applies the activation to `input`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { activation(input) }
}
