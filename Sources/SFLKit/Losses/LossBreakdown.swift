/// A loss and the unweighted terms it is made of (per channel, or per
/// subband), for optimisation and for logging (the paper's Fig. 5 plots the
/// terms with weight 1).
public struct LossBreakdown<Scalar: TensorScalar>: Sendable {
    /// The weighted loss, a scalar tensor that gradients flow through.
    public let value: Tensor<Scalar>
    /// The unweighted terms, `[K]` (differentiable too).
    public let terms: Tensor<Scalar>

    /// `Σ_k weights[k] · terms[k]` with its terms.
    init(terms: Tensor<Scalar>, weights: [Double], name: String) {
        check(terms.shape == [weights.count], "\(name): \(weights.count) weights given for \(terms.shape[0]) terms")
        self.terms = terms
        value = (terms * Tensor(shape: [weights.count], doubles: weights)).sum()
    }
}

/// `½ · 1/(N·H·W) · Σ_{n,y,x} (a − b)²` for each channel of `[N, C, H, W]`
/// tensors: the per-channel term of the paper's Eq. 4 and 6, averaged over
/// the batch (images of one size). Shape `[C]`.
func halfMeanSquaredErrorPerChannel<Scalar>(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>, name: String) -> Tensor<Scalar> {
    check(a.rank == 4 && a.shape == b.shape, "\(name): expected two [N, C, H, W] tensors of one shape, got \(a.shape) and \(b.shape)")
    let count = a.shape[0] * a.shape[2] * a.shape[3]
    return (a - b).squared().sum(alongAxes: [0, 2, 3]) * Scalar(0.5 / Double(count))
}
