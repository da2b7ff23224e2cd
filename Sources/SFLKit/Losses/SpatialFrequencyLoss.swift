/// The spatial frequency loss (paper Eq. 6): the pixel loss of the LoG
/// subbands, weighted per subband.
///
/// `E_SFL = 1/N Σ_i Σ_c w_SFL(c) · ½ · 1/(W·H) · Σ_xy (LoG_σc(recon_i)(x,y) − LoG_σc(orig_i)(x,y))²`,
/// where `LoG_σc` is output channel `c` of the ``LoGFilterBank``. The
/// originals' responses never change during training: compute them once
/// with ``response(of:)`` and pass them to ``breakdown(_:originalResponse:)``.
public struct SpatialFrequencyLoss<Scalar: TensorScalar>: Sendable {
    /// The band-pass layer.
    public let bank: LoGFilterBank<Scalar>
    /// The weight of each subband, `w_SFL(c)`, in the bank's σ order.
    public var subbandWeights: [Double]

    /// Creates the loss; by default the paper's bank (σ = 0.8, 1.6, 3.2) and
    /// weights (100, 10, 10).
    ///
    /// - Precondition: one weight per σ of the bank.
    public init(bank: LoGFilterBank<Scalar> = LoGFilterBank(), subbandWeights: [Double] = [100, 10, 10]) {
        check(subbandWeights.count == bank.sigmas.count,
              "SpatialFrequencyLoss: \(subbandWeights.count) subband weights for \(bank.sigmas.count) filters (sigmas \(bank.sigmas))")
        self.bank = bank
        self.subbandWeights = subbandWeights
    }

    /// The bank's response to an original image, without gradient history.
    public func response(of original: Tensor<Scalar>) -> Tensor<Scalar> {
        withoutGradients { bank(original.detached()) }
    }

    /// The loss and its unweighted per-subband terms, given the original's
    /// precomputed ``response(of:)``.
    ///
    /// - Precondition: the reconstruction's response has `originalResponse`'s shape.
    public func breakdown(_ reconstruction: Tensor<Scalar>, originalResponse: Tensor<Scalar>) -> LossBreakdown<Scalar> {
        let response = bank(reconstruction)
        // In per-channel mode the subbands of each colour share their σ's weight.
        let repeats = bank.channelMode == .perChannel ? reconstruction.shape[1] : 1
        return LossBreakdown(terms: halfMeanSquaredErrorPerChannel(response, originalResponse, name: "SpatialFrequencyLoss"),
                             weights: Array((0..<repeats).map { _ in subbandWeights }.joined()), name: "SpatialFrequencyLoss")
    }

    /// The loss and its unweighted per-subband terms.
    public func breakdown(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> LossBreakdown<Scalar> {
        breakdown(reconstruction, originalResponse: response(of: original))
    }

    /// The loss `E_SFL`, a scalar tensor.
    public func callAsFunction(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Tensor<Scalar> {
        breakdown(reconstruction, original).value
    }
}
