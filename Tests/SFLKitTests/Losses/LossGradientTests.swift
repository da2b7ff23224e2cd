import Foundation
import Testing
@testable import SFLKit

/// The anti-blur losses: finite-difference gradient checks (Double) on odd
/// sizes, their basic properties and their shape checks.
@Suite struct LossGradientTests {
    /// A reconstruction and an original in [−1, 1]-like ranges, the
    /// reconstruction a perturbed original (as in training).
    static func pair(_ shape: [Int], seed: UInt64) -> (Tensor<Double>, Tensor<Double>) {
        let original = randomTensor(shape, seed: seed) * 0.5
        return (original + randomTensor(shape, seed: seed + 1) * 0.2, original)
    }

    @Test(arguments: [[1, 3, 5, 7], [2, 1, 4, 3], [1, 2, 9, 6]])
    func l1AndGradientDifference(_ shape: [Int]) {
        let (reconstruction, original) = Self.pair(shape, seed: 1000)
        expectGradientsMatch(at: [reconstruction]) { L1Loss()($0[0], original) }
        expectGradientsMatch(at: [reconstruction]) { GradientDifferenceLoss()($0[0], original) }
        expectGradientsMatch(at: [reconstruction]) { GradientDifferenceLoss(alpha: 2)($0[0], original) }
        expectGradientsMatch(at: [reconstruction]) { GradientDifferenceLoss().breakdown($0[0], original).terms }
    }

    @Test(arguments: [(shape: [1, 3, 11, 9], levels: 3), (shape: [2, 1, 7, 5], levels: 4), (shape: [1, 2, 6, 13], levels: 1)])
    func laplacianPyramid(shape: [Int], levels: Int) {
        let (reconstruction, original) = Self.pair(shape, seed: 1010)
        let loss = LaplacianPyramidLoss(levels: levels)
        expectGradientsMatch(at: [reconstruction]) { loss($0[0], original) }
        expectGradientsMatch(at: [reconstruction]) { loss.breakdown($0[0], original).terms }
        #expect(loss.breakdown(reconstruction, original).terms.shape == [levels])
    }

    @Test(arguments: [(shape: [1, 3, 13, 15], window: 11), (shape: [2, 1, 9, 8], window: 3), (shape: [1, 2, 7, 12], window: 9)])
    func ssim(shape: [Int], window: Int) {
        let (reconstruction, original) = Self.pair(shape, seed: 1020)
        let loss = SSIMLoss(windowSize: window)
        expectGradientsMatch(at: [reconstruction]) { loss($0[0], original) }
        expectGradientsMatch(at: [reconstruction]) { loss.similarityPerChannel($0[0], original) }
        expectGradientsMatch(at: [reconstruction, original]) { loss($0[0], $0[1]) }
    }

    @Test func multiScaleSSIM() {
        let loss = MultiScaleSSIMLoss(windowSize: 3, weights: [0.2, 0.3, 0.5])
        #expect(loss.minimumSide == 9)
        let (reconstruction, original) = Self.pair([1, 2, 11, 9], seed: 1030)
        expectGradientsMatch(at: [reconstruction]) { loss($0[0], original) }
        expectGradientsMatch(at: [reconstruction]) { loss.similarityPerChannel($0[0], original) }
        #expect(MultiScaleSSIMLoss().minimumSide == 161)
    }

