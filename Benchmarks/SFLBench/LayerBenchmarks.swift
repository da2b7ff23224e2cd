import SFLKit

/// One Table-1 convolution of the paper's network.
struct ConvolutionLayerSpec {
    let name: String
    let inputChannels: Int
    let outputChannels: Int
    let stride: Int
    /// Whether training needs this layer's input gradient (not for the image itself).
    let needsInputGradient: Bool
    /// Whether the network fuses a ReLU into this layer (`conv2DReLU`).
    let rectified: Bool
    /// Whether, in training, this layer's own backward passes apply its
    /// ReLU's mask to the gradient they read. Where the ReLU's output feeds
    /// one convolution alone (conv1 → conv2, conv3 → conv4), the backward walk
    /// moves the mask into that convolution's input gradient instead, so these
    /// layers' backward passes read the gradient unmasked, and so does this
    /// benchmark. (The moved mask itself, in conv2's and conv4's input
    /// gradients, is not in their lines here: through the public API it would
    /// take the producing layer's backward pass with it.)
    let masksOwnGradient: Bool

    static let tableOne = [
        ConvolutionLayerSpec(name: "conv1 3→32 s1", inputChannels: 3, outputChannels: 32, stride: 1, needsInputGradient: false,
                             rectified: true, masksOwnGradient: false),
        ConvolutionLayerSpec(name: "conv2 32→16 s2", inputChannels: 32, outputChannels: 16, stride: 2, needsInputGradient: true,
                             rectified: true, masksOwnGradient: true),
        ConvolutionLayerSpec(name: "conv3 16→32 s1", inputChannels: 16, outputChannels: 32, stride: 1, needsInputGradient: true,
                             rectified: true, masksOwnGradient: false),
        ConvolutionLayerSpec(name: "conv4 32→3 s1", inputChannels: 32, outputChannels: 3, stride: 1, needsInputGradient: true,
                             rectified: false, masksOwnGradient: false),
    ]
}

/// Forward, weight-gradient and input-gradient times and rates of each
/// Table-1 convolution, with the ReLU the network fuses into it, its backward
/// passes applying the ReLU's mask where training's do
/// (``ConvolutionLayerSpec/masksOwnGradient``), each with the least time its memory
/// traffic takes at `bandwidth`: the tensors it reads and writes (`Float`),
/// moved once. Layers whose input gradient training needs also get the
/// whole backward pass (both gradients in one walk, as training asks for
/// them, which lets conv3's two Winograd passes share their reads of the
/// gradient).
func benchmarkConvolutions(options: BenchmarkOptions, peak: Double?, bandwidth: MemoryBandwidth?) -> [BenchmarkResult] {
    var generator = SeededGenerator(seed: 1)
    var results: [BenchmarkResult] = []
    for layer in ConvolutionLayerSpec.tableOne where options.convolutions.contains(where: { layer.name.hasPrefix($0 + " ") }) {
        let input = Tensor<Float>(randomUniform: [1, layer.inputChannels, options.height, options.width], in: -1...1, using: &generator)
        let weight = Tensor<Float>(randomNormal: [layer.outputChannels, layer.inputChannels, 3, 3], standardDeviation: 0.02, using: &generator)
        let bias = Tensor<Float>(zeros: [layer.outputChannels])
        func convolution(_ input: Tensor<Float>, _ weight: Tensor<Float>, _ bias: Tensor<Float>,
                         rectified: Bool = layer.rectified) -> Tensor<Float> {
            rectified ? input.conv2DReLU(weight: weight, bias: bias, stride: layer.stride, padding: .same)
                : input.conv2D(weight: weight, bias: bias, stride: layer.stride, padding: .same)
        }
        /// The graph whose backward passes are timed: masked by the ReLU only where training masks there.
        func backwardGraph(_ input: Tensor<Float>, _ weight: Tensor<Float>, _ bias: Tensor<Float>) -> Tensor<Float> {
            convolution(input, weight, bias, rectified: layer.masksOwnGradient)
        }
        let output = convolution(input, weight, bias)
        let maskBytes = layer.masksOwnGradient ? output.scalarCount * MemoryLayout<Float>.size : 0
        let flops = 2.0 * Double(output.scalarCount * layer.inputChannels * 9)
        let inputBytes = input.scalarCount * MemoryLayout<Float>.size, outputBytes = output.scalarCount * MemoryLayout<Float>.size
        func record(_ pass: String, _ time: Double, reading read: Int, writing written: Int, passes: Double = 1) {
            let rate = passes * flops / time / 1e9
            results.append(BenchmarkResult(group: "conv", name: "\(layer.name) \(pass)", seconds: time, gflops: rate,
                                           percentOfPeak: peak.map { 100 * rate / $0 },
                                           memoryFloorSeconds: bandwidth?.seconds(reading: read, writing: written)))
        }
        let seed = Tensor<Float>(randomNormal: output.shape, using: &generator)
        record("forward", medianSeconds(repeats: options.repeats) {
            _ = withoutGradients { convolution(input, weight, bias) }
        }, reading: inputBytes, writing: outputBytes)
        let trainableWeight = weight.requiringGradient(), trainableBias = bias.requiringGradient()
        let weightGraph = backwardGraph(input, trainableWeight, trainableBias)
        record("weight grad", medianSeconds(repeats: options.repeats) {
            _ = weightGraph.gradients(withRespectTo: [trainableWeight], seed: seed, retainGraph: true)
        }, reading: inputBytes + outputBytes + maskBytes, writing: 0)
        if layer.needsInputGradient {
            let trainableInput = input.requiringGradient()
            let inputGraph = backwardGraph(trainableInput, weight, bias)
            record("input grad", medianSeconds(repeats: options.repeats) {
                _ = inputGraph.gradients(withRespectTo: [trainableInput], seed: seed, retainGraph: true)
            }, reading: outputBytes + maskBytes, writing: inputBytes)
            let trainableInputAndWeight = input.requiringGradient(), weightForBoth = weight.requiringGradient()
            let bothGraph = backwardGraph(trainableInputAndWeight, weightForBoth, trainableBias)
            record("backward", medianSeconds(repeats: options.repeats) {
                _ = bothGraph.gradients(withRespectTo: [trainableInputAndWeight, weightForBoth, trainableBias], seed: seed,
                                            retainGraph: true)
            }, reading: inputBytes + outputBytes + maskBytes, writing: inputBytes, passes: 2)
        }
    }
    return results
}

