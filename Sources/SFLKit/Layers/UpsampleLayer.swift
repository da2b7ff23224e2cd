/// A layer that resamples NCHW images by an integer factor or to a fixed size.
///
/// The paper's decoder upsamples back to the encoder input's exact size,
/// which a fixed layer cannot know; ``ConvolutionalAutoencoder`` passes that
/// size explicitly through ``Tensor/upsampled(toHeight:width:mode:)``.
public final class Upsample<Scalar: TensorScalar>: Layer {
    /// What size the output has.
    public enum Target: Equatable, Sendable {
        /// Multiply height and width by the factor.
        case factor(Int)
        /// Exactly this height and width.
        case size(height: Int, width: Int)
    }

    /// What size the output has.
    public let target: Target
    /// How output pixels are computed.
    public let mode: UpsamplingMode

    /// Creates an upsampling layer.
    public init(_ target: Target, mode: UpsamplingMode = .bilinear()) {
        self.target = target
        self.mode = mode
    }

    /// Resamples `input` `[N, C, H, W]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        switch target {
        case .factor(let factor): return input.upsampled(byFactor: factor, mode: mode)
        case let .size(height, width): return input.upsampled(toHeight: height, width: width, mode: mode)
        }
    }
}
