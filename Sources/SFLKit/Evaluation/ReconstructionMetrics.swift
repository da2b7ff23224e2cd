import Foundation

/// How well one reconstruction matches its original: the paper's figures
/// and the PSNR.
public struct ReconstructionMetrics: Equatable, Sendable {
    /// The image's name (a file name, for example).
    public var name: String
    /// The width in pixels.
    public var width: Int
    /// The height in pixels.
    public var height: Int
    /// The pixel loss `E_PL` (Eq. 4) with `w = 1` on every channel.
    public var pixelLoss: Double
    /// The SFL of each subband (Eq. 6) with `w = 1`, in σ order.
    public var spatialFrequencyPerSubband: [Double]
    /// The peak signal-to-noise ratio in dB on the [0, 1] scale (see
    /// ``peakSignalToNoiseRatio(_:_:)``).
    public var peakSignalToNoiseRatio: Double

    /// Creates metrics from their values.
    public init(name: String, width: Int, height: Int, pixelLoss: Double, spatialFrequencyPerSubband: [Double],
                peakSignalToNoiseRatio: Double) {
        self.name = name
        self.width = width
        self.height = height
        self.pixelLoss = pixelLoss
        self.spatialFrequencyPerSubband = spatialFrequencyPerSubband
        self.peakSignalToNoiseRatio = peakSignalToNoiseRatio
    }

    /// Measures `reconstruction` against `original`, both `[1, C, H, W]` in
    /// [−1, 1], with the subbands of `bank`.
    ///
    /// The values are those a ``FullBatchTrainer`` logs for the image at the
    /// same parameters (`E_PL_ch…` summed, `SFL_sigma…`).
    ///
    /// - Precondition: both have one shape `[1, C, H, W]`.
    public init<Scalar: TensorScalar>(name: String, reconstruction: Tensor<Scalar>, original: Tensor<Scalar>,
                                      bank: LoGFilterBank<Scalar> = LoGFilterBank()) {
        check(reconstruction.rank == 4 && reconstruction.shape[0] == 1 && reconstruction.shape == original.shape,
              "ReconstructionMetrics: expected two [1, C, H, W] tensors of one shape, got \(reconstruction.shape) and \(original.shape)")
        let (pixel, subbands) = withoutGradients {
            (PixelLoss()(reconstruction, original).doubles[0],
             SpatialFrequencyLoss(bank: bank, subbandWeights: bank.sigmas.map { _ in 1 }).breakdown(reconstruction, original).terms.doubles)
        }
        self.init(name: name, width: original.shape[3], height: original.shape[2], pixelLoss: pixel,
                  spatialFrequencyPerSubband: subbands, peakSignalToNoiseRatio: SFLKit.peakSignalToNoiseRatio(reconstruction, original))
    }

    /// The mean of each figure over `metrics` (the PSNR averaged in dB), named
    /// `name`, with the mean width and height rounded; nil when empty.
    public static func mean(of metrics: [ReconstructionMetrics], name: String = "mean") -> ReconstructionMetrics? {
        guard let first = metrics.first else { return nil }
        let count = Double(metrics.count)
        func average(_ value: (ReconstructionMetrics) -> Double) -> Double { metrics.map(value).reduce(0, +) / count }
        return ReconstructionMetrics(
            name: name, width: Int(average { Double($0.width) }.rounded()), height: Int(average { Double($0.height) }.rounded()),
            pixelLoss: average(\.pixelLoss),
            spatialFrequencyPerSubband: first.spatialFrequencyPerSubband.indices.map { k in average { $0.spatialFrequencyPerSubband[k] } },
            peakSignalToNoiseRatio: average(\.peakSignalToNoiseRatio))
    }

    /// The CSV header for subbands of scales `sigmas`:
    /// `name,width,height,E_PL,SFL_sigma<σ>…,PSNR_dB`.
    public static func csvHeader(sigmas: [Double]) -> String {
        (["name", "width", "height", "E_PL"] + sigmas.map { "SFL_sigma\($0)" } + ["PSNR_dB"]).joined(separator: ",")
    }

    /// One CSV row (numbers in Swift's shortest round-trip form; a name
    /// holding a comma, quote or line break is quoted).
    public var csvRow: String {
        let quoted = name.contains { $0 == "," || $0 == "\"" || $0.isNewline } ? "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : name
        return ([quoted, String(width), String(height), "\(pixelLoss)"] + spatialFrequencyPerSubband.map { "\($0)" } + ["\(peakSignalToNoiseRatio)"])
            .joined(separator: ",")
    }
}

/// The peak signal-to-noise ratio in dB of `reconstruction` against
/// `original`, both in [−1, 1], measured on the [0, 1] scale:
/// `10 · log₁₀(1 / MSE)` with `MSE` the mean of `((r − o) / 2)²` over every
/// element. Infinite when they are equal.
///
/// - Precondition: both have one shape.
public func peakSignalToNoiseRatio<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Double {
    check(reconstruction.shape == original.shape, "peakSignalToNoiseRatio: shapes \(reconstruction.shape) and \(original.shape) differ")
    let a = reconstruction.doubles, b = original.doubles
    var sum = 0.0
    for index in a.indices {
        let difference = (a[index] - b[index]) / 2
        sum += difference * difference
    }
    let meanSquaredError = sum / Double(max(a.count, 1))
    return 10 * Foundation.log10(1 / meanSquaredError)
}
