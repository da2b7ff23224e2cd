import Foundation
import SFLKit
import SFLExperiment

// sfl-example: the paper's experiment end to end — PL only vs PL + SFL from the
// same initial weights — with progress on the terminal, Ctrl-C to stop after
// the current epoch, and --resume to continue. The work is done by SFLKit's
// ReconstructionExperiment; this file parses, displays and handles signals.

/// Writes text to standard output unbuffered (so progress lines and the rest never interleave out of order).
func write(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// Writes a message to standard error.
func complain(_ text: String) {
    FileHandle.standardError.write(Data("sfl-example: \(text)\n".utf8))
}

// MARK: - Command line

let settings: ExperimentSettings
do {
    switch try ExperimentCommandLine.parse(Array(CommandLine.arguments.dropFirst())) {
    case .help:
        write(ExperimentCommandLine.usage + "\n")
        exit(0)
    case .reconstructHelp:
        write(ReconstructCommandLine.usage + "\n")
        exit(0)
    case let .reconstruct(reconstructSettings):
        runReconstruction(reconstructSettings)
    case .compareHelp:
        write(CompareCommandLine.usage + "\n")
        exit(0)
    case let .compare(comparisonSettings):
        runComparison(comparisonSettings)
    case let .run(parsed):
        settings = parsed
    }
} catch {
    let usage = switch CommandLine.arguments.dropFirst().first {
    case "reconstruct": ReconstructCommandLine.usage
    case "compare": CompareCommandLine.usage
    default: ExperimentCommandLine.usage
    }
    complain("\(error)\n\n\(usage)")
    exit(2)
}

/// `sfl-example reconstruct`: runs, prints the mean row and every file it could not read, and exits.
func runReconstruction(_ settings: ReconstructSettings) -> Never {
    do {
        let outcome = try reconstruct(settings)
        for failure in outcome.result.failures { complain("skipped \(failure)") }
        let size = outcome.longestSide.map { ", longest side \($0) px" } ?? ""
        write("""
        sfl-example reconstruct: \(outcome.result.entries.count) images from \(settings.dataFolder)\(size)
          wrote \(settings.outputFolder)/metrics.csv and \(outcome.result.entries.count) reconstructions in \(settings.outputFolder)/reconstructions
        \(outcome.summary)\n
        """)
        exit(0)
    } catch {
        complain("\(error)")
        exit(1)
    }
}

/// `sfl-example compare`: trains one run per loss, prints progress and the table, and exits.
func runComparison(_ settings: ComparisonSettings) -> Never {
    do {
        let comparison = try LossComparison(settings: settings)
        for failure in Set(comparison.training.failures + comparison.evaluation.failures).sorted() { complain("skipped \(failure)") }
        write("""
        sfl-example compare: \(settings.losses.map(\.rawValue).joined(separator: ", ")), \(settings.epochs) epochs each, \
        \(settings.threads) thread\(settings.threads == 1 ? "" : "s")
          training: \(comparison.training.origin)
          held out: \(comparison.evaluation.origin)\n
        """)
        let outcome = try comparison.run { write($0 + "\n") }
        let table = outcome.report.components(separatedBy: "\n").filter { $0.hasPrefix("|") }.prefix(outcome.runs.count + 2)
        write("\n" + table.joined(separator: "\n") + "\n\nWrote \(settings.outputFolder)/comparison.md and \(outcome.files.count - 1) other files.\n")
        exit(0)
    } catch {
        complain("\(error)")
        exit(1)
    }
}

// MARK: - Data

let dataset: ExperimentDataset
do {
    dataset = try ExperimentDataset.load(for: settings)
} catch {
    complain(error.description)
    exit(1)
}
for failure in dataset.failures { complain("skipped \(failure)") }

// MARK: - Ctrl-C

let stopRequests = StopRequests()
signal(SIGINT, SIG_IGN)
let interruptSource = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
interruptSource.setEventHandler {
    if stopRequests.record() == 1 {
        FileHandle.standardError.write(Data("\nsfl-example: stopping after this epoch and saving checkpoints (Ctrl-C again to quit at once, unsaved)\n".utf8))
    } else {
        FileHandle.standardError.write(Data("\nsfl-example: quitting without saving\n".utf8))
        exit(130)
    }
}
interruptSource.resume()

// MARK: - Run

let optimizerText = settings.optimizer == .sgd
    ? "SGD lr \(settings.learningRate) momentum \(settings.momentum)" : "Adam lr \(settings.learningRate)"
write("""
sfl-example: \(dataset.origin)
  \(settings.epochs) full-batch epochs, \(optimizerText), σ = \(settings.sigmas.map { "\($0)" }.joined(separator: ", ")), \
w_SFL = \(settings.subbandWeights.map { "\($0)" }.joined(separator: ", ")), runs: \(settings.selectedRuns.map(\.title).joined(separator: ", ")), \
seed \(settings.seed), \(settings.threads) thread\(settings.threads == 1 ? "" : "s")\(settings.resume ? ", resuming" : "")
  output: \(settings.outputFolder)\n
""")

let display = ProgressDisplay(isTerminal: isatty(STDOUT_FILENO) != 0, totalEpochs: settings.epochs)
let outcome: ExperimentOutcome
do {
    outcome = try ReconstructionExperiment(settings: settings, dataset: dataset)
        .run(shouldStop: { stopRequests.count > 0 }, progress: display.show)
} catch {
    display.finish()
    complain("\(error)")
    exit(1)
}
display.finish()

write("\n\(outcome.comparison)\n\n")
if outcome.stoppedEarly {
    write("Stopped at epoch \(outcome.completedEpochs) of \(settings.epochs); checkpoints saved. Continue with the same options and --resume.\n")
}
write(String(format: "Wall time %.1f s (epochs %d–%d). Summary: %@\n", outcome.sessionSeconds, outcome.startEpoch + 1, outcome.completedEpochs,
             URL(fileURLWithPath: settings.outputFolder).appendingPathComponent("summary.md").path as NSString))
exit(outcome.stoppedEarly ? 130 : 0)
