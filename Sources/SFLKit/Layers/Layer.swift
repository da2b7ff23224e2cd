/// A differentiable building block of a model: a function of one tensor with
/// named, trainable parameters.
///
/// Layers are classes, so that a model, its optimizer and its checkpoints all
/// see the same parameters. The whole contract is ``callAsFunction(_:)``;
/// ``visitParameters(_:)`` exposes the parameters by stable names (containers
/// prefix the names of their children: `"encoder.0.weight"`), in a fixed
/// order, so optimizers and checkpoints can read and replace them.
///
/// ```swift
/// let conv = Conv2D<Float>(inputChannels: 3, outputChannels: 8, kernelSize: 3, using: &generator)
/// let features = conv(image).relu()
/// ```
public protocol Layer<Scalar>: AnyObject {
    /// The element type of the tensors the layer computes with.
    associatedtype Scalar: TensorScalar

    /// Applies the layer to `input`.
    func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar>

    /// Calls `visit` with the name and a mutable reference to each trainable
    /// parameter, in a fixed order. The default has none.
    func visitParameters(_ visit: (_ name: String, _ parameter: inout Tensor<Scalar>) -> Void)
}

extension Layer {
    /// A layer without trainable parameters visits none.
    public func visitParameters(_ visit: (_ name: String, _ parameter: inout Tensor<Scalar>) -> Void) {}

    /// The trainable parameters with their names, in visiting order.
    public var namedParameters: [(name: String, value: Tensor<Scalar>)] {
        var result: [(name: String, value: Tensor<Scalar>)] = []
        visitParameters { name, parameter in result.append((name, parameter)) }
        return result
    }

    /// The trainable parameters in visiting order.
    public var parameters: [Tensor<Scalar>] { namedParameters.map(\.value) }

    /// The total number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.scalarCount } }

    /// Clears the gradient accumulated in every parameter (PyTorch's `zero_grad`).
    public func clearGradients() {
        for parameter in parameters { parameter.clearGradient() }
    }

    /// Replaces every parameter by `transform(name, parameter)`, in visiting
    /// order; each new value becomes a gradient leaf (a fresh one if it was
    /// computed from other tensors).
    ///
    /// - Precondition: each new value has its parameter's shape.
    public func updateParameters(_ transform: (_ name: String, _ parameter: Tensor<Scalar>) -> Tensor<Scalar>) {
        visitParameters { name, parameter in
            let value = transform(name, parameter)
            check(value.shape == parameter.shape, "updateParameters: new value \(value.shape) for parameter '\(name)' of shape \(parameter.shape)")
            parameter = value.isGradientLeaf ? value : value.detached().requiringGradient()
        }
    }
}
