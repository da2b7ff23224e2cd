import SFLKit

/// Why a run stopped: in some epoch its loss or a gradient was NaN or
/// infinite (the learning rate is typically too large). The update was not
/// applied, and the run's last good checkpoint was not overwritten.
public struct DivergenceError: SFLKitError, Equatable {
    /// The run that diverged.
    public let run: ExperimentRun
    /// The epoch whose loss or gradients were not finite (counted from 1).
    public let epoch: Int
    /// What was not finite, as the trainer reports it.
    public let nonFinite: String
    /// The run's last good checkpoint, left unchanged; nil when none was written.
    public let goodCheckpoint: GoodCheckpoint?
    /// The file holding the diverged state, for inspection; nil when it could not be written.
    public let divergedFile: String?

    /// A checkpoint known to hold a state whose loss and gradients were finite.
    public struct GoodCheckpoint: Equatable, Sendable {
        /// The file's path.
        public let file: String
        /// The epoch it holds.
        public let epoch: Int

        /// Creates a description of a checkpoint.
        public init(file: String, epoch: Int) {
            self.file = file
            self.epoch = epoch
        }
    }

    /// Creates an error.
    public init(run: ExperimentRun, epoch: Int, nonFinite: String, goodCheckpoint: GoodCheckpoint?, divergedFile: String?) {
        self.run = run
        self.epoch = epoch
        self.nonFinite = nonFinite
        self.goodCheckpoint = goodCheckpoint
        self.divergedFile = divergedFile
    }

    /// `"<run> run, epoch <n>"`.
    public var source: String { "\(run.title) run, epoch \(epoch)" }

    /// What diverged, what was kept and how to continue.
    public var problem: String {
        var text = "diverged: \(nonFinite)."
        if let goodCheckpoint {
            text += " Its last good checkpoint, \(goodCheckpoint.file) (epoch \(goodCheckpoint.epoch)), is unchanged"
        } else {
            text += " No checkpoint of it was written in this session"
        }
        text += divergedFile.map { "; the diverged state is in \($0)." } ?? "."
        text += goodCheckpoint == nil
            ? " Start again with a smaller --lr."
            : " Continue from the good checkpoint with the same options, --resume and a smaller --lr."
        return text
    }
}
