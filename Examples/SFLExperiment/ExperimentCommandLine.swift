import Foundation
import SFLKit

/// A command-line mistake: what is wrong, in one sentence (the caller adds the usage).
public struct ExperimentUsageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The problem, e.g. `"--epochs needs a positive integer, got 'ten'"`.
    public let message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}

/// What the command line asks for.
public enum ExperimentCommand: Equatable, Sendable {
    /// Print ``ExperimentCommandLine/usage`` and exit.
    case help
    /// Run the experiment with these settings.
    case run(ExperimentSettings)
    /// Print ``ReconstructCommandLine/usage`` and exit.
    case reconstructHelp
    /// Run a trained model over a folder (`sfl-example reconstruct …`).
    case reconstruct(ReconstructSettings)
    /// Print ``CompareCommandLine/usage`` and exit.
    case compareHelp
    /// Compare losses (`sfl-example compare …`).
    case compare(ComparisonSettings)
}

/// The command line of `sfl-example`, parsed as a pure function so that its
/// messages can be tested without starting a process.
///
/// `--paper` is applied first wherever it appears, so options given with it
/// override the paper's values. Options take their value as the next
/// argument or after `=` (`--epochs 50`, `--epochs=50`).
public enum ExperimentCommandLine {
    /// The help text, listing every option with its default.
    public static var usage: String {
        let defaults = ExperimentSettings()
        return """
        usage: sfl-example [options]
               sfl-example reconstruct --checkpoint FILE --data DIR [--size N] [--out DIR]   (--help for its options)
               sfl-example compare [--losses pl,sfl,ssim,…] [--data DIR] [--epochs N] [--out DIR]   (--help for its options)
        Trains the paper's convolutional autoencoder twice from the same initial weights — with the
        pixel loss (PL) alone and with PL + spatial frequency loss (SFL) — and writes learning curves,
        plots, reconstructions, checkpoints and summary.md to the output folder.

        Data
          --data DIR              folder of PNG/PPM/PGM/JPEG images (default: \(defaults.imageCount!) built-in synthetic images)
          --size N                longest side in pixels (default \(ExperimentSettings.defaultBuiltInLongestSide) built-in, \(ExperimentSettings.defaultPhotographLongestSide) with --data)
          --images N              number of images (default \(defaults.imageCount!) built-in, every image with --data)
        Training
          --epochs N              full-batch epochs of each run (default \(defaults.epochs))
          --optimizer sgd|adam    optimizer (default \(defaults.optimizer.rawValue))
          --lr X                  learning rate (default 0.001 for adam, 0.02 for sgd)
          --momentum X            SGD momentum, 0 ≤ X < 1 (default \(defaults.momentum); sgd only)
          --sigmas A,B,C          LoG filter scales σ (default \(list(defaults.sigmas)))
          --subband-weights A,B,C SFL weight of each subband, one per σ (default \(list(defaults.subbandWeights)))
          --loss pl|sfl|both      which runs: PL only, PL + SFL, or both (default \(defaults.runs.rawValue))
          --threads N             compute threads (default: all \(ComputeThreads.available) processors)
          --seed N                seed of the initial weights, N(0, 0.02²) (default \(defaults.seed))
          --paper                 the paper's settings: \(ExperimentSettings.paperDataFolder), 70 images, 300 px,
                                  2000 epochs, SGD lr 0.02 momentum 0.5, w_SFL = 100,10,10 (other options override them)
        Colour remedies (off by default; see the README's "Learning the colours early")
          --pixel-space rgb|ycbcr|opponent  colour space of the pixel loss, both runs (default rgb)
          --pixel-weights A,B,C   pixel-loss weight of each channel of --pixel-space (default 1,1,1)
          --low-pass-weight W     add a Gaussian low-pass band with weight W to the PL + SFL run (default 0: none)
          --low-pass-sigma S      the low-pass band's σ in pixels (default \(defaults.lowPassSigma))
          --mean-colour-bias      start the output bias at the data's mean colour, both runs (default: 0)
        Output
          --out DIR               output folder (default \(defaults.outputFolder))
          --snapshot-epochs A,B   epochs whose reconstructions are saved (default 1 and 25/50/75/100 % of --epochs)
          --resume                continue from the checkpoints in --out (same options; --epochs may grow, --lr may change)
          --help                  this text

        Ctrl-C stops after the current epoch and saves checkpoints; --resume continues from them.
        A run whose loss or gradients become NaN or infinite stops with its last good checkpoint kept;
        --resume with a smaller --lr continues from it.
        """
    }