    /// The focal weights are detached (as in the authors' code), so the
    /// gradient is that of `λ · mean(w · d)` with `w` frozen at the point:
    /// that function is checked by finite differences, and the loss's own
    /// gradient must equal its analytic gradient.
    static func expectFocalFrequencyGradients(_ loss: FocalFrequencyLoss, shape: [Int], seed: UInt64,
                                              sourceLocation: SourceLocation = #_sourceLocation) {
        let (reconstruction, original) = pair(shape, seed: seed)
        let frozen = loss.spectrumWeights(loss.spectrumDistance(reconstruction, original))
        func frozenLoss(_ x: Tensor<Double>) -> Tensor<Double> { loss.weighted(loss.spectrumDistance(x, original), by: frozen) }
        expectGradientsMatch(at: [reconstruction], sourceLocation: sourceLocation) { frozenLoss($0[0]) }
        let leaf = reconstruction.requiringGradient()
        let actual = loss(leaf, original).gradients(withRespectTo: [leaf])[0].doubles
        let expected = frozenLoss(leaf).gradients(withRespectTo: [leaf])[0].doubles
        #expect(allClose(actual, expected, absolute: 1e-15, relative: 1e-12), sourceLocation: sourceLocation)
        #expect(abs(loss(reconstruction, original).scalar - frozenLoss(reconstruction).scalar) <= 1e-15, sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        FocalFrequencyLoss(), FocalFrequencyLoss(alpha: 2, logMatrix: true), FocalFrequencyLoss(lossWeight: 3, patchFactor: 2),
        FocalFrequencyLoss(averageSpectrum: true), FocalFrequencyLoss(batchMatrix: true),
    ])
    func focalFrequency(_ loss: FocalFrequencyLoss) {
        Self.expectFocalFrequencyGradients(loss, shape: [2, 3, 6, 10], seed: 1040)
    }

    @Test func focalFrequencyOddSize() {
        Self.expectFocalFrequencyGradients(FocalFrequencyLoss(), shape: [1, 3, 7, 9], seed: 1050)
        Self.expectFocalFrequencyGradients(FocalFrequencyLoss(alpha: 2, patchFactor: 3, logMatrix: true), shape: [1, 2, 9, 15], seed: 1051)
    }

    @Test func identicalImagesCostNothing() {
        let (_, original) = Self.pair([1, 3, 12, 14], seed: 1060)
        #expect(L1Loss()(original, original).scalar == 0)
        #expect(GradientDifferenceLoss()(original, original).scalar == 0)
        #expect(LaplacianPyramidLoss()(original, original).scalar == 0)
        #expect(abs(SSIMLoss(windowSize: 7)(original, original).scalar) < 1e-12)
        #expect(abs(MultiScaleSSIMLoss(windowSize: 3, weights: [0.5, 0.5])(original, original).scalar) < 1e-12)
        // d = 0 everywhere: the weights are 0/0 → 0, as in focal-frequency-loss.
        let ffl = FocalFrequencyLoss()(original.requiringGradient(), original)
        #expect(ffl.scalar == 0)
    }

    @Test func blurCostsMoreThanNothing() {
        // A blurred reconstruction loses edges: every loss is positive and SSIM below 1.
        let original: Tensor<Double> = SyntheticImages.make(count: 1, height: 40, width: 48)[0]
        let blurred = original.filteredSeparably(verticalTaps: [1, 4, 6, 4, 1].map { $0 / 16 }, horizontalTaps: [1, 4, 6, 4, 1].map { $0 / 16 },
                                                 padding: .replicate)
        #expect(L1Loss()(blurred, original).scalar > 0)
        #expect(GradientDifferenceLoss()(blurred, original).scalar > 0)
        #expect(LaplacianPyramidLoss()(blurred, original).scalar > 0)
        let ssim = SSIMLoss().similarity(blurred, original).scalar
        #expect(ssim > 0 && ssim < 1)
        #expect(FocalFrequencyLoss()(blurred, original).scalar > 0)
    }

    @Test func lossesAreEquatableValues() {
        #expect(SSIMLoss() == SSIMLoss(windowSize: 11, sigma: 1.5, k1: 0.01, k2: 0.03, dataRange: 2))
        #expect(MultiScaleSSIMLoss().weights == [0.0448, 0.2856, 0.3001, 0.2363, 0.1333])
        #expect(LaplacianPyramidLoss().kernel == [1, 4, 6, 4, 1].map { $0 / 16 })
        #expect(FocalFrequencyLoss() != FocalFrequencyLoss(alpha: 2))
    }

    @Test func shapeMismatchNamesLossAndShapes() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = SSIMLoss()(Tensor<Float>(zeros: [1, 3, 20, 20]), Tensor<Float>(zeros: [1, 3, 20, 21]))
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("SSIMLoss") && message.contains("[1, 3, 20, 20] and [1, 3, 20, 21]"), "\(message)")
        let small = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = MultiScaleSSIMLoss()(Tensor<Float>(zeros: [1, 3, 100, 200]), Tensor<Float>(zeros: [1, 3, 100, 200]))
        }
        let smallMessage = String(decoding: small.standardErrorContent, as: UTF8.self)
        #expect(smallMessage.contains("MultiScaleSSIMLoss") && smallMessage.contains("161"), "\(smallMessage)")
    }
}
