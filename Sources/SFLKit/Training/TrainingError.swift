/// Why a training step was refused: the loss or a gradient is NaN or
/// infinite. No update was applied, so the parameters are those of the
/// previous step.
public struct TrainingError: SFLKitError, Equatable {
    /// The update that was refused, counted from 1.
    public let step: Int
    /// The metrics of the refused step (the loss among them).
    public let metrics: TrainingMetrics
    /// What was not finite, in words.
    public let problem: String

    /// Creates an error.
    public init(step: Int, metrics: TrainingMetrics, problem: String) {
        self.step = step
        self.metrics = metrics
        self.problem = problem
    }

    /// `"training step <n>"`.
    public var source: String { "training step \(step)" }
}
