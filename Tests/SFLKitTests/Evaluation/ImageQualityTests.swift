import Foundation
import Testing
@testable import SFLKit

@Suite struct ImageQualityTests {
    /// A `[1, C, H, W]` image with values from `value(c, y, x)`.
    func image(channels: Int = 1, height: Int, width: Int, _ value: (Int, Int, Int) -> Double) -> Tensor<Double> {
        var scalars: [Double] = []
        for c in 0..<channels { for y in 0..<height { for x in 0..<width { scalars.append(value(c, y, x)) } } }
        return Tensor(shape: [1, channels, height, width], scalars: scalars)
    }

    @Test func colourPSNRSeesColourNotDetail() {
        let original = image(height: 16, width: 16) { _, y, x in (x + y) % 2 == 0 ? 0.5 : -0.5 }   // a fine checkerboard on grey 0
        let flat = image(height: 16, width: 16) { _, _, _ in 0 }                                  // its 8 × 8 averages exactly
        #expect(colourPeakSignalToNoiseRatio(flat, original) == .infinity)
        #expect(peakSignalToNoiseRatio(flat, original) < 13)
        let tinted = flat + 0.2   // 0.1 off on the [0, 1] scale in every block: 20 dB
        #expect(abs(colourPeakSignalToNoiseRatio(tinted, original) - 20) < 1e-9)
    }

    @Test func colourPSNRLeavesOutPartialBlocksAndHandlesSmallImages() {
        let original = image(height: 10, width: 9) { _, _, _ in 0 }
        // Only the top-left 8 × 8 block counts: an error outside it is not seen.
        let changedOutside = image(height: 10, width: 9) { _, y, x in y >= 8 || x >= 8 ? 1 : 0 }
        #expect(colourPeakSignalToNoiseRatio(changedOutside, original) == .infinity)
        let small = image(height: 3, width: 5) { _, _, x in Double(x) / 10 }
        #expect(colourPeakSignalToNoiseRatio(small + 0.2, small).isFinite)
    }

    @Test func gradientEnergyRatioMeasuresSharpness() {
        let original = image(height: 6, width: 7) { _, y, x in (x + 2 * y) % 3 == 0 ? 0.6 : -0.3 }
        #expect(abs(gradientEnergyRatio(original, original) - 1) < 1e-12)
        #expect(abs(gradientEnergyRatio(original * 0.5, original) - 0.25) < 1e-12)   // half the contrast: a quarter of the energy
        #expect(abs(gradientEnergyRatio(original + 0.3, original) - 1) < 1e-12)      // an offset changes no difference
        // By hand: a ramp 0, 1, 2 has energy 1 + 1 = 2; a 2 × 2 image with one 1 has one horizontal and one vertical difference of 1.
        let ramp = image(height: 1, width: 3) { _, _, x in Double(x) }
        let step = image(height: 2, width: 2) { _, y, x in x == 1 && y == 1 ? 1 : 0 }
        #expect(gradientEnergyRatio(ramp * 2, ramp) == 4)
        #expect(gradientEnergyRatio(step * 3, step) == 9)
        let flat = image(height: 2, width: 2) { _, _, _ in 0.1 }
        #expect(gradientEnergyRatio(flat, flat) == 1)
        #expect(gradientEnergyRatio(step, flat) == .infinity)
    }

    @Test func channelMeanErrorsArePerChannelOnTheUnitScale() {
        let original = image(channels: 3, height: 2, width: 3) { c, y, x in Double(c) * 0.1 + Double(x - y) * 0.05 }
        let reconstruction = image(channels: 3, height: 2, width: 3) { c, y, x in
            Double(c) * 0.1 + Double(x - y) * 0.05 + [0.4, -0.2, 0][c] + (x == 0 ? 0.3 : -0.15)   // the last term has mean 0
        }
        let errors = channelMeanErrors(reconstruction, original)
        #expect(errors.count == 3)
        for (error, expected) in zip(errors, [0.2, 0.1, 0.0]) { #expect(abs(error - expected) < 1e-12, "\(errors)") }
    }

    @Test func metricsIncludeTheNewFiguresAndAverageThem() {
        let original = image(channels: 3, height: 24, width: 20) { c, y, x in sin(Double(x * (c + 1)) * 0.7) * cos(Double(y) * 0.4) * 0.8 }
        let blurred = original.averagePooled(size: 3, stride: 1, paddingHeight: 1, paddingWidth: 1)
        let metrics = ReconstructionMetrics(name: "a", reconstruction: blurred, original: original)
        #expect(metrics.gradientEnergyRatio < 0.8)
        #expect(metrics.structuralSimilarity < 1 && metrics.structuralSimilarity > 0)
        #expect(metrics.colourPeakSignalToNoiseRatio > metrics.peakSignalToNoiseRatio)
        #expect(metrics.channelMeanErrors.count == 3)
        let identical = ReconstructionMetrics(name: "b", reconstruction: original, original: original)
        #expect(abs(identical.structuralSimilarity - 1) < 1e-12 && identical.gradientEnergyRatio == 1 && identical.channelMeanErrors == [0, 0, 0])
        let mean = try! #require(ReconstructionMetrics.mean(of: [metrics, metrics]))
        #expect(mean.gradientEnergyRatio == metrics.gradientEnergyRatio && mean.channelMeanErrors == metrics.channelMeanErrors)
        let header = ReconstructionMetrics.csvHeader(sigmas: [0.8, 1.6, 3.2]).split(separator: ",")
        #expect(header.count == metrics.csvRow.split(separator: ",").count)
    }
}
