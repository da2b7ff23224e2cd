/// The paper's convolutional autoencoder (Table 1), configurable.
///
/// | layer | op | activation |
/// |---|---|---|
/// | `conv1` | conv 3×3, 3 → 32, stride 1 | ReLU |
/// | `conv2` | conv 3×3, 32 → 16, stride 2 (the features) | ReLU |
/// | – | bilinear upsampling to the input's exact size | – |
/// | `conv3` | conv 3×3, 16 → 32, stride 1 | ReLU |
/// | `conv4` | conv 3×3, 32 → 3, stride 1 | tanh |
///
/// Padding is "same", so an `H × W` input gives `⌈H/2⌉ × ⌈W/2⌉` features and
/// an `H × W` reconstruction. Parameters are named `conv1.weight`,
/// `conv1.bias`, … `conv4.bias`. A checkpoint of the model records its
/// ``Configuration``, so `ConvolutionalAutoencoder<Float>(contentsOf: url)`
/// rebuilds it ready to use.
public final class ConvolutionalAutoencoder<Scalar: TensorScalar>: ConfiguredModel {
    /// The architecture's free choices; the defaults are the paper's.
    public struct Configuration: Equatable, Sendable, Codable {
        /// Channels of the input and of the reconstruction (3: RGB).
        public var imageChannels = 3
        /// Output channels of `conv1` (32).
        public var firstHiddenChannels = 32
        /// Channels of the features, the output of `conv2` (16).
        public var featureChannels = 16
        /// Output channels of `conv3` (32).
        public var decoderHiddenChannels = 32
        /// The side of every kernel (3).
        public var kernelSize = 3
        /// The stride of `conv2` (2: half resolution).
        public var featureStride = 2
        /// The activation of `conv1` to `conv3` (ReLU).
        public var hiddenActivation = Activation.relu
        /// The activation of `conv4` (tanh, matching images scaled to [−1, 1]).
        public var outputActivation = Activation.tanh
        /// How the decoder resamples the features to the input's size (bilinear).
        public var upsamplingMode = UpsamplingMode.bilinear(alignCorners: false)
        /// The initial weights (the paper: N(0, 0.02²)); biases start at zero.
        public var weightInitializer = Initializer.normal(standardDeviation: 0.02)

        /// The paper's Table 1.
        public init() {}
    }

    /// `"ConvolutionalAutoencoder"`, recorded in checkpoints.
    public static var architectureName: String { "ConvolutionalAutoencoder" }

    /// The configuration the model was built with.
    public let configuration: Configuration
    /// Layer 2: image → first hidden layer.
    public let conv1: Conv2D<Scalar>
    /// Layer 3: the features (strided).
    public let conv2: Conv2D<Scalar>
    /// Layer 4: after upsampling.
    public let conv3: Conv2D<Scalar>
    /// Layer 5: the reconstruction.
    public let conv4: Conv2D<Scalar>

    /// Creates the model with weights drawn from `generator` (in the order
    /// conv1 … conv4).
    public init(configuration: Configuration = Configuration(), using generator: inout SeededGenerator) {
        let c = configuration
        self.configuration = configuration
        func layer(_ input: Int, _ output: Int, stride: Int = 1) -> Conv2D<Scalar> {
            Conv2D(inputChannels: input, outputChannels: output, kernelSize: c.kernelSize, stride: stride, padding: .same,
                   initializer: c.weightInitializer, using: &generator)
        }
        conv1 = layer(c.imageChannels, c.firstHiddenChannels)
        conv2 = layer(c.firstHiddenChannels, c.featureChannels, stride: c.featureStride)
        conv3 = layer(c.featureChannels, c.decoderHiddenChannels)
        conv4 = layer(c.decoderHiddenChannels, c.imageChannels)
    }

    /// The features of `images` `[N, C, H, W]` (layer 3): `[N, featureChannels, ⌈H/2⌉, ⌈W/2⌉]`.
    public func encode(_ images: Tensor<Scalar>) -> Tensor<Scalar> {
        let activation = configuration.hiddenActivation
        return conv2(conv1(images, then: activation), then: activation)
    }

    /// The reconstruction `[N, C, height, width]` from `features`.
    public func decode(_ features: Tensor<Scalar>, toHeight height: Int, width: Int) -> Tensor<Scalar> {
        let upsampled = features.upsampled(toHeight: height, width: width, mode: configuration.upsamplingMode)
        return conv4(conv3(upsampled, then: configuration.hiddenActivation), then: configuration.outputActivation)
    }

    /// Encodes and decodes `images` `[N, C, H, W]` back to their own size.
    public func callAsFunction(_ images: Tensor<Scalar>) -> Tensor<Scalar> {
        check(images.rank == 4, "ConvolutionalAutoencoder: expected images [N, C, H, W], got \(images.shape)")
        return decode(encode(images), toHeight: images.shape[2], width: images.shape[3])
    }

    /// Visits `conv1.weight`, `conv1.bias`, … `conv4.bias`.
    public func visitParameters(_ visit: (_ name: String, _ parameter: inout Tensor<Scalar>) -> Void) {
        for (name, layer) in [("conv1", conv1), ("conv2", conv2), ("conv3", conv3), ("conv4", conv4)] {
            layer.visitParameters { parameterName, parameter in visit("\(name).\(parameterName)", &parameter) }
        }
    }
}
