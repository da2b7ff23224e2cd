import Foundation

/// A low-pass ("DC") band next to the spatial frequency loss's LoG bands:
/// the pixel loss of Gaussian-blurred images, with its own weight.
///
/// `E_LP = w_LP · 1/N Σ_i Σ_c ½ · 1/(W·H) · Σ_xy (G_σ ∗ recon_i − G_σ ∗ orig_i)²(c, x, y)`,
/// where `G_σ ∗` is a normalised Gaussian blur of each channel (taps
/// `exp(−k²/2σ²)` for `|k| ≤ ⌈3σ⌉`, summing to 1) with the edges repeated.
///
/// The LoG bands of the SFL sum to zero, so they carry no gradient for an
/// image's mean colour or its smooth shading; only the pixel loss, with
/// weight 1 against the SFL's 100, does. This band puts a separate weight
/// on those low frequencies: the remedy for the paper's slowly learnt
/// colours (see the README's measurements). Its gradient is the blur of the
/// blurred difference.
public struct LowPassLoss<Scalar: TensorScalar>: Sendable {
    /// The Gaussian's standard deviation, in pixels.
    public let sigma: Double
    /// The band's weight, `w_LP`.
    public let weight: Double
    /// The taps of the Gaussian, `2·⌈3σ⌉ + 1` of them, summing to 1.
    public let taps: [Double]

    /// Creates the band.
    ///
    /// - Precondition: `0 < sigma ≤ 64` and `weight ≥ 0`, both finite.
    public init(sigma: Double = 4, weight: Double = 10) {
        check(sigma > 0 && sigma <= 64, "LowPassLoss: sigma must be in (0, 64], got \(sigma)")
        check(weight >= 0 && weight.isFinite, "LowPassLoss: weight must be finite and non-negative, got \(weight)")
        self.sigma = sigma
        self.weight = weight
        let radius = Int((3 * sigma).rounded(.up))
        let raw = (-radius...radius).map { k in Foundation.exp(-Double(k * k) / (2 * sigma * sigma)) }
        let sum = raw.reduce(0, +)
        taps = raw.map { $0 / sum }
    }

    /// The images `[N, C, H, W]` blurred by the Gaussian (same shape), recording the op.
    public func blurred(_ images: Tensor<Scalar>) -> Tensor<Scalar> {
        check(images.rank == 4, "LowPassLoss: expected images [N, C, H, W], got \(images.shape)")
        return images.filteredSeparably(verticalTaps: taps, horizontalTaps: taps, padding: .replicate)
    }

    /// The blurred original, without gradient history: compute it once per
    /// image and pass it to ``breakdown(_:originalResponse:)``.
    public func response(of original: Tensor<Scalar>) -> Tensor<Scalar> {
        withoutGradients { blurred(original.detached()) }
    }

    /// The loss and its unweighted per-channel terms, given the original's
    /// precomputed ``response(of:)``.
    ///
    /// - Precondition: `originalResponse` has the reconstruction's shape.
    public func breakdown(_ reconstruction: Tensor<Scalar>, originalResponse: Tensor<Scalar>) -> LossBreakdown<Scalar> {
        let terms = halfMeanSquaredErrorPerChannel(blurred(reconstruction), originalResponse, name: "LowPassLoss")
        return LossBreakdown(terms: terms, weights: Array(repeating: weight, count: terms.scalarCount), name: "LowPassLoss")
    }

    /// The loss and its unweighted per-channel terms.
    public func breakdown(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> LossBreakdown<Scalar> {
        breakdown(reconstruction, originalResponse: response(of: original))
    }

    /// The loss `E_LP`, a scalar tensor.
    public func callAsFunction(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Tensor<Scalar> {
        breakdown(reconstruction, original).value
    }
}
