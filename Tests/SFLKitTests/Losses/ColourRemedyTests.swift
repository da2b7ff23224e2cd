import Foundation
import Testing
@testable import SFLKit

/// The remedies for slowly learnt colours: the low-pass band, the pixel
/// loss in other colour spaces, the mean-colour output bias and the colour
/// figures the trainer records.
@Suite struct ColourRemedyTests {
    @Test(arguments: [(shape: [1, 3, 9, 7], sigma: 1.0), (shape: [2, 1, 5, 6], sigma: 2.0), (shape: [1, 2, 4, 11], sigma: 0.6)])
    func lowPassGradients(shape: [Int], sigma: Double) {
        let (reconstruction, original) = LossGradientTests.pair(shape, seed: 1200)
        let loss = LowPassLoss<Double>(sigma: sigma, weight: 3)
        expectGradientsMatch(at: [reconstruction]) { loss($0[0], original) }
        expectGradientsMatch(at: [reconstruction]) { loss.breakdown($0[0], original).terms }
    }

    @Test func lowPassKeepsFlatImagesAndWeighsTheirDifference() {
        let loss = LowPassLoss<Double>(sigma: 1.5, weight: 10)
        #expect(loss.taps.count == 2 * 5 + 1 && abs(loss.taps.reduce(0, +) - 1) < 1e-15 && loss.taps[5] == loss.taps.max())
        // Flat images stay flat, so the band is w · Σ_c ½ (a_c − b_c)².
        let a = Tensor<Double>(shape: [1, 2, 6, 5], doubles: (0..<60).map { $0 < 30 ? 0.3 : -0.2 })
        let b = Tensor<Double>(shape: [1, 2, 6, 5], doubles: (0..<60).map { $0 < 30 ? 0.1 : 0.4 })
        let breakdown = loss.breakdown(a, b)
        #expect(allClose(breakdown.terms.doubles, [0.5 * 0.04, 0.5 * 0.36], absolute: 1e-15, relative: 1e-12))
        #expect(abs(breakdown.value.scalar - 10 * (0.02 + 0.18)) < 1e-12)
        // A checkerboard difference is fine detail: the band barely sees it.
        let checker = Tensor<Double>(shape: [1, 1, 16, 16], doubles: (0..<256).map { (($0 / 16) + $0 % 16) % 2 == 0 ? 0.5 : -0.5 })
        let zero = Tensor<Double>(zeros: [1, 1, 16, 16])
        #expect(LowPassLoss<Double>(sigma: 2, weight: 1)(checker, zero).scalar < 1e-2 * PixelLoss()(checker, zero).scalar)
    }

