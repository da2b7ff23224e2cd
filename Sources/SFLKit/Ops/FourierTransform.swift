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