    /// The arguments with each `--option=value` split into two.
    static func splitOptions(_ arguments: [String]) -> [String] {
        var tokens: [String] = []
        for argument in arguments {
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                tokens += [String(argument[..<equals]), String(argument[argument.index(after: equals)...])]
            } else {
                tokens.append(argument)
            }
        }
        return tokens
    }

    private static func list(_ values: [Double]) -> String { values.map { "\($0)" }.joined(separator: ",") }

    /// Parses `arguments` (without the program name).
    ///
    /// - Throws: ``ExperimentUsageError`` naming the option and what is wrong with it.
    public static func parse(_ arguments: [String]) throws(ExperimentUsageError) -> ExperimentCommand {
        if arguments.first == "reconstruct" {
            guard let settings = try ReconstructCommandLine.parse(Array(arguments.dropFirst())) else { return .reconstructHelp }
            return .reconstruct(settings)
        }
        if arguments.first == "compare" {
            guard let settings = try CompareCommandLine.parse(Array(arguments.dropFirst())) else { return .compareHelp }
            return .compare(settings)
        }
        let tokens = splitOptions(arguments)
        if tokens.contains("--help") || tokens.contains("-h") { return .help }
        var settings = tokens.contains("--paper") ? ExperimentSettings.paper : ExperimentSettings()
        settings.arguments = arguments
        var explicitSize = false, explicitImages = false, explicitLearningRate = false, explicitMomentum = false

        var index = 0
        func value(_ option: String) throws(ExperimentUsageError) -> String {
            index += 1
            guard index < tokens.count, !(tokens[index].hasPrefix("--") && Double(tokens[index]) == nil) else {
                throw ExperimentUsageError("\(option) needs a value")
            }
            return tokens[index]
        }
        func positiveInteger(_ option: String, minimum: Int = 1) throws(ExperimentUsageError) -> Int {
            let text = try value(option)
            guard let number = Int(text), number >= minimum else {
                throw ExperimentUsageError("\(option) needs an integer of at least \(minimum), got '\(text)'")
            }
            return number
        }
        func number(_ option: String, _ valid: (Double) -> Bool, _ requirement: String) throws(ExperimentUsageError) -> Double {
            let text = try value(option)
            guard let number = Double(text), number.isFinite, valid(number) else {
                throw ExperimentUsageError("\(option) needs \(requirement), got '\(text)'")
            }
            return number
        }
        func numbers(_ option: String, _ valid: (Double) -> Bool, _ requirement: String) throws(ExperimentUsageError) -> [Double] {
            let text = try value(option)
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            var result: [Double] = []
            for part in parts {
                guard let number = Double(part), number.isFinite, valid(number) else {
                    throw ExperimentUsageError("\(option) needs a comma-separated list of \(requirement), got '\(text)'")
                }
                result.append(number)
            }
            return result
        }

        while index < tokens.count {
            let option = tokens[index]
            switch option {
            case "--data": settings.dataFolder = try value(option)
            case "--size":
                settings.longestSide = try positiveInteger(option, minimum: 4)
                explicitSize = true
            case "--images":
                settings.imageCount = try positiveInteger(option)
                explicitImages = true
            case "--epochs": settings.epochs = try positiveInteger(option)
            case "--optimizer":
                let text = try value(option)
                guard let kind = ExperimentSettings.OptimizerKind(rawValue: text.lowercased()) else {
                    throw ExperimentUsageError("--optimizer needs sgd or adam, got '\(text)'")
                }
                settings.optimizer = kind
            case "--lr":
                settings.learningRate = try number(option, { $0 > 0 }, "a positive number")
                explicitLearningRate = true
            case "--momentum":
                settings.momentum = try number(option, { $0 >= 0 && $0 < 1 }, "a number in [0, 1)")
                explicitMomentum = true
            case "--sigmas": settings.sigmas = try numbers(option, { $0 > 0 && $0 <= 16 }, "scales in (0, 16]")
            case "--subband-weights": settings.subbandWeights = try numbers(option, { $0 >= 0 }, "non-negative weights")
            case "--loss":
                let text = try value(option)
                guard let runs = ExperimentSettings.RunSelection(rawValue: text.lowercased()) else {
                    throw ExperimentUsageError("--loss needs pl, sfl or both, got '\(text)'")
                }
                settings.runs = runs
            case "--threads": settings.threads = try positiveInteger(option)
            case "--seed":
                let text = try value(option)
                guard let seed = UInt64(text) else { throw ExperimentUsageError("--seed needs a non-negative integer, got '\(text)'") }
                settings.seed = seed
            case "--out": settings.outputFolder = try value(option)
            case "--snapshot-epochs":
                let text = try value(option)
                let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
                    throw ExperimentUsageError("--snapshot-epochs needs a comma-separated list of epochs ≥ 1, got '\(text)'")
                }
                settings.snapshotEpochs = parts.map { $0! }
            case "--pixel-space":
                let text = try value(option)
                guard let space = ColourSpace(rawValue: text.lowercased()) else {
                    throw ExperimentUsageError("--pixel-space needs rgb, ycbcr or opponent, got '\(text)'")
                }
                settings.pixelColourSpace = space
            case "--pixel-weights": settings.pixelChannelWeights = try numbers(option, { $0 >= 0 && $0 <= 1e6 }, "non-negative weights")
            case "--low-pass-weight": settings.lowPassWeight = try number(option, { $0 >= 0 && $0 <= 1e6 }, "a weight in [0, 1e6]")
            case "--low-pass-sigma": settings.lowPassSigma = try number(option, { $0 > 0 && $0 <= 64 }, "a σ in (0, 64]")
            case "--mean-colour-bias": settings.meanColourBias = true
            case "--resume": settings.resume = true
            case "--paper": break
            default:
                throw ExperimentUsageError(option.hasPrefix("-") ? "unknown option '\(option)'" : "unexpected argument '\(option)' (options start with --)")
            }
            index += 1
        }

        // Defaults that depend on other options.
        if settings.dataFolder != nil && !settings.paper {
            if !explicitSize { settings.longestSide = ExperimentSettings.defaultPhotographLongestSide }
            if !explicitImages { settings.imageCount = nil }
        }
        if !explicitLearningRate { settings.learningRate = settings.optimizer == .sgd ? 0.02 : 1e-3 }
        if explicitMomentum && settings.optimizer != .sgd {
            throw ExperimentUsageError("--momentum applies to --optimizer sgd only (the optimizer is \(settings.optimizer.rawValue))")
        }
        guard settings.sigmas.count == settings.subbandWeights.count else {
            throw ExperimentUsageError("--subband-weights gives \(settings.subbandWeights.count) weights for \(settings.sigmas.count) sigmas (\(list(settings.sigmas))); give one per σ")
        }
        if let beyond = settings.snapshotEpochs?.first(where: { $0 > settings.epochs }) {
            throw ExperimentUsageError("--snapshot-epochs: epoch \(beyond) is beyond --epochs \(settings.epochs)")
        }
        return .run(settings)
    }
}
