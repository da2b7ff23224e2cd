import SFLKit

/// One of the two trainings the paper compares.
public enum ExperimentRun: String, CaseIterable, Sendable, Codable {
    /// The baseline: the autoencoder trained on `E_PL` alone (its SFL is only monitored).
    case pixelLoss = "pl"
    /// The paper's method: trained on `E = E_PL + E_SFL`.
    case pixelAndSpatialFrequencyLoss = "pl-sfl"

    /// The name used in tables and legends: "PL only" or "PL + SFL".
    public var title: String { self == .pixelLoss ? "PL only" : "PL + SFL" }
    /// Whether the run optimises the SFL.
    public var optimizesSpatialFrequencyLoss: Bool { self == .pixelAndSpatialFrequencyLoss }
}

/// Every setting of a reconstruction experiment (the paper's Sec. 4 and the
/// example's quick demonstration); the defaults are the quick demonstration's.
public struct ExperimentSettings: Equatable, Sendable {
    /// The optimizer of both runs.
    public enum OptimizerKind: String, CaseIterable, Sendable {
        /// Gradient descent with momentum (the paper's).
        case sgd
        /// Adam (faster to show the effect; the quick demonstration's).
        case adam
    }

    /// Which runs to train.
    public enum RunSelection: String, CaseIterable, Sendable {
        /// The PL-only baseline.
        case pl
        /// The PL + SFL run.
        case sfl
        /// Both, for the paper's comparison.
        case both

        /// The runs selected, in order.
        public var runs: [ExperimentRun] {
            switch self {
            case .pl: return [.pixelLoss]
            case .sfl: return [.pixelAndSpatialFrequencyLoss]
            case .both: return ExperimentRun.allCases
            }
        }
    }

    /// The quick demonstration's image count (built-in images).
    public static let defaultBuiltInImageCount = 8
    /// The quick demonstration's longest side (built-in images).
    public static let defaultBuiltInLongestSide = 96
    /// The longest side of photographs (the paper's 300).
    public static let defaultPhotographLongestSide = 300
    /// The data folder `--paper` uses when none is given.
    public static let paperDataFolder = "../shared/data/pf-willow"

    /// A folder of PNG/PPM/PGM/JPEG images; nil for the built-in synthetic images.
    public var dataFolder: String?
    /// The longest side of every image, in pixels (photographs are resized to it).
    public var longestSide = defaultBuiltInLongestSide
    /// How many images; nil for every image of the folder.
    public var imageCount: Int? = defaultBuiltInImageCount
    /// The number of epochs (full-batch updates) of each run.
    public var epochs = 300
    /// The optimizer.
    public var optimizer = OptimizerKind.adam
    /// The learning rate η.
    public var learningRate = 1e-3
    /// The momentum μ (SGD only).
    public var momentum = 0.5
    /// The LoG scales σ of the filter bank.
    public var sigmas = [0.8, 1.6, 3.2]
    /// The SFL weight of each subband, `w_SFL`.
    public var subbandWeights = [100.0, 10, 10]
    /// Which runs to train.
    public var runs = RunSelection.both
    /// The colour space of the pixel loss (both runs; RGB is the paper's).
    public var pixelColourSpace = ColourSpace.rgb
    /// The pixel loss's weight of each channel of ``pixelColourSpace`` (both runs); nil for 1 each (the paper's).
    public var pixelChannelWeights: [Double]?
    /// The weight of the low-pass band added to the PL + SFL run's objective (``LowPassLoss``); 0 for none (the paper's).
    public var lowPassWeight = 0.0
    /// The standard deviation of the low-pass band's Gaussian, in pixels.
    public var lowPassSigma = 4.0
    /// Whether the output layer's bias starts at the data's mean colour (both runs) instead of 0 (the paper's).
    public var meanColourBias = false
    /// The number of compute threads.
    public var threads = ComputeThreads.available
    /// The seed of the initial weights (both runs start from the same weights).
    public var seed: UInt64 = 1
    /// The seed of the built-in images.
    public var builtInDataSeed: UInt64 = 2016
    /// The output folder.
    public var outputFolder = "out/sfl-example"
    /// The epochs after which reconstructions are saved; nil for 1 and 25, 50, 75 and 100 % of ``epochs``.
    public var snapshotEpochs: [Int]?
    /// Whether to continue from the checkpoints in the output folder.
    public var resume = false
    /// Whether `--paper` was given.
    public var paper = false
    /// The command line's arguments, for the record.
    public var arguments: [String] = []

