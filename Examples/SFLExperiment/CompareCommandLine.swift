import Foundation
import SFLKit

/// The settings of `sfl-example compare`.
public struct ComparisonSettings: Equatable, Sendable {
    /// The losses compared, one run each, in order.
    public var losses = ComparedLoss.allCases
    /// The weight `w` of each loss's added term, where it differs from ``ComparedLoss/defaultWeight``.
    public var weights: [ComparedLoss: Double] = [:]
    /// The training folder; nil for the built-in synthetic images.
    public var dataFolder: String?
    /// The evaluation folder; nil to hold out every ``heldOutEvery``-th image of the training data.
    public var evaluationFolder: String?
    /// With no evaluation folder, images `k, 2k, …` (counted from 1) are held out for evaluation.
    public var heldOutEvery = 5
    /// The longest side of every image in pixels.
    public var longestSide = ExperimentSettings.defaultBuiltInLongestSide
    /// How many images to load from the training data (before the split); nil for all.
    public var imageCount: Int? = 10
    /// Full-batch epochs of each run.
    public var epochs = 100
    /// The optimizer of every run.
    public var optimizer = ExperimentSettings.OptimizerKind.adam
    /// The learning rate.
    public var learningRate = 1e-3
    /// The momentum (SGD only).
    public var momentum = 0.5
    /// The seed of the initial weights, shared by every run.
    public var seed: UInt64 = 1
    /// The number of compute threads.
    public var threads = ComputeThreads.available
    /// The output folder.
    public var outputFolder = "out/compare"

    /// The quick demonstration's settings: every loss, 10 built-in images of 96 px, Adam, 100 epochs.
    public init() {}

    /// The weight `w` of `loss`'s added term.
    public func weight(of loss: ComparedLoss) -> Double { weights[loss] ?? loss.defaultWeight }
}

/// The command line of `sfl-example compare`.
public enum CompareCommandLine {
    /// The help text.
    public static var usage: String {
        let defaults = ComparisonSettings()
        return """
        usage: sfl-example compare [--losses pl,sfl,l1,ssim,msssim,ffl,gdl,lap1] [--data DIR] [--eval-data DIR]
                                   [--epochs N] [--optimizer sgd|adam] [--out DIR] …
        Trains the paper's autoencoder once per loss, every run from the same initial weights, with
        E = E_PL + w·E_X (PL only for pl), evaluates every run on held-out images and writes
        comparison.md (PSNR, SSIM, per-subband SFL, sharpness, colour error, time per epoch),
        comparison.csv, fig-crops.png (the same magnified crops from every run), learning curves
        and each run's per-image metrics.

        Losses
          --losses A,B,…          losses to compare (default all: \(ComparedLoss.allCases.map(\.rawValue).joined(separator: ",")))
          --weights X=w,…         weight of an added term, e.g. ssim=0.84,ffl=10 (default 1 each)
        Data
          --data DIR              training folder of PNG/PPM/PGM/JPEG images (default: built-in synthetic images)
          --eval-data DIR         evaluation folder (default: every \(defaults.heldOutEvery)th image of the training data, held out)
          --held-out-every K      with no --eval-data, hold out images K, 2K, … (default \(defaults.heldOutEvery))
          --size N                longest side in pixels (default \(ExperimentSettings.defaultBuiltInLongestSide) built-in, \(ExperimentSettings.defaultPhotographLongestSide) with --data)
          --images N              images loaded before the split (default \(defaults.imageCount!) built-in, all with --data)
        Training
          --epochs N              full-batch epochs of each run (default \(defaults.epochs))
          --optimizer sgd|adam    optimizer (default \(defaults.optimizer.rawValue))
          --lr X                  learning rate (default 0.001 for adam, 0.02 for sgd)
          --momentum X            SGD momentum (default \(defaults.momentum))
          --seed N                seed of the shared initial weights (default \(defaults.seed))
          --threads N             compute threads (default: all \(ComputeThreads.available) processors)
        Output
          --out DIR               output folder (default \(defaults.outputFolder))
          --help                  this text
        """
    }

