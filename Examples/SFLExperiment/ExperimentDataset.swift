import Foundation
import SFLKit

/// Why an experiment could not start, continue or save: a sentence naming the
/// file or setting concerned.
public struct ExperimentError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The problem in words.
    public let message: String
    /// The structured error behind ``message``, when there is one.
    public let cause: Cause?

    /// A failure that callers may want to tell apart from the others.
    public enum Cause: Equatable, Sendable {
        /// `--resume` found the output folder inconsistent; nothing was changed.
        case resume(ResumeError)
        /// A run's loss or gradient became non-finite.
        case divergence(DivergenceError)
    }

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
        cause = nil
    }

    /// Creates an error from its cause (a resume problem's message starts with `--resume: `).
    public init(_ cause: Cause) {
        switch cause {
        case let .resume(error): message = "--resume: \(error)"
        case let .divergence(error): message = error.description
        }
        self.cause = cause
    }

    /// The message.
    public var description: String { message }
}

/// The images of an experiment, as tensors `[1, 3, H, W]` in [−1, 1], with
/// their names and a description of where they came from.
public struct ExperimentDataset: Sendable {
    /// The images, in order; sizes may differ.
    public var images: [Tensor<Float>]
    /// One name per image (a file name, or `synthetic-01` …).
    public var names: [String]
    /// Where the images came from, in words (for the summary).
    public var origin: String
    /// Files of the folder that could not be read, each `"<file>: <reason>"`.
    public var failures: [String] = []

    /// Creates a dataset.
    ///
    /// - Precondition: one name per image.
    public init(images: [Tensor<Float>], names: [String], origin: String, failures: [String] = []) {
        precondition(images.count == names.count, "ExperimentDataset: \(names.count) names for \(images.count) images")
        self.images = images
        self.names = names
        self.origin = origin
        self.failures = failures
    }

    /// `count` deterministic synthetic images (``SyntheticImages``) whose longest
    /// side is `longestSide`, in four shapes like photographs: 3:4 landscape,
    /// 4:3 portrait, square and 2:3 landscape, in turn — so the full batch mixes sizes.
    public static func builtIn(count: Int, longestSide: Int, seed: UInt64) -> ExperimentDataset {
        var images: [Tensor<Float>] = [], names: [String] = []
        for index in 0..<count {
            let (height, width): (Int, Int)
            switch index % 4 {
            case 0: (height, width) = (max(1, longestSide * 3 / 4), longestSide)
            case 1: (height, width) = (longestSide, max(1, longestSide * 3 / 4))
            case 2: (height, width) = (longestSide, longestSide)
            default: (height, width) = (max(1, longestSide * 2 / 3), longestSide)
            }
            images += SyntheticImages.make(count: 1, height: height, width: width, seed: seed &+ UInt64(index) &* 7919)
            names.append(String(format: "synthetic-%02d", index + 1))
        }
        return ExperimentDataset(images: images, names: names,
                                 origin: "\(count) built-in synthetic images (SyntheticImages, seed \(seed)), longest side \(longestSide) px")
    }

    /// The images of a folder (PNG, PPM, PGM, JPEG, in file-name order), the first
    /// `maxCount` that read, each resized to `longestSide`. Files that cannot
    /// be read are listed in ``failures``; the others still load.
    ///
    /// - Throws: ``ExperimentError`` when the folder cannot be listed or no image in it can be read.
    public static func load(folder: String, maxCount: Int?, longestSide: Int) throws(ExperimentError) -> ExperimentDataset {
        let url = URL(fileURLWithPath: folder)
        let loaded: ImageFolder
        do {
            loaded = try ImageFolder(url: url, options: .init(maxCount: maxCount, longestSide: longestSide))
        } catch {
            throw ExperimentError("cannot read the data folder: \(error.description)")
        }
        let failures = loaded.failures.map(\.description)
        guard !loaded.entries.isEmpty else {
            if failures.isEmpty { throw ExperimentError("\(url.path): holds no PNG, PPM, PGM or JPEG image") }
            throw ExperimentError("\(url.path): no image could be read:\n" + failures.map { "  \($0)" }.joined(separator: "\n"))
        }
        let sizes = Set(loaded.images.map { "\($0.width)×\($0.height)" }).sorted()
        return ExperimentDataset(
            images: loaded.images.map { Tensor<Float>(image: $0) },   // grey → RGB, alpha composited: 3 channels
            names: loaded.entries.map(\.name),
            origin: "\(loaded.entries.count) images from \(url.path), longest side \(longestSide) px (\(sizes.count) distinct sizes)",
            failures: failures)
    }

    /// The dataset `settings` describe: its data folder, or the built-in images.
    public static func load(for settings: ExperimentSettings) throws(ExperimentError) -> ExperimentDataset {
        if let folder = settings.dataFolder {
            return try load(folder: folder, maxCount: settings.imageCount, longestSide: settings.longestSide)
        }
        return builtIn(count: settings.imageCount ?? ExperimentSettings.defaultBuiltInImageCount,
                       longestSide: settings.longestSide, seed: settings.builtInDataSeed)
    }

    /// The 64-bit FNV-1a hash of every image's shape and scalars: a
    /// fingerprint that tells whether a resumed run sees the same data.
    var checksum: UInt64 {
        var hash = FNV1aHash()
        for image in images {
            for dimension in image.shape { withUnsafeBytes(of: UInt32(dimension).littleEndian) { hash.add($0) } }
            image.scalars.withUnsafeBytes { hash.add($0) }
        }
        return hash.value
    }
}
