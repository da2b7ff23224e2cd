/// A container that applies its layers in order; parameter names are
/// prefixed by each layer's position (`"0.weight"`, `"2.bias"`).
public final class Sequential<Scalar: TensorScalar>: Layer {
    /// The layers, applied first to last.
    public let layers: [any Layer<Scalar>]

    /// Creates a container of `layers`.
    public init(_ layers: [any Layer<Scalar>]) { self.layers = layers }

    /// Applies every layer in order.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        layers.reduce(input) { $1($0) }
    }

    /// Visits each layer's parameters, prefixed by its index.
    public func visitParameters(_ visit: (_ name: String, _ parameter: inout Tensor<Scalar>) -> Void) {
        for (index, layer) in layers.enumerated() {
            layer.visitParameters { name, parameter in visit("\(index).\(name)", &parameter) }
        }
    }
}
