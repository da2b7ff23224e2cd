/// How a parameter's initial values are drawn.
public enum Initializer: Equatable, Sendable, Codable {
    /// All zeros (biases).
    case zeros
    /// N(mean, standardDeviation²); the paper's filters use N(0, 0.02²).
    case normal(mean: Double = 0, standardDeviation: Double)
    /// He (Kaiming) normal: N(0, 2 / fanIn), for ReLU layers.
    case heNormal
    /// Xavier (Glorot) uniform: U(−a, a) with `a = √(6 / (fanIn + fanOut))`.
    case xavierUniform
    /// Xavier (Glorot) normal: N(0, 2 / (fanIn + fanOut)).
    case xavierNormal

    /// A tensor of `shape` drawn from this initializer, in row-major order.
    ///
    /// - Parameters:
    ///   - shape: the tensor's shape.
    ///   - fanIn: inputs per output unit (`inputChannels · kH · kW` for a convolution).
    ///   - fanOut: outputs per input unit (`outputChannels · kH · kW`).
    ///   - generator: the source of randomness (advanced by the draw).
    public func makeTensor<Scalar>(shape: [Int], fanIn: Int, fanOut: Int, using generator: inout SeededGenerator) -> Tensor<Scalar> {
        switch self {
        case .zeros:
            return Tensor(zeros: shape)
        case let .normal(mean, deviation):
            return Tensor(randomNormal: shape, mean: mean, standardDeviation: deviation, using: &generator)
        case .heNormal:
            return Tensor(randomNormal: shape, standardDeviation: (2 / Double(max(fanIn, 1))).squareRoot(), using: &generator)
        case .xavierUniform:
            let bound = (6 / Double(max(fanIn + fanOut, 1))).squareRoot()
            return Tensor(randomUniform: shape, in: -bound...bound, using: &generator)
        case .xavierNormal:
            return Tensor(randomNormal: shape, standardDeviation: (2 / Double(max(fanIn + fanOut, 1))).squareRoot(), using: &generator)
        }
    }
}