    @Test(arguments: ColourSpace.allCases)
    func pixelLossInAColourSpace(_ space: ColourSpace) {
        let (reconstruction, original) = LossGradientTests.pair([2, 3, 5, 4], seed: 1210)
        let loss = PixelLoss(colourSpace: space, channelWeights: [1, 3, 0.5])
        expectGradientsMatch(at: [reconstruction]) { loss($0[0], original) }
        // The terms by hand: ½ mean over n, y, x of (M · (r − o))² for each output channel.
        let matrix = space.matrix ?? [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        let r = reconstruction.doubles, o = original.doubles, plane = 20
        var expected = [0.0, 0, 0]
        for n in 0..<2 {
            for p in 0..<plane {
                let d = (0..<3).map { c in r[(n * 3 + c) * plane + p] - o[(n * 3 + c) * plane + p] }
                for k in 0..<3 {
                    let value = (0..<3).map { matrix[k][$0] * d[$0] }.reduce(0, +)
                    expected[k] += 0.5 * value * value / Double(2 * plane)
                }
            }
        }
        let breakdown = loss.breakdown(reconstruction, original)
        #expect(allClose(breakdown.terms.doubles, expected, absolute: 1e-15, relative: 1e-12), "\(space)")
        #expect(abs(breakdown.value.scalar - (expected[0] + 3 * expected[1] + 0.5 * expected[2])) < 1e-12)
    }

    @Test func opponentColoursAreOrthonormalAndYCbCrIsBT601() {
        let (reconstruction, original) = LossGradientTests.pair([1, 3, 6, 7], seed: 1220)
        let rgb = PixelLoss()(reconstruction, original).scalar
        #expect(abs(PixelLoss(colourSpace: .opponent)(reconstruction, original).scalar - rgb) < 1e-14)
        // Pure grey has no chroma; pure red has Cr = 0.5 (on a unit scale).
        let grey = Tensor<Double>(shape: [1, 3, 1, 1], doubles: [0.4, 0.4, 0.4]).convertedColours(to: .ycbcr).doubles
        #expect(abs(grey[0] - 0.4) < 1e-15 && abs(grey[1]) < 1e-15 && abs(grey[2]) < 1e-15)
        let red = Tensor<Double>(shape: [1, 3, 1, 1], doubles: [1, 0, 0]).convertedColours(to: .ycbcr).doubles
        #expect(abs(red[0] - 0.299) < 1e-15 && abs(red[2] - 0.5) < 1e-15)
        #expect(ColourSpace.ycbcr.channelNames == ["Y", "Cb", "Cr"])
    }

    @Test func outputBiasStartsTheNetworkAtTheMeanColour() {
        let images = TrainerTests.images(Float.self)
        let mean = ConvolutionalAutoencoder<Float>.meanColour(of: images)
        let byHand = (0..<3).map { c in
            images.map { image in
                let plane = image.shape[2] * image.shape[3]
                return image.doubles[(c * plane)..<((c + 1) * plane)].reduce(0, +) / Double(plane)
            }.reduce(0, +) / Double(images.count)
        }
        #expect(allClose(mean, byHand, absolute: 1e-6, relative: 1e-5))
        var generator = SeededGenerator(seed: 3)
        let model = ConvolutionalAutoencoder<Float>(using: &generator)
        let before = channelMeanErrors(withoutGradients { model(images[0]) }, images[0])
        model.setOutputBias(toColour: mean)
        #expect(allClose(model.conv4.bias!.doubles, mean.map { Foundation.atanh($0) }, absolute: 1e-6, relative: 1e-5))
        // With the paper's small initial weights the output is nearly that colour.
        let output = withoutGradients { model(images[0]) }.mean(alongAxes: [0, 2, 3]).doubles
        #expect(allClose(output, mean, absolute: 0.02, relative: 0))
        let after = channelMeanErrors(withoutGradients { model(images[0]) }, images[0])
        #expect(after.reduce(0, +) < before.reduce(0, +))
        // The bias trains: it has a gradient like any parameter.
        #expect(model.parameters.count == 8 && model.conv4.bias!.requiresGradient)
    }

    @Test func trainerRecordsColourAndTheLowPassBand() throws {
        var generator = SeededGenerator(seed: 7)
        let images = TrainerTests.images(Float.self)
        let model = ConvolutionalAutoencoder<Float>(using: &generator)
        let trainer = FullBatchTrainer(model: model, optimizer: SGD<Float>(learningRate: 0.02, momentum: 0.5), images: images,
                                       lowPassLoss: LowPassLoss(sigma: 2, weight: 10), monitorsColour: true)
        let reconstructions = trainer.reconstructions()
        let metrics = try trainer.step()
        #expect(metrics.names == ["loss", "E_PL", "E_SFL", "E_LP", "E_PL_ch1", "E_PL_ch2", "E_PL_ch3", "SFL_sigma0.8", "SFL_sigma1.6",
                                  "SFL_sigma3.2", "colour_PSNR_dB", "colour_error_ch1", "colour_error_ch2", "colour_error_ch3"])
        let psnr = zip(reconstructions, images).map { colourPeakSignalToNoiseRatio($0, $1) }.reduce(0, +) / Double(images.count)
        #expect(abs(metrics["colour_PSNR_dB"]! - psnr) < 1e-9 * psnr)
        let greenErrors: [Double] = zip(reconstructions, images).map { channelMeanErrors($0, $1)[1] }
        let greenError: Double = greenErrors.reduce(0, +) / Double(images.count)
        #expect(abs(metrics["colour_error_ch2"]! - greenError) < 1e-9)
        let bands: [Double] = zip(reconstructions, images).map { Double(LowPassLoss<Float>(sigma: 2, weight: 10)($0, $1).scalar) }
        let band: Double = bands.reduce(0, +) / Double(images.count)
        #expect(abs(metrics["E_LP"]! - band) < 1e-5 * band)
        let sum: Double = metrics["E_PL"]! + metrics["E_SFL"]! + metrics["E_LP"]!
        #expect(abs(metrics["loss"]! - sum) < 1e-5 * sum)
        // The PL-only baseline ignores the band and keeps the paper's metrics.
        let baseline = FullBatchTrainer(model: ConvolutionalAutoencoder<Float>(using: &generator), optimizer: SGD<Float>(learningRate: 0.02),
                                        images: images, optimizesSpatialFrequencyLoss: false, lowPassLoss: LowPassLoss())
        let baselineNames = try baseline.step().names
        #expect(baseline.lowPassLoss == nil && !baselineNames.contains("E_LP") && baselineNames.contains("E_PL"))
    }
}
