/// The gradient difference loss of Mathieu, Couprie and LeCun, "Deep
/// multi-scale video prediction beyond mean square error" (ICLR 2016), Eq. 5:
/// it compares the magnitudes of the neighbour differences (the image
/// gradients) of reconstruction and original, so a blurred reconstruction,
/// whose differences are too small, is penalised.
///
/// `E_GDL = mean_{n,c,y,x<W−1} | |o[y, x+1] − o[y, x]| − |r[y, x+1] − r[y, x]| |^α
///        + mean_{n,c,y<H−1,x} | |o[y+1, x] − o[y, x]| − |r[y+1, x] − r[y, x]| |^α`,
/// the first mean over the `N·C·H·(W−1)` horizontal neighbour pairs, the
/// second over the `N·C·(H−1)·W` vertical ones (the paper sums; the mean
/// makes the value independent of the image size, as the reference does).
/// For images of different sizes, evaluate each image (`N = 1`) and average
/// the values over the images.
public struct GradientDifferenceLoss: Equatable, Sendable {
    /// The exponent α (the paper's experiments use 1). Values other than 1
    /// raise each term to the power α (for α < 1 the gradient is infinite
    /// where a term is 0).
    public var alpha: Double

    /// Creates the loss with exponent `alpha` (default 1, as in the paper).
    ///
    /// - Precondition: `alpha > 0`.
    public init(alpha: Double = 1) {
        check(alpha > 0 && alpha.isFinite, "GradientDifferenceLoss: alpha must be positive and finite, got \(alpha)")
        self.alpha = alpha
    }

    /// The loss and its unweighted terms `[horizontal, vertical]` (weights 1, 1).
    ///
    /// - Precondition: both are `[N, C, H, W]` of one shape, with `H ≥ 2` and `W ≥ 2`.
    public func breakdown<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> LossBreakdown<Scalar> {
        checkImagePair(reconstruction, original, loss: "GradientDifferenceLoss")
        check(reconstruction.shape[2] >= 2 && reconstruction.shape[3] >= 2,
              "GradientDifferenceLoss: images need at least 2 × 2 pixels, got \(reconstruction.shape) and \(original.shape)")
        let terms = [3, 2].map { axis -> Tensor<Scalar> in
            let length = reconstruction.shape[axis]
            func differences(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
                (x.sliced(alongAxis: axis, 1..<length) - x.sliced(alongAxis: axis, 0..<(length - 1))).absoluteValue()
            }
            let term = (differences(original) - differences(reconstruction)).absoluteValue()
            return (alpha == 1 ? term : term.raised(toPower: Scalar(alpha))).mean().reshaped(to: [1])
        }
        return LossBreakdown(terms: Tensor(concatenating: terms, alongAxis: 0), weights: [1, 1], name: "GradientDifferenceLoss")
    }

    /// The loss `E_GDL`, a scalar tensor.
    ///
    /// - Precondition: as for ``breakdown(_:_:)``.
    public func callAsFunction<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Tensor<Scalar> {
        breakdown(reconstruction, original).value
    }
}
