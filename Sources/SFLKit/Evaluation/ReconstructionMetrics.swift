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
    /// The structural similarity (SSIM) with ``SSIMLoss``'s defaults
    /// (11-pixel Gaussian window, σ = 1.5): 1 for identical images.
    public var structuralSimilarity: Double
    /// The gradient energy of the reconstruction ÷ the original's (see
    /// ``gradientEnergyRatio(_:_:)``): 1 as sharp as the original, below 1 blurred.
    public var gradientEnergyRatio: Double
    /// The colour error: the PSNR in dB of the 8 × 8 area averages (see
    /// ``colourPeakSignalToNoiseRatio(_:_:blockSize:)``).
    public var colourPeakSignalToNoiseRatio: Double
    /// The error of each channel's mean on the [0, 1] scale (see
    /// ``channelMeanErrors(_:_:)``).
    public var channelMeanErrors: [Double]

    /// Creates metrics from their values.
    public init(name: String, width: Int, height: Int, pixelLoss: Double, spatialFrequencyPerSubband: [Double],
                peakSignalToNoiseRatio: Double, structuralSimilarity: Double, gradientEnergyRatio: Double,
                colourPeakSignalToNoiseRatio: Double, channelMeanErrors: [Double]) {
        self.name = name
        self.width = width
        self.height = height
        self.pixelLoss = pixelLoss
        self.spatialFrequencyPerSubband = spatialFrequencyPerSubband
        self.peakSignalToNoiseRatio = peakSignalToNoiseRatio
        self.structuralSimilarity = structuralSimilarity
        self.gradientEnergyRatio = gradientEnergyRatio
        self.colourPeakSignalToNoiseRatio = colourPeakSignalToNoiseRatio
        self.channelMeanErrors = channelMeanErrors
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
        let (pixel, subbands, similarity) = withoutGradients {
            (PixelLoss()(reconstruction, original).doubles[0],
             SpatialFrequencyLoss(bank: bank, subbandWeights: bank.sigmas.map { _ in 1 }).breakdown(reconstruction, original).terms.doubles,
             SSIMLoss().similarity(reconstruction, original).doubles[0])
        }
        self.init(name: name, width: original.shape[3], height: original.shape[2], pixelLoss: pixel,
                  spatialFrequencyPerSubband: subbands, peakSignalToNoiseRatio: SFLKit.peakSignalToNoiseRatio(reconstruction, original),
                  structuralSimilarity: similarity, gradientEnergyRatio: SFLKit.gradientEnergyRatio(reconstruction, original),
                  colourPeakSignalToNoiseRatio: SFLKit.colourPeakSignalToNoiseRatio(reconstruction, original),
                  channelMeanErrors: SFLKit.channelMeanErrors(reconstruction, original))
    }

    /// The mean of each figure over `metrics` (the PSNRs averaged in dB), named
    /// `name`, with the mean width and height rounded; nil when empty.
    public static func mean(of metrics: [ReconstructionMetrics], name: String = "mean") -> ReconstructionMetrics? {
        guard let first = metrics.first else { return nil }
        let count = Double(metrics.count)
        func average(_ value: (ReconstructionMetrics) -> Double) -> Double { metrics.map(value).reduce(0, +) / count }
        return ReconstructionMetrics(
            name: name, width: Int(average { Double($0.width) }.rounded()), height: Int(average { Double($0.height) }.rounded()),
            pixelLoss: average(\.pixelLoss),
            spatialFrequencyPerSubband: first.spatialFrequencyPerSubband.indices.map { k in average { $0.spatialFrequencyPerSubband[k] } },
            peakSignalToNoiseRatio: average(\.peakSignalToNoiseRatio), structuralSimilarity: average(\.structuralSimilarity),
            gradientEnergyRatio: average(\.gradientEnergyRatio), colourPeakSignalToNoiseRatio: average(\.colourPeakSignalToNoiseRatio),
            channelMeanErrors: first.channelMeanErrors.indices.map { c in average { $0.channelMeanErrors[c] } })
    }

    /// The CSV header for subbands of scales `sigmas` and images of
    /// `channelCount` channels:
    /// `name,width,height,E_PL,SFL_sigma<σ>…,PSNR_dB,SSIM,gradient_energy_ratio,colour_PSNR_dB,mean_error_ch1…`.
    public static func csvHeader(sigmas: [Double], channelCount: Int = 3) -> String {
        (["name", "width", "height", "E_PL"] + sigmas.map { "SFL_sigma\($0)" }
            + ["PSNR_dB", "SSIM", "gradient_energy_ratio", "colour_PSNR_dB"] + (0..<channelCount).map { "mean_error_ch\($0 + 1)" })
            .joined(separator: ",")
    }

    /// One CSV row (numbers in Swift's shortest round-trip form; a name
    /// holding a comma, quote or line break is quoted).
    public var csvRow: String {
        let quoted = name.contains { $0 == "," || $0 == "\"" || $0.isNewline } ? "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : name
        let figures = [pixelLoss] + spatialFrequencyPerSubband
            + [peakSignalToNoiseRatio, structuralSimilarity, gradientEnergyRatio, colourPeakSignalToNoiseRatio] + channelMeanErrors
        return ([quoted, String(width), String(height)] + figures.map { "\($0)" }).joined(separator: ",")
    }
}
