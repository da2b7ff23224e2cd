import SFLKit

/// The paper's losses of one epoch, read from the named metrics of a
/// ``FullBatchTrainer`` step or a learning-curve record.
public struct EpochLosses: Equatable, Sendable {
    /// `E = E_PL + E_SFL` (Eq. 7), or `E_PL` alone when the SFL is not optimised.
    public var total: Double
    /// `E_PL` (Eq. 4), weighted.
    public var pixel: Double
    /// `E_SFL` (Eq. 6), weighted.
    public var spatialFrequency: Double
    /// The unweighted per-channel pixel terms (`w = 1`).
    public var pixelPerChannel: [Double]
    /// The unweighted per-subband SFL terms (`w = 1`), in σ order; empty when not evaluated.
    public var spatialFrequencyPerSubband: [Double]
    /// The colour PSNR in dB (8 × 8 area averages), when recorded.
    public var colourPeakSignalToNoiseRatio: Double?

    /// Reads the losses from metrics named as ``curveColumns(channelCount:sigmas:)``
    /// says (the trainer's `loss` is read as `E`).
    public init(_ metrics: TrainingMetrics) {
        total = metrics["E"] ?? metrics["loss"] ?? .nan
        pixel = metrics["E_PL"] ?? .nan
        spatialFrequency = metrics["E_SFL"] ?? .nan
        pixelPerChannel = metrics.entries.filter { $0.name.hasPrefix("E_PL_ch") }.map(\.value)
        let subbands = metrics.entries.filter { $0.name.hasPrefix("SFL_sigma") }.map(\.value)
        spatialFrequencyPerSubband = subbands.allSatisfy(\.isNaN) ? [] : subbands
        colourPeakSignalToNoiseRatio = metrics["colour_PSNR_dB"]
    }

    /// The learning-curve columns of the experiment:
    /// `E,E_PL,E_SFL,[E_LP,]E_PL_ch1,…,SFL_sigma<σ1>,…,colour_PSNR_dB,colour_error_ch1,…`
    /// (``FullBatchTrainer``'s metrics with `monitorsColour`, `loss` named `E`).
    public static func curveColumns(channelCount: Int, sigmas: [Double], lowPass: Bool = false) -> [String] {
        ["E", "E_PL", "E_SFL"] + (lowPass ? ["E_LP"] : []) + (1...channelCount).map { "E_PL_ch\($0)" } + sigmas.map { "SFL_sigma\($0)" }
            + ["colour_PSNR_dB"] + (1...channelCount).map { "colour_error_ch\($0)" }
    }

    /// A trainer step's metrics as a curve record's: `loss` renamed `E`.
    static func curveMetrics(_ metrics: TrainingMetrics) -> TrainingMetrics {
        TrainingMetrics(metrics.entries.map { ($0.name == "loss" ? "E" : $0.name, $0.value) })
    }
}
