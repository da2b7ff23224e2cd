/// The L1 loss: the mean absolute difference between reconstruction and
/// original, `E_L1 = 1/(N·C·H·W) · Σ_{n,c,y,x} |recon − orig|`
/// (PyTorch's `F.l1_loss`, mean reduction).
///
/// Its gradient is `sign(recon − orig) / (N·C·H·W)`, with 0 where the two are
/// equal (as in PyTorch). For images of different sizes, evaluate each image
/// (`N = 1`) and average the values over the images.
public struct L1Loss: Equatable, Sendable {
    /// Creates the L1 loss (it has no parameters).
    public init() {}

    /// The loss `E_L1`, a scalar tensor.
    ///
    /// - Precondition: both are `[N, C, H, W]` of one shape.
    public func callAsFunction<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Tensor<Scalar> {
        checkImagePair(reconstruction, original, loss: "L1Loss")
        return (reconstruction - original).absoluteValue().mean()
    }
}

/// Stops with a message naming `loss` and both shapes unless the two are
/// non-empty `[N, C, H, W]` tensors of one shape.
func checkImagePair<Scalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>, loss: String) {
    check(reconstruction.rank == 4 && reconstruction.shape == original.shape && reconstruction.scalarCount > 0,
          "\(loss): expected a reconstruction and an original [N, C, H, W] of one shape, got \(reconstruction.shape) and \(original.shape)")
}
