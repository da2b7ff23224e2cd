/// The pixel loss (paper Eq. 4): per-channel weighted half mean squared error.
///
/// For images `[N, C, H, W]` of one size:
/// `E_PL = 1/N Σ_i Σ_c w_PL(c) · ½ · 1/(W·H) · Σ_xy (recon_i(c,x,y) − orig_i(c,x,y))²`.
/// For images of different sizes, evaluate each image (`N = 1`) and average
/// the values over the images, as the trainer does.
///
/// With a ``colourSpace`` other than RGB, both images are first converted
/// (``Tensor/convertedColours(to:)``) and `c` runs over that space's
/// channels, so luminance and chroma can be weighted apart:
/// `PixelLoss(colourSpace: .ycbcr, channelWeights: [1, 8, 8])`.
public struct PixelLoss: Equatable, Sendable {
    /// The weight of each channel, `w_PL(c)`, or `nil` for 1 on every
    /// channel (the paper's choice, for any channel count).
    public var channelWeights: [Double]?
    /// The colour space the images are compared in (default RGB, the paper's).
    public var colourSpace: ColourSpace

    /// Creates a pixel loss with the given channel weights (default: all ones)
    /// in the given colour space (default: RGB).
    public init(colourSpace: ColourSpace = .rgb, channelWeights: [Double]? = nil) {
        self.colourSpace = colourSpace
        self.channelWeights = channelWeights
    }

    /// The loss and its unweighted per-channel terms (in ``colourSpace``'s channels).
    ///
    /// - Precondition: both are `[N, C, H, W]` of one shape, `C` equal to the
    ///   weight count if weights are given, and 3 unless the space is RGB.
    public func breakdown<Scalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> LossBreakdown<Scalar> {
        let terms = colourSpace == .rgb
            ? halfMeanSquaredErrorPerChannel(reconstruction, original, name: "PixelLoss")
            : halfMeanSquaredErrorPerChannel(reconstruction.convertedColours(to: colourSpace),
                                             original.convertedColours(to: colourSpace), name: "PixelLoss(\(colourSpace))")
        return LossBreakdown(terms: terms, weights: channelWeights ?? Array(repeating: 1, count: terms.scalarCount), name: "PixelLoss")
    }

    /// The loss `E_PL`, a scalar tensor.
    public func callAsFunction<Scalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Tensor<Scalar> {
        breakdown(reconstruction, original).value
    }
}
