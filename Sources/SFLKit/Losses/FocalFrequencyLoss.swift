import Foundation

/// The focal frequency loss of Jiang, Dai, Wu and Loy, "Focal frequency loss
/// for image reconstruction and synthesis" (ICCV 2021): the squared distance
/// between the Fourier spectra of reconstruction and original, each frequency
/// weighted by how wrong it currently is, so the hard frequencies dominate.
///
/// Computed as focal-frequency-loss 0.3.0: each image is cut into
/// `patchFactor × patchFactor` patches and `F = fft2(patch, norm="ortho")` is
/// taken per patch and channel (``Tensor/fourierTransform2D()``);
/// `d = |F_r − F_o|²`; the weight `w = (√d)^α`, then `log(w + 1)` when
/// ``logMatrix``, divided by its maximum over each patch's spectrum (over the
/// whole batch when ``batchMatrix``), NaN → 0, clamped to [0, 1], and
/// **detached** (no gradient flows through `w`); and
/// `E_FFL = lossWeight · mean(w · d)` over images, patches, channels and
/// frequencies. With ``averageSpectrum`` the spectra are first averaged over
/// the batch. Since `F` is linear, SFLKit transforms `recon − orig` once.
/// For images of different sizes, evaluate each image (`N = 1`) and average
/// the values over the images.
public struct FocalFrequencyLoss: Equatable, Sendable {
    /// The factor λ of the loss (default 1).
    public var lossWeight: Double
    /// The focusing exponent α of the weight (default 1).
    public var alpha: Double
    /// Patches per side: the spectrum is taken of each of `patchFactor²` patches (default 1, the whole image).
    public var patchFactor: Int
    /// Whether the spectra are averaged over the batch first (default false).
    public var averageSpectrum: Bool
    /// Whether the weight is `log(w + 1)` (default false).
    public var logMatrix: Bool
    /// Whether the weight is normalised by its maximum over the whole batch
    /// rather than per patch and channel (default false).
    public var batchMatrix: Bool

    /// Creates the loss; the defaults are the authors' (focal-frequency-loss 0.3.0).
    ///
    /// - Precondition: `patchFactor ≥ 1`; `alpha` finite and non-negative; `lossWeight` finite.
    public init(lossWeight: Double = 1, alpha: Double = 1, patchFactor: Int = 1, averageSpectrum: Bool = false,
                logMatrix: Bool = false, batchMatrix: Bool = false) {
        check(patchFactor >= 1, "FocalFrequencyLoss: patchFactor must be at least 1, got \(patchFactor)")
        check(alpha >= 0 && alpha.isFinite, "FocalFrequencyLoss: alpha must be finite and non-negative, got \(alpha)")
        check(lossWeight.isFinite, "FocalFrequencyLoss: lossWeight must be finite, got \(lossWeight)")
        self.lossWeight = lossWeight
        self.alpha = alpha
        self.patchFactor = patchFactor
        self.averageSpectrum = averageSpectrum
        self.logMatrix = logMatrix
        self.batchMatrix = batchMatrix
    }

    /// The loss `E_FFL`, a scalar tensor. Its gradient treats the focal
    /// weights as constants (they are detached, as in the authors' code).
    ///
    /// - Precondition: both are `[N, C, H, W]` of one shape, `H` and `W` multiples of ``patchFactor``.
    public func callAsFunction<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Tensor<Scalar> {
        // One fused op: the FFT, the weights and the weighted mean, and a pullback of one inverse FFT.
        patchPlanes(reconstruction, original).focalFrequencyMean(weighting: FocalWeighting(alpha: alpha, logMatrix: logMatrix,
                                                                                           batchMatrix: batchMatrix)) * Scalar(lossWeight)
    }

    /// `lossWeight · mean(weights · distance)`.
    func weighted<Scalar>(_ distance: Tensor<Scalar>, by weights: Tensor<Scalar>) -> Tensor<Scalar> {
        (weights * distance).mean() * Scalar(lossWeight)
    }

    /// `recon − orig` as planes whose spectra the loss compares: one per
    /// image, patch and channel, `[N, P², C, H/P, W/P]` (`[N, C, H, W]` for
    /// `P = 1`), averaged over the images when ``averageSpectrum`` (the DFT
    /// is linear, so averaging the planes averages the spectra).
    func patchPlanes<Scalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Tensor<Scalar> {
        checkImagePair(reconstruction, original, loss: "FocalFrequencyLoss")
        let (n, c, h, w) = (reconstruction.shape[0], reconstruction.shape[1], reconstruction.shape[2], reconstruction.shape[3])
        let p = patchFactor
        check(h % p == 0 && w % p == 0,
              "FocalFrequencyLoss: patch factor \(p) does not divide the image size of \(reconstruction.shape) and \(original.shape)")
        var difference = reconstruction - original
        if p > 1 {
            // [N, C, p, h/p, p, w/p] → [N, p, p, C, h/p, w/p]: one plane per image, patch and channel.
            difference = difference.reshaped(to: [n, c, p, h / p, p, w / p]).permuted([0, 2, 4, 1, 3, 5]).reshaped(to: [n, p * p, c, h / p, w / p])
        }
        return averageSpectrum ? difference.mean(alongAxes: [0], keepingDimensions: true) : difference
    }

    /// `d = |F_r − F_o|²` per plane of ``patchPlanes(_:_:)`` and frequency,
    /// composed of differentiable ops (the reference the fused op is tested against).
    func spectrumDistance<Scalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Tensor<Scalar> {
        let (real, imaginary) = patchPlanes(reconstruction, original).fourierTransform2D()
        return real.squared() + imaginary.squared()
    }

    /// The focal weights (no gradient history) of the squared spectrum
    /// distances `distance`, normalised per plane (its last two axes) or over
    /// the whole batch.
    func spectrumWeights<Scalar>(_ distance: Tensor<Scalar>) -> Tensor<Scalar> {
        let planeSize = distance.shape[distance.rank - 2] * distance.shape[distance.rank - 1]
        var weights = distance.doubles
        // (√d)^α, with the common exponents without `pow`.
        let alpha = alpha
        for index in weights.indices {
            let d = weights[index]
            let magnitude = alpha == 1 ? d.squareRoot() : alpha == 2 ? d : Foundation.pow(d.squareRoot(), alpha)
            weights[index] = logMatrix ? Foundation.log(magnitude + 1) : magnitude
        }
        let groupSize = batchMatrix ? weights.count : planeSize
        for start in stride(from: 0, to: weights.count, by: groupSize) {
            let group = start..<(start + groupSize)
            let maximum = weights[group].max() ?? 0
            for index in group {
                let normalised = weights[index] / maximum
                weights[index] = normalised.isNaN ? 0 : min(max(normalised, 0), 1)
            }
        }
        return Tensor(shape: distance.shape, doubles: weights)
    }
}
