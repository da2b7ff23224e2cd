extension Tensor {
    /// The orthonormal 2-D discrete Fourier transform of every plane (the
    /// last two axes) of a real tensor, as its real and imaginary parts
    /// (PyTorch's `torch.fft.fft2(x, norm="ortho")`), recorded for
    /// differentiation.
    ///
    /// `F[u, v] = 1/√(H·W) · Σ_y Σ_x x[y, x] · e^(−2πi(u·y/H + v·x/W))` for
    /// each plane `x` of `H × W`; zero frequency at `[0, 0]`, no shift. The
    /// transform is a mixed-radix fast Fourier transform (any size; lengths
    /// with large prime factors cost up to a direct DFT along that axis).
    /// Gradients flow from both parts: the pullback of `(g_re, g_im)` is
    /// `Re F(g_re − i·g_im)` (the transform is symmetric and unitary).
    ///
    /// - Returns: two tensors of `self`'s shape.
    /// - Precondition: rank ≥ 2, with non-empty planes.
    public func fourierTransform2D() -> (real: Tensor, imaginary: Tensor) {
        check(rank >= 2 && shape[rank - 2] > 0 && shape[rank - 1] > 0, "fourierTransform2D: expected [..., H, W] with H, W > 0, got \(shape)")
        let height = shape[rank - 2], width = shape[rank - 1], planes = scalarCount / (height * width)
        let scale = 1 / Double(height * width).squareRoot()
        let output = TensorStorage<Scalar>(uninitializedCount: 2 * scalarCount)
        Scalar.kernels.fourierTransform2D(storage.base, nil, output.base, output.base + scalarCount, planes, height, width, scale,
                                          ComputeThreads.current)
        let inputShape = shape, count = scalarCount
        let stacked = Tensor.recordOperation("fourierTransform2D", shape: [2] + shape, storage: output, inputs: [self]) { gradient, _ in
            // Re F(g_re − i·g_im): the imaginary input is −g_im.
            let negated = TensorStorage<Scalar>(uninitializedCount: count)
            Scalar.kernels.binaryScalar(.multiply, gradient.storage.base + count, -1, false, negated.base, count, ComputeThreads.current)
            let real = TensorStorage<Scalar>(uninitializedCount: count), imaginary = TensorStorage<Scalar>(uninitializedCount: count)
            Scalar.kernels.fourierTransform2D(gradient.storage.base, negated.base, real.base, imaginary.base, planes, height, width, scale,
                                              ComputeThreads.current)
            return [Tensor(shape: inputShape, storage: real)]
        }
        return (stacked[0], stacked[1])
    }
}

extension Tensor {
    /// The focal frequency term `mean(w · |F x|²)` of every plane (last two
    /// axes) of `self`, with `F` the orthonormal 2-D DFT and `w` the detached
    /// focal weights of ``FocalFrequencyLoss``, recorded as one op: a scalar.
    ///
    /// The pullback treats `w` as a constant: for the gradient `g` of the
    /// value, `∂/∂x = Re F(G_re − i·G_im)` with `G = 2g/M · w · F x` (`M` elements).
    func focalFrequencyMean(weighting: FocalWeighting) -> Tensor {
        check(rank >= 2 && scalarCount > 0, "FocalFrequencyLoss: expected [..., H, W] planes, got \(shape)")
        let height = shape[rank - 2], width = shape[rank - 1], planes = scalarCount / (height * width), count = scalarCount
        let scale = 1 / Double(height * width).squareRoot()
        // The spectrum, then w·D in place: kept for the pullback.
        let spectrum = TensorStorage<Scalar>(uninitializedCount: 2 * count)
        Scalar.kernels.fourierTransform2D(storage.base, nil, spectrum.base, spectrum.base + count, planes, height, width, scale,
                                          ComputeThreads.current)
        let sum = Scalar.kernels.focalFrequencySum(spectrum.base, spectrum.base + count, planes, height * width, weighting)
        let output = TensorStorage<Scalar>(uninitializedCount: 1)
        output.base[0] = Scalar(sum / Double(count))
        let inputShape = shape
        return Tensor.recordOperation("focalFrequencyMean", shape: [], storage: output, inputs: [self]) { gradient, _ in
            // G = 2g/M · w·D; the imaginary input of the transform is −G_im.
            let factor = 2 * gradient.scalar / Scalar(count)
            let real = TensorStorage<Scalar>(uninitializedCount: count), imaginary = TensorStorage<Scalar>(uninitializedCount: count)
            Scalar.kernels.binaryScalar(.multiply, spectrum.base, factor, false, real.base, count, ComputeThreads.current)
            Scalar.kernels.binaryScalar(.multiply, spectrum.base + count, -factor, false, imaginary.base, count, ComputeThreads.current)
            let result = TensorStorage<Scalar>(uninitializedCount: count), unused = TensorStorage<Scalar>(uninitializedCount: count)
            Scalar.kernels.fourierTransform2D(real.base, imaginary.base, result.base, unused.base, planes, height, width, scale,
                                              ComputeThreads.current)
            return [Tensor(shape: inputShape, storage: result)]
        }
    }
}
