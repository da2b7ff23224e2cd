import Testing
@testable import SFLKit

@Suite struct LayerTests {
    @Test func autoencoderShapesAndNames() {
        var generator = SeededGenerator(seed: 1)
        let model = ConvolutionalAutoencoder<Float>(using: &generator)
        #expect(model.namedParameters.map(\.name) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                                      "conv3.weight", "conv3.bias", "conv4.weight", "conv4.bias"])
        #expect(model.parameterCount == 32 * 27 + 32 + 16 * 288 + 16 + 32 * 144 + 32 + 3 * 288 + 3)
        let image = SyntheticImages.make(count: 1, height: 15, width: 22)[0] as Tensor<Float>
        #expect(model.encode(image).shape == [1, 16, 8, 11])
        let reconstruction = model(image)
        #expect(reconstruction.shape == [1, 3, 15, 22])
        #expect(reconstruction.scalars.allSatisfy { abs($0) < 1 })   // tanh output
        #expect(model.parameters.allSatisfy { $0.isGradientLeaf })
    }

    @Test func configurableAutoencoder() {
        var configuration = ConvolutionalAutoencoder<Double>.Configuration()
        configuration.firstHiddenChannels = 4
        configuration.featureChannels = 2
        configuration.decoderHiddenChannels = 5
        configuration.kernelSize = 5
        configuration.hiddenActivation = .leakyRelu(slope: 0.1)
        configuration.outputActivation = .identity
        var generator = SeededGenerator(seed: 2)
        let model = ConvolutionalAutoencoder<Double>(configuration: configuration, using: &generator)
        #expect(model.conv1.weight.shape == [4, 3, 5, 5])
        #expect(model.conv3.weight.shape == [5, 2, 5, 5])
        let image: Tensor<Double> = SyntheticImages.make(count: 1, height: 7, width: 6)[0]
        #expect(model(image).shape == [1, 3, 7, 6])
        // The whole model passes a gradient check.
        let names = model.namedParameters.map(\.name)
        let report = checkGradients(at: [image] + model.parameters) { inputs in
            model.updateParameters { name, _ in inputs[1 + names.firstIndex(of: name)!] }
            return model(inputs[0])
        }
        #expect(report.passed, "\(report)")
    }

    @Test("A convolution layer followed by an activation equals the two applied in turn (ReLU fused)",
          arguments: [Activation.relu, .tanh, .leakyRelu(slope: 0.2), .identity])
    func convolutionThenActivation(activation: Activation) {
        var generator = SeededGenerator(seed: 4)
        let conv = Conv2D<Float>(inputChannels: 3, outputChannels: 5, kernelSize: 3, padding: .same, using: &generator)
        let image: Tensor<Float> = SyntheticImages.make(count: 1, height: 9, width: 13)[0]
        #expect(conv(image, then: activation).scalars == activation(conv(image)).scalars)
    }

    @Test("The paper's autoencoder (ReLU fused into conv1–conv3) has exactly the gradients of the unfused composition")
    func paperAutoencoderFusedReLUMatchesComposition() {
        var configuration = ConvolutionalAutoencoder<Double>.Configuration()
        configuration.firstHiddenChannels = 4
        configuration.featureChannels = 3
        configuration.decoderHiddenChannels = 4
        var generator = SeededGenerator(seed: 5)
        let model = ConvolutionalAutoencoder<Double>(configuration: configuration, using: &generator)
        let image: Tensor<Double> = SyntheticImages.make(count: 1, height: 7, width: 6)[0]
        let fused = model(image)
        let unfused = model.conv4(model.conv3(model.conv2(model.conv1(image).relu()).relu()
            .upsampled(toHeight: 7, width: 6, mode: configuration.upsamplingMode)).relu()).tanh()
        #expect(fused.scalars == unfused.scalars)
        let seed = Tensor<Double>(randomNormal: fused.shape, using: &generator)
        let a = fused.gradients(withRespectTo: model.parameters, seed: seed)
        let b = unfused.gradients(withRespectTo: model.parameters, seed: seed)
        for (x, y) in zip(a, b) { #expect(x.scalars == y.scalars) }
    }

    @Test func sequentialNamesAndOrder() {
        var generator = SeededGenerator(seed: 3)
        let network = Sequential<Double>([
            Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, using: &generator),
            ActivationLayer(.relu),
            Upsample(.factor(2)),
            Conv2D(inputChannels: 3, outputChannels: 1, kernelSize: 1, useBias: false, using: &generator),
        ])
        #expect(network.namedParameters.map(\.name) == ["0.weight", "0.bias", "3.weight"])
        let x = randomTensor([1, 2, 4, 5], seed: 4)
        #expect(network(x).shape == [1, 1, 4, 6])   // 3×3 valid: 4×5 → 2×3, then ×2
        let layers = network.layers
        let expected = (layers[3] as! Conv2D<Double>)((layers[0] as! Conv2D<Double>)(x).relu().upsampled(byFactor: 2))
        #expect(network(x).scalars == expected.scalars)
    }

    @Test func initializersHaveTheirStatistics() {
        var generator = SeededGenerator(seed: 5)
        func moments(_ tensor: Tensor<Double>) -> (mean: Double, deviation: Double) {
            let mean = tensor.mean().scalar
            return (mean, ((tensor - mean).squared().mean().scalar).squareRoot())
        }
        let paper: Tensor<Double> = Initializer.normal(standardDeviation: 0.02).makeTensor(shape: [20_000], fanIn: 27, fanOut: 288, using: &generator)
        #expect(abs(moments(paper).mean) < 1e-3 && abs(moments(paper).deviation - 0.02) < 1e-3)
        let he: Tensor<Double> = Initializer.heNormal.makeTensor(shape: [20_000], fanIn: 50, fanOut: 10, using: &generator)
        #expect(abs(moments(he).deviation - 0.2) < 0.01)
        let xavier: Tensor<Double> = Initializer.xavierUniform.makeTensor(shape: [20_000], fanIn: 4, fanOut: 2, using: &generator)
        #expect(xavier.scalars.allSatisfy { abs($0) <= 1 } && xavier.scalars.contains { abs($0) > 0.95 })
        let glorot: Tensor<Double> = Initializer.xavierNormal.makeTensor(shape: [20_000], fanIn: 100, fanOut: 100, using: &generator)
        #expect(abs(moments(glorot).deviation - 0.1) < 0.005)
        let zeros: Tensor<Double> = Initializer.zeros.makeTensor(shape: [3], fanIn: 1, fanOut: 1, using: &generator)
        #expect(zeros.scalars == [0, 0, 0])
    }
}
