import Foundation

extension ConvolutionalAutoencoder {
    /// The mean of each channel over `images`, each image weighted equally
    /// (as the trainer weights their losses): `[C]` values in the images' range.
    ///
    /// - Precondition: at least one image; each `[1, C, H, W]` or `[N, C, H, W]` with the model's channel count.
    public static func meanColour(of images: [Tensor<Scalar>]) -> [Double] {
        check(!images.isEmpty, "ConvolutionalAutoencoder.meanColour: no images")
        let channels = images[0].shape[1]
        var sums = [Double](repeating: 0, count: channels)
        for image in images {
            check(image.rank == 4 && image.shape[1] == channels,
                  "ConvolutionalAutoencoder.meanColour: expected [N, \(channels), H, W] images, got \(image.shape)")
            let means = withoutGradients { image.detached().mean(alongAxes: [0, 2, 3]) }.doubles
            for channel in 0..<channels { sums[channel] += means[channel] }
        }
        return sums.map { $0 / Double(images.count) }
    }

    /// Sets the output layer's bias so that a network whose last layer's
    /// weights are zero outputs `colour` everywhere; with the paper's small
    /// initial weights, the untrained network then outputs about that
    /// colour instead of grey. Use ``meanColour(of:)`` for the data's mean.
    ///
    /// The bias is the inverse of the output activation at `colour`: `atanh`
    /// for `tanh`, the logit for `sigmoid`, `colour` itself for the
    /// identity; values are clamped 10⁻³ inside the activation's range.
    ///
    /// - Precondition: one value per image channel; the output activation
    ///   is `tanh`, `sigmoid` or the identity; conv4 has a bias.
    public func setOutputBias(toColour colour: [Double]) {
        check(colour.count == configuration.imageChannels,
              "ConvolutionalAutoencoder.setOutputBias: \(colour.count) values for \(configuration.imageChannels) channels")
        check(conv4.bias != nil, "ConvolutionalAutoencoder.setOutputBias: conv4 has no bias")
        let bias: [Double]
        switch configuration.outputActivation {
        case .tanh: bias = colour.map { Foundation.atanh(min(max($0, -0.999), 0.999)) }
        case .sigmoid: bias = colour.map { value in let p = min(max(value, 0.001), 0.999); return Foundation.log(p / (1 - p)) }
        case .identity: bias = colour
        default:
            preconditionFailure("ConvolutionalAutoencoder.setOutputBias: output activation \(configuration.outputActivation) has no inverse; use tanh, sigmoid or identity")
        }
        conv4.bias = Tensor(shape: [bias.count], doubles: bias).requiringGradient()
    }
}
