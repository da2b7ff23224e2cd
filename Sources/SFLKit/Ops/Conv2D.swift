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
        convolution(weight: weight, bias: bias, stride: stride, padding: padding, rectified: false, name: "conv2D")
    }

    /// `conv2D(weight:bias:stride:padding:).relu()` in one op: the ReLU is
    /// applied as the convolution stores its output, which saves a pass over
    /// the output and its memory (the paper's hidden layers).
    ///
    /// The result and its gradients equal those of the two ops (the ReLU's
    /// gradient at 0 taken as 0).
    ///
    /// - Parameters and precondition: as ``conv2D(weight:bias:stride:padding:)``.
    public func conv2DReLU(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Padding = .valid) -> Tensor {
        convolution(weight: weight, bias: bias, stride: stride, padding: padding, rectified: true, name: "conv2DReLU")
    }

    /// The convolution of ``conv2D(weight:bias:stride:padding:)``, rectified
    /// or not, recorded as one op named `name`.
    private func convolution(weight: Tensor, bias: Tensor?, stride: Int, padding: Padding, rectified: Bool, name: String) -> Tensor {
        check(rank == 4 && weight.rank == 4 && shape[1] == weight.shape[1],
              "\(name): input \(shape) and weight \(weight.shape) are not [N, C, H, W] and [O, C, kH, kW] with matching C")
        check(bias == nil || bias!.shape == [weight.shape[0]], "\(name): bias \(bias?.shape ?? []) does not match weight \(weight.shape) (expected [\(weight.shape[0])])")
        check(stride >= 1, "\(name): stride must be at least 1, got \(stride)")
        let pads = padding.resolved(kernelHeight: weight.shape[2], kernelWidth: weight.shape[3])
        check(pads.top >= 0 && pads.bottom >= 0 && pads.left >= 0 && pads.right >= 0, "\(name): negative padding \(padding)")
        let geometry = Conv2DGeometry(
            batch: shape[0], inputChannels: shape[1], inputHeight: shape[2], inputWidth: shape[3],
            outputChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
            strideY: stride, strideX: stride, padTop: pads.top, padBottom: pads.bottom, padLeft: pads.left, padRight: pads.right)
        check(shape[2] + pads.top + pads.bottom >= weight.shape[2] && shape[3] + pads.left + pads.right >= weight.shape[3],
              "\(name): padded input \(shape) with padding \(padding) is smaller than the kernel \(weight.shape)")
        let outputShape = [geometry.batch, geometry.outputChannels, geometry.outputHeight, geometry.outputWidth]
        let output = TensorStorage<Scalar>(uninitializedCount: Shape.elementCount(outputShape))
        // A fused ReLU recorded for differentiation also records which outputs are positive, for the walk to move its
        // mask into the consumer's input gradient.
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        let positiveBits = rectified && Tensor.recordsOperation(on: inputs) ? PositiveBitsStorage(shape: outputShape) : nil
        Scalar.kernels.conv2DForward(storage.base, weight.storage.base, bias?.storage.base, output.base, geometry,
                                     ComputeThreads.current, rectified, positiveBits?.words)
        // The unfused op keeps only input and weight for its pullback; the fused one also its output (the ReLU's mask,
        // which the backward kernels apply to the gradient as they read it, unless the walk reports that the kernel
        // producing the gradient has applied it already).
        let input = storage, filter = weight.storage, inputShape = shape, weightShape = weight.shape
        let mask = rectified ? output : nil
        let rectifiedOutput = positiveBits.map { RectifiedOutput(values: output, positiveBits: $0) }
        return Tensor.recordOperation(name, shape: outputShape, storage: output, inputs: inputs,
                                      rectifiedOutput: rectifiedOutput) { gradient, needs, masks in
            let threads = ComputeThreads.current
            // Through the ReLU: the gradient counts where the output is positive (where the input to the ReLU was).
            let gradientMask = masks.gradientIsMasked ? nil : mask.map { UnsafePointer($0.base) }
            // Both gradients in one call: the backward kernel may read the gradient once for both.
            let inputResult = needs[0] ? TensorStorage<Scalar>(uninitializedCount: input.count) : nil
            let wantsWeights = needs[1] || needs.count > 2 && needs[2]
            let weights = wantsWeights ? TensorStorage<Scalar>(uninitializedCount: filter.count) : nil
            let biases = wantsWeights && needs.count > 2 ? TensorStorage<Scalar>(uninitializedCount: weightShape[0]) : nil
            // The input's own fused ReLU, when the walk moves it here: masked as the gradient is stored.
            let inputMask = masks.inputMasks[0].map { UnsafePointer($0.positiveBits.words) }
            Scalar.kernels.conv2DBackward(gradient.storage.base, filter.base, input.base, inputResult?.base, weights?.base,
                                          biases?.base, geometry, threads, gradientMask, inputMask)
            let inputGradient = inputResult.map { Tensor(shape: inputShape, storage: $0) }
            // A weight or bias computed by a fused ReLU (unusual, but the walk may move its mask here too).
            let weightGradient = weights.map { Tensor(shape: weightShape, storage: keepingPositive($0, mask: masks.inputMasks[1]?.values)) }
            let biasGradient = biases.map { Tensor(shape: [weightShape[0]], storage: keepingPositive($0, mask: masks.inputMasks[2]?.values)) }
            return needs.count > 2 ? [inputGradient, weightGradient, biasGradient] : [inputGradient, weightGradient]
        }
    }
}

/// `gradient` zeroed in place where `mask` is not positive (a ReLU's
/// gradient, for the small weight and bias tensors); unchanged when `mask`
/// is `nil`.
private func keepingPositive<Scalar>(_ gradient: TensorStorage<Scalar>, mask: TensorStorage<Scalar>?) -> TensorStorage<Scalar> {
    if let mask {
        for i in 0..<gradient.count where !(mask.base[i] > 0) { gradient.base[i] = 0 }
    }
    return gradient
}