    /// The quick demonstration's settings.
    public init() {}

    /// The paper's settings (Sec. 4): 70 photographs of 300 px, 2000 full-batch
    /// epochs of SGD (η = 0.02, μ = 0.5), `w_SFL = (100, 10, 10)`.
    public static var paper: ExperimentSettings {
        var settings = ExperimentSettings()
        settings.dataFolder = paperDataFolder
        settings.longestSide = defaultPhotographLongestSide
        settings.imageCount = 70
        settings.epochs = 2000
        settings.optimizer = .sgd
        settings.learningRate = 0.02
        settings.momentum = 0.5
        settings.paper = true
        return settings
    }

    /// Whether any of the colour remedies (pixel colour space or weights,
    /// low-pass band, mean-colour bias) departs from the paper.
    public var usesColourRemedies: Bool {
        pixelColourSpace != .rgb || pixelChannelWeights != nil || lowPassWeight > 0 || meanColourBias
    }

    /// The colour remedies in words, e.g. `"pixel loss in ycbcr, weights 1,4,4; low-pass band σ 4, weight 10"`; `"none"` for the paper's.
    public var colourRemedyDescription: String {
        var parts: [String] = []
        if pixelColourSpace != .rgb || pixelChannelWeights != nil {
            parts.append("pixel loss in \(pixelColourSpace.rawValue)" + (pixelChannelWeights.map { ", weights " + $0.map { "\($0)" }.joined(separator: ",") } ?? ""))
        }
        if lowPassWeight > 0 { parts.append("low-pass band σ \(lowPassSigma), weight \(lowPassWeight) (PL + SFL run)") }
        if meanColourBias { parts.append("output bias at the data's mean colour") }
        return parts.isEmpty ? "none" : parts.joined(separator: "; ")
    }

    /// The runs to train, in order.
    public var selectedRuns: [ExperimentRun] { runs.runs }

    /// ``snapshotEpochs``, or 1 and 25, 50, 75 and 100 % of ``epochs``, sorted and distinct.
    public var resolvedSnapshotEpochs: [Int] {
        let epochs = snapshotEpochs ?? [1] + [25, 50, 75, 100].map { max(1, self.epochs * $0 / 100) }
        return Array(Set(epochs)).sorted()
    }

    /// The settings that must not change when a run is resumed, by name.
    /// The learning rate is not among them: a run that diverged may be
    /// resumed from its last good checkpoint with a smaller one.
    var fingerprint: [String: String] {
        [
            "data": dataFolder ?? "built-in (seed \(builtInDataSeed))",
            "longestSide": String(longestSide),
            "imageCount": imageCount.map(String.init) ?? "all",
            "optimizer": optimizer.rawValue,
            "momentum": optimizer == .sgd ? "\(momentum)" : "-",
            "sigmas": sigmas.map { "\($0)" }.joined(separator: ","),
            "subbandWeights": subbandWeights.map { "\($0)" }.joined(separator: ","),
            "seed": String(seed),
        ].merging(colourRemedyFingerprint) { $1 }
    }

    /// The colour remedies that depart from the paper, by name (none for the
    /// paper's settings, so checkpoints written before the remedies existed still resume).
    private var colourRemedyFingerprint: [String: String] {
        var entries: [String: String] = [:]
        if pixelColourSpace != .rgb { entries["pixelColourSpace"] = pixelColourSpace.rawValue }
        if let pixelChannelWeights { entries["pixelChannelWeights"] = pixelChannelWeights.map { "\($0)" }.joined(separator: ",") }
        if lowPassWeight > 0 { entries["lowPass"] = "sigma \(lowPassSigma), weight \(lowPassWeight)" }
        if meanColourBias { entries["meanColourBias"] = "yes" }
        return entries
    }
}
