import Foundation

/// The structural similarity index (SSIM) of Wang, Bovik, Sheikh and
/// Simoncelli, "Image quality assessment: from error visibility to structural
/// similarity" (IEEE TIP 2004), as a training loss: `E_SSIM = 1 − SSIM`.
///
/// Computed as pytorch-msssim 1.0.0's `ssim`: a normalised 1-D Gaussian window
/// `g[k] ∝ exp(−(k − ⌊n/2⌋)² / 2σ²)`, `k = 0 … n−1` (its taps rounded to
/// single precision, as the package builds it), applied separably to every
/// channel with no padding (an axis shorter than the window is not filtered);
/// from it the local means `μ_r, μ_o`, variances `σ_r², σ_o²` and covariance
/// `σ_ro` (`σ_r² = g ⋆ r² − μ_r²`, …), and the map
/// `SSIM = (2μ_rμ_o + C1)(2σ_ro + C2) / ((μ_r² + μ_o² + C1)(σ_r² + σ_o² + C2))`
/// with `C1 = (K1·L)²`, `C2 = (K2·L)²` and `L` the data range (2 for images
/// in [−1, 1]). The map is averaged over its pixels, per channel and image,
/// then over channels and images. For images of different sizes, evaluate
/// each image (`N = 1`) and average the values over the images.
public struct SSIMLoss: Equatable, Sendable {
    /// The window's side `n` (odd; default 11, as in the paper and pytorch-msssim).
    public var windowSize: Int
    /// The window's standard deviation σ in pixels (default 1.5).
    public var sigma: Double
    /// `K1` of `C1 = (K1·L)²` (default 0.01).
    public var k1: Double
    /// `K2` of `C2 = (K2·L)²` (default 0.03).
    public var k2: Double
    /// The data range `L`: maximum minus minimum pixel value (default 2, for SFLKit's images in [−1, 1]).
    public var dataRange: Double
    /// Whether each channel's SSIM is clamped at 0 before averaging
    /// (pytorch-msssim's `nonnegative_ssim`, default false).
    public var nonnegative: Bool

    /// Creates the loss; the defaults are pytorch-msssim's (and the paper's)
    /// except the data range, 2 for images in [−1, 1].
    ///
    /// - Precondition: `windowSize` is odd and positive, `sigma` and `dataRange` positive.
    public init(windowSize: Int = 11, sigma: Double = 1.5, k1: Double = 0.01, k2: Double = 0.03, dataRange: Double = 2,
                nonnegative: Bool = false) {
        checkSimilarityParameters(windowSize: windowSize, sigma: sigma, dataRange: dataRange, loss: "SSIMLoss")
        self.windowSize = windowSize
        self.sigma = sigma
        self.k1 = k1
        self.k2 = k2
        self.dataRange = dataRange
        self.nonnegative = nonnegative
    }

    /// The SSIM of every channel of every image, `[N, C]` (differentiable).
    ///
    /// - Precondition: both are `[N, C, H, W]` of one shape.
    public func similarityPerChannel<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Tensor<Scalar> {
        checkImagePair(reconstruction, original, loss: "SSIMLoss")
        let perChannel = structuralSimilarity(reconstruction, original).similarity
        return nonnegative ? perChannel.relu() : perChannel
    }

    /// The SSIM, averaged over channels and images: a scalar tensor, 1 for identical images.
    ///
    /// - Precondition: as for ``similarityPerChannel(_:_:)``.
    public func similarity<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Tensor<Scalar> {
        similarityPerChannel(reconstruction, original).mean()
    }

    /// The loss `1 − SSIM`, a scalar tensor.
    ///
    /// - Precondition: as for ``similarityPerChannel(_:_:)``.
    public func callAsFunction<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Tensor<Scalar> {
        1 - similarity(reconstruction, original)
    }

    /// The per-channel SSIM and contrast-structure terms.
    func structuralSimilarity<Scalar>(_ x: Tensor<Scalar>, _ y: Tensor<Scalar>) -> (similarity: Tensor<Scalar>, contrastStructure: Tensor<Scalar>) {
        SFLKit.structuralSimilarity(x, y, window: gaussianWindow(size: windowSize, sigma: sigma),
                                    c1: (k1 * dataRange) * (k1 * dataRange), c2: (k2 * dataRange) * (k2 * dataRange))
    }
}

/// Stops unless the parameters shared by SSIM and MS-SSIM are valid.
func checkSimilarityParameters(windowSize: Int, sigma: Double, dataRange: Double, loss: String) {
    check(windowSize > 0 && windowSize % 2 == 1, "\(loss): the window size must be odd and positive, got \(windowSize)")
    check(sigma > 0 && sigma.isFinite, "\(loss): sigma must be positive and finite, got \(sigma)")
    check(dataRange > 0 && dataRange.isFinite, "\(loss): the data range must be positive and finite, got \(dataRange)")
}

/// The normalised Gaussian window `g[k] = exp(−(k − ⌊n/2⌋)² / 2σ²) / Σ`, `k = 0 … n−1`.
///
/// Built in single precision and then widened, as pytorch-msssim builds it
/// (its window is a `float32` tensor, converted to the images' type): the
/// exponent and each tap are rounded to `Float`, the taps are summed exactly
/// and divided in `Float`. In Double this reproduces the package's float64
/// results to rounding (a window built in Double differs from them by ~1e-8).
func gaussianWindow(size: Int, sigma: Double) -> [Double] {
    let denominator = Float(2 * sigma * sigma)
    let taps = (0..<size).map { k -> Float in
        let offset = Float(k - size / 2)
        return Float(Foundation.exp(Double(-(offset * offset) / denominator)))
    }
    let total = Float(taps.reduce(0.0) { $0 + Double($1) })
    return taps.map { Double($0 / total) }
}

/// The SSIM and contrast-structure maps of `x` against `y` with the separable
/// `window` (valid; an axis shorter than the window is left unfiltered),
/// each averaged over its pixels: two `[N, C]` tensors.
///
/// `cs = (2σ_xy + C2) / (σ_x² + σ_y² + C2)` and `SSIM = (2μ_xμ_y + C1) / (μ_x² + μ_y² + C1) · cs`.
func structuralSimilarity<Scalar>(_ x: Tensor<Scalar>, _ y: Tensor<Scalar>, window: [Double], c1: Double,
                                  c2: Double) -> (similarity: Tensor<Scalar>, contrastStructure: Tensor<Scalar>) {
    let vertical = x.shape[2] >= window.count ? window : [1], horizontal = x.shape[3] >= window.count ? window : [1]
    func blur(_ image: Tensor<Scalar>) -> Tensor<Scalar> {
        image.filteredSeparably(verticalTaps: vertical, horizontalTaps: horizontal, padding: .valid)
    }
    return Tensor.similarityMeans(meanX: blur(x), meanY: blur(y), squareX: blur(x.squared()), squareY: blur(y.squared()),
                                  product: blur(x * y), c1: c1, c2: c2)
}
