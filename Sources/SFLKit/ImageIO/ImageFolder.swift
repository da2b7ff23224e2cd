import Foundation

/// A dataset of the PNG, PGM and PPM images in one folder.
///
/// Files are taken in a fixed order (sorted by file name, by Unicode scalar
/// values), so the same folder always gives the same dataset. Files that
/// cannot be read are reported in ``failures`` and the others still load.
/// Subfolders and hidden files are ignored.
public struct ImageFolder: Sendable {
    /// How to load the images.
    public struct Options: Sendable, Equatable {
        /// Load at most this many images (the first ones in order that read
        /// successfully; files after the last of them are not opened); nil for all.
        public var maxCount: Int?
        /// Resize each image so that its longer side has this many pixels; nil to keep sizes.
        public var longestSide: Int?
        /// The resampling filter used when resizing.
        public var filter: ResizeFilter
        /// What to do with alpha channels.
        public var alpha: AlphaHandling
        /// Replicate grey images to RGB, so every image has the same channel count.
        public var convertGreyToRGB: Bool
        /// Bounds on each image's size.
        public var limits: ImageDecodingLimits

        /// Creates options; by default every image loads at its own size, alpha
        /// is composited over white and grey becomes RGB (3 channels throughout).
        public init(maxCount: Int? = nil, longestSide: Int? = nil, filter: ResizeFilter = .cubic,
                    alpha: AlphaHandling = .compositeOverWhite, convertGreyToRGB: Bool = true,
                    limits: ImageDecodingLimits = .default) {
            self.maxCount = maxCount
            self.longestSide = longestSide
            self.filter = filter
            self.alpha = alpha
            self.convertGreyToRGB = convertGreyToRGB
            self.limits = limits
        }
    }

    /// One loaded image and the file it came from.
    public struct Entry: Sendable, Equatable {
        /// The file name (without the folder).
        public let name: String
        /// The decoded, converted and resized image.
        public let image: Image
    }

    /// The folder.
    public let url: URL
    /// The images loaded, in order.
    public let entries: [Entry]
    /// The files that could not be read, in order, each naming the file and the problem.
    public let failures: [ImageIOError]

    /// The file extensions loaded, lower case.
    public static let extensions: Set<String> = ["png", "ppm", "pgm"]

    /// Loads the images of `url` as `options` say.
    ///
    /// Throws only when the folder itself cannot be listed.
    public init(url: URL, options: Options = Options()) throws(ImageIOError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path)
        } catch {
            throw ImageIOError(source: url.path, kind: .fileSystem, problem: "cannot list folder (\(error.localizedDescription))")
        }
        let candidates = names
            .filter { !$0.hasPrefix(".") && Self.extensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        var entries: [Entry] = []
        var failures: [ImageIOError] = []
        for name in candidates {
            if let maxCount = options.maxCount, entries.count >= maxCount { break }
            let file = url.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), isDirectory.boolValue { continue }
            do {
                var image = try Image(contentsOf: file, limits: options.limits).applying(options.alpha)
                if options.convertGreyToRGB { image = image.convertingGreyToRGB() }
                if let side = options.longestSide { image = image.resized(longestSide: side, filter: options.filter) }
                entries.append(Entry(name: name, image: image))
            } catch {
                failures.append(error)
            }
        }
        self.url = url
        self.entries = entries
        self.failures = failures
    }

    /// The images, in order.
    public var images: [Image] { entries.map(\.image) }

    /// A short report: how many images loaded and, one per line, each file
    /// that could not be read and why.
    public var report: String {
        var lines = ["\(url.path): loaded \(entries.count) image\(entries.count == 1 ? "" : "s"), \(failures.count) could not be read"]
        lines += failures.map { "  \($0.description)" }
        return lines.joined(separator: "\n")
    }
}