/// The decoder's bilinear upsampling of the 16 feature channels back to the image size.
func benchmarkUpsampling(options: BenchmarkOptions) -> [BenchmarkResult] {
    var generator = SeededGenerator(seed: 2)
    let features = Tensor<Float>(randomNormal: [1, 16, (options.height + 1) / 2, (options.width + 1) / 2], using: &generator)
    let trainable = features.requiringGradient()
    let output = trainable.upsampled(toHeight: options.height, width: options.width)
    let seed = Tensor<Float>(randomNormal: output.shape, using: &generator)
    return [
        BenchmarkResult(group: "upsample", name: "bilinear 16ch forward", seconds: medianSeconds(repeats: options.repeats) {
            _ = withoutGradients { features.upsampled(toHeight: options.height, width: options.width) }
        }),
        BenchmarkResult(group: "upsample", name: "bilinear 16ch backward", seconds: medianSeconds(repeats: options.repeats) {
            _ = output.gradients(withRespectTo: [trainable], seed: seed, retainGraph: true)
        }),
    ]
}

/// The paper's LoG bank on one RGB image, direct and fast path, forward and backward.
func benchmarkLoGBank(options: BenchmarkOptions) -> [BenchmarkResult] {
    var generator = SeededGenerator(seed: 3)
    let image = Tensor<Float>(randomUniform: [1, 3, options.height, options.width], in: -1...1, using: &generator)
    var results: [BenchmarkResult] = []
    for method in [LoGFilterBank<Float>.Method.separable, .direct] {
        let bank = LoGFilterBank<Float>(method: method)
        let trainable = image.requiringGradient()
        let output = bank(trainable)
        let seed = Tensor<Float>(randomNormal: output.shape, using: &generator)
        let label = method == .separable ? "separable" : "direct"
        results.append(BenchmarkResult(group: "log", name: "LoG bank \(label) forward", seconds: medianSeconds(repeats: options.repeats) {
            _ = withoutGradients { bank(image) }
        }))
        results.append(BenchmarkResult(group: "log", name: "LoG bank \(label) backward", seconds: medianSeconds(repeats: options.repeats) {
            _ = output.gradients(withRespectTo: [trainable], seed: seed, retainGraph: true)
        }))
    }
    return results
}
