/// The multi-scale structural similarity index (MS-SSIM) of Wang, Simoncelli
/// and Bovik, "Multiscale structural similarity for image quality
/// assessment" (Asilomar 2003), as a training loss: `E_MS-SSIM = 1 − MS-SSIM`.
///
/// Computed as pytorch-msssim 1.0.0's `ms_ssim`: at each of the first
/// `M − 1` scales (`M` = the number of weights) the contrast-structure term
/// `cs` of ``SSIMLoss`` (same window and constants), averaged over the pixels
/// of every channel and image and clamped at 0, is kept, and both images are
/// average-pooled 2 × 2 (stride 2, with `H mod 2` rows and `W mod 2` columns of
/// zeros on each side counted in the mean, as `F.avg_pool2d` does); at the
/// last scale the full SSIM, clamped at 0. Then
/// `MS-SSIM = mean_{n,c} Π_j term_j(n, c)^(weight_j)`. For images of different
/// sizes, evaluate each image (`N = 1`) and average the values over the images.
public struct MultiScaleSSIMLoss: Equatable, Sendable {
    /// The window's side `n` (odd; default 11).
    public var windowSize: Int
    /// The window's standard deviation σ in pixels (default 1.5).
    public var sigma: Double
    /// `K1` of `C1 = (K1·L)²` (default 0.01).
    public var k1: Double
    /// `K2` of `C2 = (K2·L)²` (default 0.03).
    public var k2: Double
    /// The data range `L` (default 2, for SFLKit's images in [−1, 1]).
    public var dataRange: Double
    /// The exponent of each scale, finest first (default the paper's
    /// `[0.0448, 0.2856, 0.3001, 0.2363, 0.1333]`, five scales).
    public var weights: [Double]

    /// Creates the loss; the defaults are pytorch-msssim's (and the paper's)
    /// except the data range, 2 for images in [−1, 1].
    ///
    /// - Precondition: `windowSize` odd and positive; `sigma`, `dataRange` positive; at least one weight.
    public init(windowSize: Int = 11, sigma: Double = 1.5, k1: Double = 0.01, k2: Double = 0.03, dataRange: Double = 2,
                weights: [Double] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]) {
        checkSimilarityParameters(windowSize: windowSize, sigma: sigma, dataRange: dataRange, loss: "MultiScaleSSIMLoss")
        check(!weights.isEmpty, "MultiScaleSSIMLoss: no scale weights given")
        self.windowSize = windowSize
        self.sigma = sigma
        self.k1 = k1
        self.k2 = k2
        self.dataRange = dataRange
        self.weights = weights
    }

    /// The smallest side an image needs: larger than `(windowSize − 1) · 2^(M − 1)`
    /// (pytorch-msssim's requirement, so the coarsest scale still holds a window).
    public var minimumSide: Int { (windowSize - 1) * (1 << (weights.count - 1)) + 1 }

    /// The MS-SSIM of every channel of every image, `[N, C]` (differentiable).
    ///
    /// - Precondition: both are `[N, C, H, W]` of one shape with `min(H, W) ≥` ``minimumSide``.
    public func similarityPerChannel<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Tensor<Scalar> {
        checkImagePair(reconstruction, original, loss: "MultiScaleSSIMLoss")
        check(min(reconstruction.shape[2], reconstruction.shape[3]) >= minimumSide,
              "MultiScaleSSIMLoss: \(weights.count) scales with a \(windowSize)-pixel window need images of at least \(minimumSide) pixels a side, got \(reconstruction.shape) and \(original.shape)")
        let window = gaussianWindow(size: windowSize, sigma: sigma)
        let c1 = (k1 * dataRange) * (k1 * dataRange), c2 = (k2 * dataRange) * (k2 * dataRange)
        var x = reconstruction, y = original
        var product: Tensor<Scalar>?
        for (scale, weight) in weights.enumerated() {
            let (similarity, contrastStructure) = structuralSimilarity(x, y, window: window, c1: c1, c2: c2)
            let last = scale == weights.count - 1
            let factor = (last ? similarity : contrastStructure).relu().raised(toPower: Scalar(weight))
            product = product.map { $0 * factor } ?? factor
            if !last {
                let paddingHeight = x.shape[2] % 2, paddingWidth = x.shape[3] % 2
                x = x.averagePooled(size: 2, paddingHeight: paddingHeight, paddingWidth: paddingWidth)
                y = y.averagePooled(size: 2, paddingHeight: paddingHeight, paddingWidth: paddingWidth)
            }
        }
        return product!
    }

    /// The MS-SSIM, averaged over channels and images: a scalar tensor, 1 for identical images.
    ///
    /// - Precondition: as for ``similarityPerChannel(_:_:)``.
    public func similarity<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Tensor<Scalar> {
        similarityPerChannel(reconstruction, original).mean()
    }

    /// The loss `1 − MS-SSIM`, a scalar tensor.
    ///
    /// - Precondition: as for ``similarityPerChannel(_:_:)``.
    public func callAsFunction<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Tensor<Scalar> {
        1 - similarity(reconstruction, original)
    }
}
