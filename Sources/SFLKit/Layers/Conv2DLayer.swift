/// A 2-D convolution layer over NCHW images: a weight
/// `[outputChannels, inputChannels, kernelSize, kernelSize]`, an optional bias
/// `[outputChannels]`, a stride and zero padding (none by default, as in PyTorch; see ``Tensor/conv2D(weight:bias:stride:padding:)``).
public final class Conv2D<Scalar: TensorScalar>: Layer {
    /// The filters, `[outputChannels, inputChannels, kernelHeight, kernelWidth]`.
    public var weight: Tensor<Scalar>
    /// The bias, `[outputChannels]`, or `nil`.
    public var bias: Tensor<Scalar>?
    /// The step between output positions.
    public let stride: Int
    /// The zero padding of the input.
    public let padding: Padding

    /// Creates a layer with the given parameters (made trainable).
    ///
    /// - Precondition: `weight` has rank 4; `bias`, if any, is `[weight.shape[0]]`.
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>?, stride: Int = 1, padding: Padding = .valid) {
        check(weight.rank == 4, "Conv2D: weight must be [O, C, kH, kW], got \(weight.shape)")
        check(bias == nil || bias!.shape == [weight.shape[0]], "Conv2D: bias \(bias?.shape ?? []) does not match weight \(weight.shape)")
        check(stride >= 1, "Conv2D: stride must be at least 1, got \(stride)")
        self.weight = weight.requiringGradient()
        self.bias = bias?.requiringGradient()
        self.stride = stride
        self.padding = padding
    }

    /// Creates a layer with a square kernel, weights from `initializer` and zero biases.
    ///
    /// - Parameters:
    ///   - inputChannels: the channels of the input.
    ///   - outputChannels: the channels of the output (the number of filters).
    ///   - kernelSize: the side of the square kernel.
    ///   - stride: the step between output positions.
    ///   - padding: the zero padding of the input (none by default, as in PyTorch).
    ///   - useBias: whether the layer has a bias.
    ///   - initializer: how to draw the weights; by default the paper's N(0, 0.02²).
    ///   - generator: the source of randomness (advanced by the draw).
    public convenience init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Padding = .valid,
        useBias: Bool = true, initializer: Initializer = .normal(standardDeviation: 0.02), using generator: inout SeededGenerator
    ) {
        check(inputChannels > 0 && outputChannels > 0 && kernelSize > 0,
              "Conv2D: channel counts and kernel size must be positive, got \(inputChannels)→\(outputChannels), \(kernelSize)")
        let shape = [outputChannels, inputChannels, kernelSize, kernelSize]
        let fanIn = inputChannels * kernelSize * kernelSize, fanOut = outputChannels * kernelSize * kernelSize
        self.init(weight: initializer.makeTensor(shape: shape, fanIn: fanIn, fanOut: fanOut, using: &generator),
                  bias: useBias ? Tensor(zeros: [outputChannels]) : nil, stride: stride, padding: padding)
    }

    /// Convolves `input` `[N, inputChannels, H, W]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        input.conv2D(weight: weight, bias: bias, stride: stride, padding: padding)
    }

    /// Convolves `input` and applies `activation`: the same as
    /// `activation(self(input))`, with a ReLU fused into the convolution
    /// (``Tensor/conv2DReLU(weight:bias:stride:padding:)``).
    public func callAsFunction(_ input: Tensor<Scalar>, then activation: Activation) -> Tensor<Scalar> {
        if activation == .relu {
            return input.conv2DReLU(weight: weight, bias: bias, stride: stride, padding: padding)
        }
        return activation(self(input))
    }

    /// Visits `weight` and, when present, `bias`.
    public func visitParameters(_ visit: (_ name: String, _ parameter: inout Tensor<Scalar>) -> Void) {
        visit("weight", &weight)
        if var value = bias {
            visit("bias", &value)
            bias = value
        }
    }
}
