import Foundation
import SFLKit

/// The median process CPU time (all threads) of `body` over `repeats` calls
/// after one warm-up: unlike wall time, it barely moves when other processes
/// share the cores.
func medianCPUSeconds(repeats: Int, _ body: () -> Void) -> Double {
    func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
    body()
    var times: [Double] = []
    for _ in 0..<max(repeats, 1) {
        let start = now()
        body()
        times.append(now() - start)
    }
    times.sort()
    return times[times.count / 2]
}

/// Each reconstruction loss's forward pass and forward + backward pass on
/// one `3 × height × width` Float image (a reconstruction that needs a
/// gradient against a fixed original), next to the pixel loss and the SFL.
func benchmarkLosses(options: BenchmarkOptions) -> [BenchmarkResult] {
    var generator = SeededGenerator(seed: 5)
    let original = Tensor<Float>(randomUniform: [1, 3, options.height, options.width], in: -1...1, using: &generator)
    let reconstruction = (original + Tensor<Float>(randomNormal: original.shape, standardDeviation: 0.1, using: &generator)).requiringGradient()
    let sfl = SpatialFrequencyLoss<Float>()
    let originalResponse = sfl.response(of: original)
    typealias Loss = (Tensor<Float>, Tensor<Float>) -> Tensor<Float>
    let pixel: Loss = { PixelLoss()($0, $1) }
    let cachedSFL: Loss = { reconstruction, _ in sfl.breakdown(reconstruction, originalResponse: originalResponse).value }
    let fullSFL: Loss = { sfl($0, $1) }
    let l1: Loss = { L1Loss()($0, $1) }
    let gradientDifference: Loss = { GradientDifferenceLoss()($0, $1) }
    let laplacian: Loss = { LaplacianPyramidLoss()($0, $1) }
    let ssim: Loss = { SSIMLoss()($0, $1) }
    let multiScale = MultiScaleSSIMLoss()
    let multiScaleSSIM: Loss = { multiScale($0, $1) }
    let focalFrequency: Loss = { FocalFrequencyLoss()($0, $1) }
    var losses: [(name: String, loss: Loss)] = [
        ("pixel loss", pixel), ("SFL, cached original", cachedSFL), ("SFL", fullSFL), ("L1", l1),
        ("gradient difference", gradientDifference), ("Laplacian pyramid", laplacian), ("SSIM", ssim),
    ]
    if min(options.height, options.width) >= multiScale.minimumSide { losses.append(("MS-SSIM", multiScaleSSIM)) }
    losses.append(("focal frequency", focalFrequency))
    // The ops underneath: the binomial blur, SSIM's Gaussian window, the FFT.
    let binomial = [1.0, 4, 6, 4, 1].map { $0 / 16 }, gaussian = [Double](repeating: 1 / 11, count: 11)
    losses.append(("op: blur 5 taps, replicate", { x, _ in x.filteredSeparably(verticalTaps: binomial, horizontalTaps: binomial, padding: .replicate).sum() }))
    losses.append(("op: blur 11 taps, valid", { x, _ in x.filteredSeparably(verticalTaps: gaussian, horizontalTaps: gaussian).sum() }))
    losses.append(("op: 2-D FFT", { x, _ in x.fourierTransform2D().real.sum() }))
    var results: [BenchmarkResult] = []
    for (name, loss) in losses {
        func measure(_ label: String, _ body: () -> Void) {
            let cpu = medianCPUSeconds(repeats: options.repeats, body)
            results.append(BenchmarkResult(group: "losses", name: "\(name) \(label)", seconds: medianSeconds(repeats: options.repeats, body),
                                           note: String(format: "CPU %.3f ms", cpu * 1000)))
        }
        measure("forward") { _ = withoutGradients { loss(reconstruction, original) } }
        measure("fwd+bwd") { _ = loss(reconstruction, original).gradients(withRespectTo: [reconstruction]) }
    }
    return results
}
