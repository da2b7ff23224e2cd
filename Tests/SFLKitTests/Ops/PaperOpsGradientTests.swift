import Testing
@testable import SFLKit

/// Finite-difference checks (Double) of the paper's ops: convolution,
/// upsampling, the LoG bank and the losses, on odd sizes and strides.
@Suite struct PaperOpsGradientTests {
    @Test(arguments: [
        (shape: [1, 2, 5, 7], outputChannels: 3, kernel: 3, stride: 1, padding: Padding.same),
        (shape: [2, 3, 7, 5], outputChannels: 2, kernel: 3, stride: 2, padding: Padding.same),
        (shape: [1, 2, 9, 6], outputChannels: 2, kernel: 3, stride: 2, padding: 1),
        (shape: [1, 1, 6, 6], outputChannels: 2, kernel: 2, stride: 1, padding: Padding.same),
        (shape: [1, 2, 7, 8], outputChannels: 3, kernel: 5, stride: 3, padding: .explicit(top: 2, bottom: 0, left: 1, right: 3)),
        (shape: [1, 3, 4, 4], outputChannels: 2, kernel: 1, stride: 1, padding: Padding.valid),
    ])
    func conv2DGradients(shape: [Int], outputChannels: Int, kernel: Int, stride: Int, padding: Padding) {
        let input = randomTensor(shape, seed: 31)
        let weight = randomTensor([outputChannels, shape[1], kernel, kernel], seed: 32)
        let bias = randomTensor([outputChannels], seed: 33)
        expectGradientsMatch(at: [input, weight, bias]) { $0[0].conv2D(weight: $0[1], bias: $0[2], stride: stride, padding: padding) }
        expectGradientsMatch(at: [input, weight]) { $0[0].conv2D(weight: $0[1], stride: stride, padding: padding) }
    }

    @Test("conv2DReLU: gradients by finite differences, on the direct and the Winograd path", arguments: [
        (shape: [1, 3, 6, 7], outputChannels: 4, stride: 1),    // direct (few channels)
        (shape: [1, 4, 7, 6], outputChannels: 3, stride: 2),    // direct, stride 2
        (shape: [1, 8, 9, 10], outputChannels: 9, stride: 1),   // Winograd F(4×4, 3×3)
    ])
    func conv2DReLUGradients(shape: [Int], outputChannels: Int, stride: Int) {
        let input = randomTensor(shape, seed: 34)
        let weight = randomTensor([outputChannels, shape[1], 3, 3], seed: 35)
        let bias = randomTensor([outputChannels], seed: 36)
        // Winograd F(4×4, 3×3) rounds at ~1e-14 of values near 10 in Double
        // (its transforms scale by up to 8 and 1/24), which the projected sum
        // of 810 outputs and the central difference's 1/2ε turn into errors
        // near 1e-7; a wrong gradient is off by far more.
        let winograd = stride == 1 && shape[1] >= 8 && outputChannels >= 8
        expectGradientsMatch(at: [input, weight, bias], relativeTolerance: winograd ? 1e-5 : 1e-6,
                             absoluteTolerance: winograd ? 1e-6 : 1e-8) {
            $0[0].conv2DReLU(weight: $0[1], bias: $0[2], stride: stride, padding: .same)
        }
    }

