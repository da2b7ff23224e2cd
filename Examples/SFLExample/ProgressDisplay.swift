import Foundation
import SFLExperiment
import SFLKit
import Synchronization

/// Counts Ctrl-C presses; read between epochs by the training loop.
final class StopRequests: Sendable {
    private let presses = Atomic<Int>(0)

    /// Records one press and returns the number so far.
    func record() -> Int { presses.add(1, ordering: .relaxed).newValue }

    /// The number of presses so far.
    var count: Int { presses.load(ordering: .relaxed) }
}

/// Shows training progress: one line rewritten in place on a terminal, plain
/// lines (at most about 300) otherwise.
final class ProgressDisplay {
    private let isTerminal: Bool
    private let plainLineInterval: Int
    private var lastLength = 0

    init(isTerminal: Bool, totalEpochs: Int) {
        self.isTerminal = isTerminal
        plainLineInterval = max(1, (totalEpochs + 299) / 300)
    }

    /// Shows one epoch's progress.
    func show(_ progress: ExperimentProgress) {
        var line = Self.line(progress)
        if isTerminal {
            // A line wider than the terminal would wrap, and "\r" would rewrite only its last part.
            if let columns = Self.terminalColumns(), line.count >= columns { line = String(line.prefix(max(columns - 2, 10))) + "…" }
            let padding = String(repeating: " ", count: max(0, lastLength - line.count))
            write("\r" + line + padding)
            lastLength = line.count
        } else if progress.epoch % plainLineInterval == 0 || progress.epoch == progress.totalEpochs || progress.epoch == 1 {
            write(line + "\n")
        }
    }

    /// Ends the updating line.
    func finish() {
        if isTerminal && lastLength > 0 { write("\n") }
        lastLength = 0
    }

    /// `epoch 37/300 │ PL only E 2.31e-02 SFL 18.9 5.69 1.37 colour 21.4 dB │ PL + SFL E … E_PL … SFL … (×10⁻³) │ 0:12 ETA 1:53`.
    static func line(_ progress: ExperimentProgress) -> String {
        var parts = ["epoch \(progress.epoch)/\(progress.totalEpochs)"]
        for (run, losses) in progress.losses {
            var text = "\(run.title) E " + String(format: "%.3e", losses.total)
            if run.optimizesSpatialFrequencyLoss { text += " E_PL " + String(format: "%.3e", losses.pixel) }
            text += " SFL " + losses.spatialFrequencyPerSubband.map { String(format: "%.3g", $0 * 1e3) }.joined(separator: " ")
            if let colour = losses.colourPeakSignalToNoiseRatio { text += String(format: " colour %.1f dB", colour) }
            parts.append(text)
        }
        parts.append("\(clock(progress.elapsedSeconds)) ETA \(clock(progress.remainingSeconds))")
        return parts.joined(separator: " │ ") + (progress.losses.isEmpty ? "" : "  (SFL ×10⁻³)")
    }

    /// The width of the terminal on standard output, if it has one.
    static func terminalColumns() -> Int? {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// `m:ss` or `h:mm:ss`.
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "–" }
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }
}
