import SFLKit

/// Why `--resume` refused an output folder: a checkpoint or learning-curve
/// file that cannot be read, or that disagrees with itself, with the other
/// files or with the options (run name, epoch and optimizer step, channel
/// count, settings). Nothing in the folder was changed.
public struct ResumeError: SFLKitError, Equatable {
    /// The file at fault.
    public let source: String
    /// The problem in words.
    public let problem: String

    /// Creates an error about `source`.
    public init(source: String, problem: String) {
        self.source = source
        self.problem = problem
    }

    /// The error of a library check, keeping its file and problem.
    init(_ error: some SFLKitError) {
        self.init(source: error.source, problem: error.problem)
    }
}
