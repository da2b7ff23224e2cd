/// Zero padding of a convolution's input, per side.
///
/// An integer literal pads every side by that amount: `padding: 1`.
public enum Padding: Equatable, Sendable, ExpressibleByIntegerLiteral {
    /// No padding.
    case valid
    /// `(k − 1) / 2` on the top and left and the rest on the bottom and right,
    /// so that the output has `⌈n / stride⌉` rows and columns (for stride 1,
    /// the input's size; for the paper's 3×3 layers, padding 1).
    case same
    /// Explicit padding of each side.
    case explicit(top: Int, bottom: Int, left: Int, right: Int)

    /// Pads every side by `value`.
    public init(integerLiteral value: Int) {
        self = .explicit(top: value, bottom: value, left: value, right: value)
    }

    /// The padding of each side for a kernel of the given size.
    func resolved(kernelHeight: Int, kernelWidth: Int) -> (top: Int, bottom: Int, left: Int, right: Int) {
        switch self {
        case .valid: return (0, 0, 0, 0)
        case .same: return ((kernelHeight - 1) / 2, kernelHeight / 2, (kernelWidth - 1) / 2, kernelWidth / 2)
        case let .explicit(top, bottom, left, right): return (top, bottom, left, right)
        }
    }
}

extension Tensor {
    /// The 2-D convolution (cross-correlation, as PyTorch's `conv2d`) of this
    /// batch of images with `weight`, plus `bias`.
    ///
    /// `output[n, o, y, x] = bias[o] + Σ_{c, i, j} weight[o, c, i, j] · input[n, c, y·s + i − top, x·s + j − left]`,
    /// reading zeros outside the input.
    ///
    /// - Parameters:
    ///   - weight: `[outputChannels, inputChannels, kernelHeight, kernelWidth]`.
    ///   - bias: `[outputChannels]`, or `nil`.
    ///   - stride: the step between output positions, in both directions.
    ///   - padding: zero padding of the input.
    /// - Returns: `[N, outputChannels, H′, W′]` with `H′ = (H + top + bottom − kernelHeight) / stride + 1`
    ///   (likewise `W′`); `⌈H / stride⌉` with `.same`.
    /// - Precondition: `self` is `[N, inputChannels, H, W]`; `stride ≥ 1`; paddings
    ///   are non-negative and the padded input is at least the kernel's size.
    public func conv2D(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Padding = .valid) -> Tensor {
        check(rank == 4 && weight.rank == 4 && shape[1] == weight.shape[1],
              "conv2D: input \(shape) and weight \(weight.shape) are not [N, C, H, W] and [O, C, kH, kW] with matching C")
        check(bias == nil || bias!.shape == [weight.shape[0]], "conv2D: bias \(bias?.shape ?? []) does not match weight \(weight.shape) (expected [\(weight.shape[0])])")
        check(stride >= 1, "conv2D: stride must be at least 1, got \(stride)")
        let pads = padding.resolved(kernelHeight: weight.shape[2], kernelWidth: weight.shape[3])
        check(pads.top >= 0 && pads.bottom >= 0 && pads.left >= 0 && pads.right >= 0, "conv2D: negative padding \(padding)")
        let geometry = Conv2DGeometry(
            batch: shape[0], inputChannels: shape[1], inputHeight: shape[2], inputWidth: shape[3],
            outputChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
            strideY: stride, strideX: stride, padTop: pads.top, padBottom: pads.bottom, padLeft: pads.left, padRight: pads.right)
        check(shape[2] + pads.top + pads.bottom >= weight.shape[2] && shape[3] + pads.left + pads.right >= weight.shape[3],
              "conv2D: padded input \(shape) with padding \(padding) is smaller than the kernel \(weight.shape)")
        let outputShape = [geometry.batch, geometry.outputChannels, geometry.outputHeight, geometry.outputWidth]
        let output = TensorStorage<Scalar>(uninitializedCount: Shape.elementCount(outputShape))
        Scalar.kernels.conv2DForward(storage.base, weight.storage.base, bias?.storage.base, output.base, geometry, ComputeThreads.current)
        let input = storage, filter = weight.storage, inputShape = shape, weightShape = weight.shape
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return Tensor.recordOperation("conv2D", shape: outputShape, storage: output, inputs: inputs) { gradient, needs in
            let threads = ComputeThreads.current
            var inputGradient: Tensor?, weightGradient: Tensor?, biasGradient: Tensor?
            if needs[0] {
                let result = TensorStorage<Scalar>(uninitializedCount: input.count)
                Scalar.kernels.conv2DInputGradient(gradient.storage.base, filter.base, result.base, geometry, threads)
                inputGradient = Tensor(shape: inputShape, storage: result)
            }
            if needs[1] || needs.count > 2 && needs[2] {
                let weights = TensorStorage<Scalar>(uninitializedCount: filter.count)
                let biases = needs.count > 2 ? TensorStorage<Scalar>(uninitializedCount: weightShape[0]) : nil
                Scalar.kernels.conv2DWeightGradient(input.base, gradient.storage.base, weights.base, biases?.base, geometry, threads)
                weightGradient = Tensor(shape: weightShape, storage: weights)
                biasGradient = biases.map { Tensor(shape: [weightShape[0]], storage: $0) }
            }
            return needs.count > 2 ? [inputGradient, weightGradient, biasGradient] : [inputGradient, weightGradient]
        }
    }
}
