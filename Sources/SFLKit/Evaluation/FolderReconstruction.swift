import Foundation

/// A trained model run over a folder of images: each reconstruction and its
/// ``ReconstructionMetrics``.
///
/// ```swift
/// let model = try ConvolutionalAutoencoder<Float>(contentsOf: checkpointURL)
/// let result = try FolderReconstruction(model: model, folder: photos, options: .init(longestSide: 300))
/// try result.write(to: outputFolder)     // reconstructions/<name>.png and metrics.csv
/// print(result.mean!.csvRow)
/// ```
public struct FolderReconstruction: Sendable {
    /// One image's result.
    public struct Entry: Sendable {
        /// The image's figures (its name is the file name).
        public var metrics: ReconstructionMetrics
        /// The reconstruction as an 8-bit image.
        public var reconstruction: Image
    }

    /// The results, in the folder's order.
    public var entries: [Entry]
    /// The files that could not be read, each naming the file and the problem.
    public var failures: [ImageIOError]
    /// The LoG scales of the subband figures.
    public var sigmas: [Double]

    /// Loads the images of `folder` (see ``ImageFolder``), reconstructs each
    /// with `model` and measures it.
    ///
    /// - Parameters:
    ///   - model: the trained model, applied to each image `[1, C, H, W]` in [−1, 1].
    ///   - folder: the folder of images.
    ///   - options: how the images are loaded (size, channels, limits).
    ///   - bank: the subbands measured (the paper's by default).
    /// - Throws: ``ImageIOError`` when the folder itself cannot be listed;
    ///   files that cannot be read are listed in ``failures``.
    public init(model: some Layer<Float>, folder: URL, options: ImageFolder.Options = ImageFolder.Options(),
                bank: LoGFilterBank<Float> = LoGFilterBank()) throws(ImageIOError) {
        let loaded = try ImageFolder(url: folder, options: options)
        entries = loaded.entries.map { entry in
            let original = Tensor<Float>(image: entry.image)
            let reconstruction = withoutGradients { model(original) }
            return Entry(metrics: ReconstructionMetrics(name: entry.name, reconstruction: reconstruction, original: original, bank: bank),
                         reconstruction: Image(tensor: reconstruction))
        }
        failures = loaded.failures
        sigmas = bank.sigmas
    }

    /// The mean of every figure over the images; nil when none loaded.
    public var mean: ReconstructionMetrics? { ReconstructionMetrics.mean(of: entries.map(\.metrics)) }

    /// `metrics.csv`: the header and one row per image.
    public var csv: String {
        ([ReconstructionMetrics.csvHeader(sigmas: sigmas, channelCount: entries.first?.metrics.channelMeanErrors.count ?? 3)] + entries.map(\.metrics.csvRow)).joined(separator: "\n") + "\n"
    }

    /// The file each reconstruction is written to, relative to the output
    /// folder: `reconstructions/<name without extension>.png`; where that
    /// would clash with an earlier image's file (compared without regard to
    /// case, as on case-insensitive disks), `-2`, `-3`, … is added to the stem.
    public var reconstructionFiles: [String] { Self.reconstructionFiles(for: entries.map(\.metrics.name)) }

    /// The reconstruction files of images named `names`, in order.
    static func reconstructionFiles(for names: [String]) -> [String] {
        var used = Set<String>()
        return names.map { name in
            let stem = (name as NSString).deletingPathExtension
            var candidate = stem, suffix = 1
            while used.contains(candidate.lowercased()) {
                suffix += 1
                candidate = "\(stem)-\(suffix)"
            }
            used.insert(candidate.lowercased())
            return "reconstructions/\(candidate).png"
        }
    }

    /// Writes every reconstruction and `metrics.csv` into `folder` (created
    /// if needed), each file atomically.
    ///
    /// - Throws: ``ImageIOError`` naming the file that could not be written.
    public func write(to folder: URL) throws(ImageIOError) {
        let images = folder.appendingPathComponent("reconstructions")
        do {
            try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        } catch {
            throw ImageIOError(source: images.path, kind: .fileSystem, problem: "cannot create the folder (\(error.localizedDescription))")
        }
        for (entry, file) in zip(entries, reconstructionFiles) {
            try entry.reconstruction.write(to: folder.appendingPathComponent(file))
        }
        let table = folder.appendingPathComponent("metrics.csv")
        do {
            try writeAtomically(Array(csv.utf8), to: table)
        } catch {
            throw ImageIOError(source: table.path, kind: .fileSystem, problem: error.reason)
        }
    }
}
