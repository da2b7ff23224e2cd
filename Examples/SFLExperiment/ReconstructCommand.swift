import Foundation
import SFLKit

/// The settings of `sfl-example reconstruct`.
public struct ReconstructSettings: Equatable, Sendable {
    /// The checkpoint of a trained autoencoder (any `sfl-example` checkpoint).
    public var checkpoint: String
    /// The folder of images to reconstruct.
    public var dataFolder: String
    /// The longest side images are resized to; nil for the checkpoint's training size.
    public var longestSide: Int?
    /// The output folder.
    public var outputFolder = "out/reconstruct"
    /// The number of compute threads.
    public var threads = ComputeThreads.available

    /// Creates settings.
    public init(checkpoint: String, dataFolder: String) {
        self.checkpoint = checkpoint
        self.dataFolder = dataFolder
    }
}

/// The command line of `sfl-example reconstruct`.
public enum ReconstructCommandLine {
    /// The help text.
    public static var usage: String {
        """
        usage: sfl-example reconstruct --checkpoint FILE --data DIR [--size N] [--out DIR] [--threads N]
        Runs a trained autoencoder over a folder of images and writes reconstructions/<name>.png and
        metrics.csv (one row per image: name, width, height, E_PL, the SFL of each subband with w = 1,
        PSNR in dB on the [0, 1] scale, SSIM, the gradient-energy ratio (sharpness, 1 = the original's),
        the colour PSNR of 8×8 area averages, each channel's mean error) to the output folder, prints
        the mean row, and names every file it could not read.

          --checkpoint FILE       a checkpoint written by sfl-example (it records the model's architecture)
          --data DIR              folder of PNG/JPEG/PPM/PGM images
          --size N                longest side in pixels (default: the size the checkpoint was trained at)
          --out DIR               output folder (default out/reconstruct)
          --threads N             compute threads (default: all \(ComputeThreads.available) processors)
          --help                  this text
        """
    }

    /// Parses the arguments after `reconstruct`; nil when help was asked for.
    ///
    /// - Throws: ``ExperimentUsageError`` naming the option and what is wrong with it.
    public static func parse(_ arguments: [String]) throws(ExperimentUsageError) -> ReconstructSettings? {
        let tokens = ExperimentCommandLine.splitOptions(arguments)
        if tokens.contains("--help") || tokens.contains("-h") { return nil }
        var checkpoint: String?, data: String?, size: Int?, output: String?, threads: Int?
        var index = 0
        func value(_ option: String) throws(ExperimentUsageError) -> String {
            index += 1
            guard index < tokens.count, !tokens[index].hasPrefix("--") else { throw ExperimentUsageError("reconstruct: \(option) needs a value") }
            return tokens[index]
        }
        func integer(_ option: String, minimum: Int) throws(ExperimentUsageError) -> Int {
            let text = try value(option)
            guard let number = Int(text), number >= minimum else {
                throw ExperimentUsageError("reconstruct: \(option) needs an integer of at least \(minimum), got '\(text)'")
            }
            return number
        }
        while index < tokens.count {
            let option = tokens[index]
            switch option {
            case "--checkpoint": checkpoint = try value(option)
            case "--data": data = try value(option)
            case "--size": size = try integer(option, minimum: 4)
            case "--out": output = try value(option)
            case "--threads": threads = try integer(option, minimum: 1)
            default:
                throw ExperimentUsageError(option.hasPrefix("-") ? "reconstruct: unknown option '\(option)'" : "reconstruct: unexpected argument '\(option)'")
            }
            index += 1
        }
        guard let checkpoint else { throw ExperimentUsageError("reconstruct: --checkpoint FILE is required") }
        guard let data else { throw ExperimentUsageError("reconstruct: --data DIR is required") }
        var settings = ReconstructSettings(checkpoint: checkpoint, dataFolder: data)
        settings.longestSide = size
        if let output { settings.outputFolder = output }
        if let threads { settings.threads = threads }
        return settings
    }
}

/// What `sfl-example reconstruct` did.
public struct ReconstructOutcome: Sendable {
    /// The reconstructions and their figures.
    public var result: FolderReconstruction
    /// The longest side the images were resized to, if any.
    public var longestSide: Int?
    /// The table printed: the header, then the mean row.
    public var summary: String
}

/// Rebuilds the autoencoder of `settings.checkpoint`, runs it over the data
/// folder at the size it was trained at (or `--size`), measures it with the
/// subbands it was trained with, and writes the reconstructions and
/// `metrics.csv`.
///
/// - Throws: ``ExperimentError`` naming the file and the problem.
public func reconstruct(_ settings: ReconstructSettings) throws(ExperimentError) -> ReconstructOutcome {
    let checkpointURL = URL(fileURLWithPath: settings.checkpoint)
    let checkpoint: Checkpoint<Float>
    let model: ConvolutionalAutoencoder<Float>
    do {
        checkpoint = try Checkpoint<Float>(contentsOf: checkpointURL)
        model = try ConvolutionalAutoencoder<Float>(checkpoint: checkpoint, source: checkpointURL.path)
    } catch {
        throw ExperimentError("\(error)")
    }
    let longestSide = settings.longestSide ?? checkpoint.metadata["longestSide"].flatMap(Int.init)
    let sigmas = checkpoint.metadata["sigmas"].map { $0.split(separator: ",").compactMap { Double($0) } } ?? LoGFilterBank<Float>().sigmas
    guard !sigmas.isEmpty, sigmas.allSatisfy({ $0 > 0 && $0 <= 16 }) else {
        throw ExperimentError("\(checkpointURL.path): records invalid LoG scales '\(checkpoint.metadata["sigmas"] ?? "")'")
    }
    let loaded = withComputeThreads(settings.threads) {
        Result { () throws(ImageIOError) -> FolderReconstruction in
            try FolderReconstruction(model: model, folder: URL(fileURLWithPath: settings.dataFolder),
                                     options: ImageFolder.Options(longestSide: longestSide), bank: LoGFilterBank(sigmas: sigmas))
        }
    }
    let result: FolderReconstruction
    do { result = try loaded.get() } catch {
        throw ExperimentError("cannot read the data folder: \(error)")
    }
    guard let mean = result.mean else {
        let reasons = result.failures.map { "\n  \($0)" }.joined()
        throw ExperimentError("\(settings.dataFolder): holds no image that could be read\(reasons)")
    }
    do {
        try result.write(to: URL(fileURLWithPath: settings.outputFolder))
    } catch {
        throw ExperimentError("cannot write the output: \(error)")
    }
    return ReconstructOutcome(result: result, longestSide: longestSide,
                              summary: ReconstructionMetrics.csvHeader(sigmas: sigmas, channelCount: mean.channelMeanErrors.count) + "\n" + mean.csvRow)
}
