import Testing
@testable import SFLKit

/// Every anti-blur loss gives bit-identical values and gradients whatever
/// the number of threads (the kernels' blocks depend on the sizes only), on
/// an image large enough to be split into several blocks.
@Suite struct LossDeterminismTests {
    @Test func valuesAndGradientsDoNotDependOnThreadCount() {
        var generator = SeededGenerator(seed: 77)
        let original = Tensor<Float>(randomUniform: [1, 3, 97, 83], in: -1...1, using: &generator)
        let noise = Tensor<Float>(randomNormal: original.shape, standardDeviation: 0.1, using: &generator)
        let losses: [(String, (Tensor<Float>, Tensor<Float>) -> Tensor<Float>)] = [
            ("l1", { L1Loss()($0, $1) }), ("gdl", { GradientDifferenceLoss()($0, $1) }), ("lap1", { LaplacianPyramidLoss()($0, $1) }),
            ("ssim", { SSIMLoss()($0, $1) }), ("msssim", { MultiScaleSSIMLoss(windowSize: 5)($0, $1) }), ("ffl", { FocalFrequencyLoss()($0, $1) }),
        ]
        for (name, loss) in losses {
            let results = [1, 2, 3].map { threads in
                withComputeThreads(threads) { () -> [Float] in
                    let reconstruction = (original + noise).requiringGradient()
                    let value = loss(reconstruction, original)
                    return [value.scalar] + value.gradients(withRespectTo: [reconstruction])[0].scalars
                }
            }
            #expect(results[0] == results[1] && results[0] == results[2], "\(name) differs between thread counts")
            #expect(results[0].allSatisfy { $0.isFinite }, "\(name) is not finite")
        }
    }
}