    /// Parses the arguments after `compare`; nil when help was asked for.
    ///
    /// - Throws: ``ExperimentUsageError`` naming the option and what is wrong with it.
    public static func parse(_ arguments: [String]) throws(ExperimentUsageError) -> ComparisonSettings? {
        var tokens = OptionTokens(arguments, command: "compare")
        if tokens.asksForHelp { return nil }
        var settings = ComparisonSettings()
        var explicitSize = false, explicitImages = false, explicitLearningRate = false, explicitMomentum = false
        var weightTexts: [(loss: ComparedLoss, weight: Double)] = []
        while let option = tokens.nextOption() {
            switch option {
            case "--losses": settings.losses = try ComparedLoss.list(try tokens.value(option), option: "compare: --losses")
            case "--weights":
                let text = try tokens.value(option)
                for entry in text.split(separator: ",") {
                    let parts = entry.split(separator: "=", omittingEmptySubsequences: false)
                    guard parts.count == 2, let weight = Double(parts[1].trimmingCharacters(in: .whitespaces)), weight.isFinite, weight >= 0 else {
                        throw tokens.error("--weights needs loss=weight pairs with non-negative weights, e.g. ssim=0.84,ffl=10; got '\(entry)'")
                    }
                    let loss = try ComparedLoss.list(String(parts[0]), option: "compare: --weights")[0]
                    guard loss != .pl else { throw tokens.error("--weights: pl has no added term to weigh") }
                    weightTexts.append((loss, weight))
                }
            case "--data": settings.dataFolder = try tokens.value(option)
            case "--eval-data": settings.evaluationFolder = try tokens.value(option)
            case "--held-out-every": settings.heldOutEvery = try tokens.integer(option, minimum: 2)
            case "--size":
                settings.longestSide = try tokens.integer(option, minimum: 8)
                explicitSize = true
            case "--images":
                settings.imageCount = try tokens.integer(option, minimum: 1)
                explicitImages = true
            case "--epochs": settings.epochs = try tokens.integer(option, minimum: 1)
            case "--optimizer":
                let text = try tokens.value(option)
                guard let kind = ExperimentSettings.OptimizerKind(rawValue: text.lowercased()) else {
                    throw tokens.error("--optimizer needs sgd or adam, got '\(text)'")
                }
                settings.optimizer = kind
            case "--lr":
                settings.learningRate = try tokens.number(option, "a positive number") { $0 > 0 }
                explicitLearningRate = true
            case "--momentum":
                settings.momentum = try tokens.number(option, "a number in [0, 1)") { $0 >= 0 && $0 < 1 }
                explicitMomentum = true
            case "--seed":
                let text = try tokens.value(option)
                guard let seed = UInt64(text) else { throw tokens.error("--seed needs a non-negative integer, got '\(text)'") }
                settings.seed = seed
            case "--threads": settings.threads = try tokens.integer(option, minimum: 1)
            case "--out": settings.outputFolder = try tokens.value(option)
            default: throw tokens.unknown(option)
            }
        }
        for (loss, weight) in weightTexts {
            guard settings.losses.contains(loss) else {
                throw tokens.error("--weights gives a weight for \(loss.rawValue), which is not among --losses \(settings.losses.map(\.rawValue).joined(separator: ","))")
            }
            settings.weights[loss] = weight
        }
        if settings.dataFolder != nil {
            if !explicitSize { settings.longestSide = ExperimentSettings.defaultPhotographLongestSide }
            if !explicitImages { settings.imageCount = nil }
        }
        if !explicitLearningRate { settings.learningRate = settings.optimizer == .sgd ? 0.02 : 1e-3 }
        if explicitMomentum && settings.optimizer != .sgd {
            throw tokens.error("--momentum applies to --optimizer sgd only (the optimizer is \(settings.optimizer.rawValue))")
        }
        return settings
    }
}
