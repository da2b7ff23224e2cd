/// The Laplacian-pyramid L1 loss of Bojanowski, Joulin, Lopez-Paz and Szlam,
/// "Optimizing the latent space of generative networks" (ICML 2018): the L1
/// distance between the Laplacian pyramids of reconstruction and original,
/// the finer levels weighted more.
///
/// `E_Lap1 = Σ_{j=0}^{J−1} 2^(−2j) · mean |L_j(recon) − L_j(orig)|`, the mean
/// over the `N·C·H_j·W_j` values of level `j`, where
/// `G_0 = x`, `G_{j+1} = blur(G_j)[::2, ::2]` (every second row and column,
/// starting with the first), `L_j = G_j − blur(G_j)` for `j < J − 1` and
/// `L_{J−1} = G_{J−1}`, and `blur` is the 5-tap binomial kernel
/// `[1, 4, 6, 4, 1] / 16` applied separably to every channel with the edge
/// pixels replicated. The pyramid is linear, so it is built once, from
/// `recon − orig`. For images of different sizes, evaluate each image
/// (`N = 1`) and average the values over the images.
public struct LaplacianPyramidLoss: Equatable, Sendable {
    /// The number of levels `J` (the last one is the low-pass residual).
    public var levels: Int
    /// The 1-D blur kernel, applied along both axes (normalised by its sum).
    public var kernel: [Double]

    /// Creates the loss; by default 4 levels (as in the project's reference
    /// case) and the binomial kernel `[1, 4, 6, 4, 1] / 16`.
    ///
    /// - Precondition: `levels ≥ 1`; the kernel is not empty and its sum is not 0.
    public init(levels: Int = 4, kernel: [Double] = [1, 4, 6, 4, 1]) {
        let total = kernel.reduce(0, +)
        check(levels >= 1, "LaplacianPyramidLoss: levels must be at least 1, got \(levels)")
        check(!kernel.isEmpty && total != 0 && total.isFinite, "LaplacianPyramidLoss: the kernel \(kernel) must be non-empty with a finite, non-zero sum")
        self.levels = levels
        self.kernel = kernel.map { $0 / total }
    }

    /// The loss and its unweighted per-level terms `mean |L_j(recon) − L_j(orig)|`,
    /// `[levels]`, finest first (weights `2^(−2j)`).
    ///
    /// - Precondition: both are `[N, C, H, W]` of one shape.
    public func breakdown<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> LossBreakdown<Scalar> {
        checkImagePair(reconstruction, original, loss: "LaplacianPyramidLoss")
        var gaussian = reconstruction - original
        var terms: [Tensor<Scalar>] = []
        for level in 0..<levels {
            if level == levels - 1 {
                terms.append(gaussian.absoluteValue().mean().reshaped(to: [1]))
                break
            }
            let blurred = gaussian.filteredSeparably(verticalTaps: kernel, horizontalTaps: kernel, padding: .replicate)
            terms.append((gaussian - blurred).absoluteValue().mean().reshaped(to: [1]))
            gaussian = blurred.subsampled(stride: 2)
        }
        return LossBreakdown(terms: Tensor(concatenating: terms, alongAxis: 0),
                             weights: (0..<levels).map { 1 / Double(1 << (2 * $0)) }, name: "LaplacianPyramidLoss")
    }

    /// The loss `E_Lap1`, a scalar tensor.
    ///
    /// - Precondition: as for ``breakdown(_:_:)``.
    public func callAsFunction<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Tensor<Scalar> {
        breakdown(reconstruction, original).value
    }
}