    @Test("conv2DReLU equals conv2D followed by relu, bit for bit, values and gradients (Float)", arguments: [
        (shape: [1, 3, 23, 37], outputChannels: 32, stride: 1),   // conv1's shape class: direct
        (shape: [2, 32, 21, 35], outputChannels: 16, stride: 2),  // conv2: direct, stride 2
        (shape: [1, 16, 22, 70], outputChannels: 32, stride: 1),  // conv3: Winograd, a partial tile group
        (shape: [2, 5, 19, 41], outputChannels: 4, stride: 1),    // direct input gradient, pixel-vector weight gradient
        (shape: [1, 8, 9, 75], outputChannels: 3, stride: 1),     // conv4's class: 32-pixel forward blocks, a full 3 × 3 tile
    ])
    func conv2DReLUMatchesUnfused(shape: [Int], outputChannels: Int, stride: Int) {
        var generator = SeededGenerator(seed: 37)
        let input = Tensor<Float>(randomNormal: shape, using: &generator).requiringGradient()
        let weight = Tensor<Float>(randomNormal: [outputChannels, shape[1], 3, 3], standardDeviation: 0.2, using: &generator).requiringGradient()
        let bias = Tensor<Float>(randomNormal: [outputChannels], using: &generator).requiringGradient()
        let fused = input.conv2DReLU(weight: weight, bias: bias, stride: stride, padding: .same)
        let unfused = input.conv2D(weight: weight, bias: bias, stride: stride, padding: .same).relu()
        #expect(fused.scalars == unfused.scalars)
        #expect(fused.scalars.contains(0) && fused.scalars.contains { $0 > 0 })   // both sides of the kink are exercised
        let seed = Tensor<Float>(randomNormal: fused.shape, using: &generator)
        let fusedGradients = fused.gradients(withRespectTo: [input, weight, bias], seed: seed)
        let unfusedGradients = unfused.gradients(withRespectTo: [input, weight, bias], seed: seed)
        for (a, b) in zip(fusedGradients, unfusedGradients) { #expect(a.scalars == b.scalars) }
    }

    @Test func conv2DOutputSizes() {
        let weight = Tensor<Float>(zeros: [4, 3, 3, 3])
        #expect(Tensor<Float>(zeros: [1, 3, 225, 300]).conv2D(weight: weight, stride: 2, padding: .same).shape == [1, 4, 113, 150])
        #expect(Tensor<Float>(zeros: [1, 3, 225, 300]).conv2D(weight: weight, stride: 2, padding: 1).shape == [1, 4, 113, 150])
        #expect(Tensor<Float>(zeros: [2, 3, 9, 8]).conv2D(weight: weight).shape == [2, 4, 7, 6])
        #expect(Tensor<Float>(zeros: [2, 3, 9, 8]).conv2D(weight: weight, padding: .same).shape == [2, 4, 9, 8])
    }

    @Test(arguments: [
        (from: [1, 2, 3, 4], to: [6, 8], mode: UpsamplingMode.bilinear()),
        (from: [2, 1, 5, 3], to: [9, 7], mode: UpsamplingMode.bilinear()),
        (from: [1, 2, 4, 5], to: [7, 9], mode: UpsamplingMode.bilinear(alignCorners: true)),
        (from: [1, 1, 6, 7], to: [4, 3], mode: UpsamplingMode.bilinear()),
        (from: [1, 2, 3, 4], to: [7, 9], mode: UpsamplingMode.nearest),
    ])
    func upsampleGradients(from shape: [Int], to size: [Int], mode: UpsamplingMode) {
        expectGradientsMatch(at: [randomTensor(shape, seed: 41)]) { $0[0].upsampled(toHeight: size[0], width: size[1], mode: mode) }
    }

    @Test func upsampleByFactorOfOddImage() {
        let features = Tensor<Double>(zeros: [1, 16, 113, 150])
        #expect(features.upsampled(toHeight: 225, width: 300).shape == [1, 16, 225, 300])
        #expect(Tensor<Double>(zeros: [1, 2, 3, 4]).upsampled(byFactor: 2, mode: .nearest).shape == [1, 2, 6, 8])
    }

    @Test(arguments: [LoGFilterBank<Double>.ChannelMode.sumOverChannels, .perChannel], [LoGFilterBank<Double>.Method.separable, .direct])
    func logFilterBankGradients(mode: LoGFilterBank<Double>.ChannelMode, method: LoGFilterBank<Double>.Method) {
        let bank = LoGFilterBank<Double>(sigmas: [0.8, 1.6], channelMode: mode, method: method)
        expectGradientsMatch(at: [randomTensor([1, 2, 9, 7], seed: 51)]) { bank($0[0]) }
    }

    @Test func fastLoGPathEqualsDirectKernel() {
        for shape in [[1, 3, 40, 33], [2, 3, 5, 4], [1, 1, 29, 31]] {
            for mode in [LoGFilterBank<Double>.ChannelMode.sumOverChannels, .perChannel] {
                let input = randomTensor(shape, seed: 52)
                let fast = LoGFilterBank<Double>(channelMode: mode, method: .separable)(input).doubles
                let direct = LoGFilterBank<Double>(channelMode: mode, method: .direct)(input).doubles
                let worst = zip(fast, direct).map { abs($0 - $1) }.max()!
                #expect(worst <= 1e-12, "shape \(shape) \(mode): worst difference \(worst)")
            }
        }
        #expect(LoGFilterBank<Float>().kernelSizes == [7, 13, 27])
    }

    @Test func lossGradients() {
        let reconstruction = randomTensor([2, 3, 6, 5], seed: 61), original = randomTensor([2, 3, 6, 5], seed: 62)
        let pixel = PixelLoss(channelWeights: [1, 2, 0.5])
        let sfl = SpatialFrequencyLoss(bank: LoGFilterBank<Double>(sigmas: [0.8, 1.6]), subbandWeights: [100, 10])
        expectGradientsMatch(at: [reconstruction]) { pixel($0[0], original) }
        expectGradientsMatch(at: [reconstruction]) { sfl($0[0], original) }
        expectGradientsMatch(at: [reconstruction]) { pixel($0[0], original) + sfl($0[0], original) }
        let perChannel = SpatialFrequencyLoss(bank: LoGFilterBank<Double>(sigmas: [0.8], channelMode: .perChannel), subbandWeights: [3])
        expectGradientsMatch(at: [reconstruction]) { perChannel($0[0], original) }
        #expect(perChannel.breakdown(reconstruction, original).terms.shape == [3])
    }

    @Test func pixelLossFollowsEquationFour() {
        // One 1×1×2×2 image: ½ · ¼ · Σ (r − o)² with weight 3.
        let r = Tensor<Double>(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        let o = Tensor<Double>(shape: [1, 1, 2, 2], scalars: [0, 0, 0, 0])
        #expect(PixelLoss(channelWeights: [3])(r, o).scalar == 3 * 0.5 * 0.25 * 30)
        #expect(PixelLoss(channelWeights: [3]).breakdown(r, o).terms.scalars == [0.5 * 0.25 * 30])
    }

    @Test func activationGradients() {
        let x = randomTensor([2, 5], seed: 71, awayFromZero: true)
        for activation in [Activation.relu, .tanh, .sigmoid, .leakyRelu(slope: 0.2), .identity] {
            expectGradientsMatch(at: [x]) { activation($0[0]) * 1 }
        }
    }
}
