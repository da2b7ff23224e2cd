import Foundation

/// A dataset of the PNG, PGM, PPM and JPEG images in one folder.
///
/// Files are taken in a fixed order (sorted by file name, by Unicode scalar
/// values), so the same folder always gives the same dataset. Files that
/// cannot be read are reported in ``failures`` and the others still load;
/// a FIFO, a device, a file larger than ``ImageDecodingLimits/maxFileBytes``
/// or one with an unknown signature is reported without being read (see
/// ``Image/init(contentsOf:limits:)``).
/// Subfolders and hidden files are ignored. Images are decoded on up to
/// ``Options/threads`` threads at once, one image per thread; the result does
/// not depend on the number of threads.
///
/// A JPEG's EXIF orientation is applied by default, so photographs taken
/// with the camera held upright load upright (``Options/applyOrientation``).
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
        /// Turn each JPEG as its EXIF orientation says (see ``ImageOrientation``);
        /// false keeps the pixels in stored order, as ``Image/init(contentsOf:limits:)`` returns them.
        public var applyOrientation: Bool = true
        /// How many images are decoded at once (each on its own thread).
        public var threads: Int = 2

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

    /// The file extensions loaded, lower case (any case matches).
    public static let extensions: Set<String> = ["png", "ppm", "pgm", "jpg", "jpeg"]

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
        let files = candidates.filter { name in
            var isDirectory: ObjCBool = false
            let path = url.appendingPathComponent(name).path
            return !(FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue)
        }
        var entries: [Entry] = []
        var failures: [ImageIOError] = []
        // Decode in batches of at most the images still wanted, so that no file
        // after the last image needed is opened; each batch in parallel.
        var next = 0
        while next < files.count {
            let wanted = options.maxCount.map { $0 - entries.count } ?? files.count
            if wanted <= 0 { break }
            let batch = Array(files[next..<min(files.count, next + wanted)])
            next += batch.count
            for (name, result) in zip(batch, Self.load(batch, in: url, options: options)) {
                switch result {
                case .success(let image): entries.append(Entry(name: name, image: image))
                case .failure(let error): failures.append(error)
                }
            }
        }
        self.url = url
        self.entries = entries
        self.failures = failures
    }

    /// Loads `names` in `folder`, `options.threads` at a time; results in the order of `names`.
    static func load(_ names: [String], in folder: URL, options: Options) -> [Result<Image, ImageIOError>] {
        let results = UnsafeMutablePointer<Result<Image, ImageIOError>?>.allocate(capacity: names.count)
        results.initialize(repeating: nil, count: names.count)
        defer {
            results.deinitialize(count: names.count)
            results.deallocate()
        }
        let slots = SendablePointer(results)
        Parallel.forEachBlock(names.count, threads: max(1, options.threads)) { index in
            slots.base[index] = Result { () throws(ImageIOError) -> Image in
                try loadImage(folder.appendingPathComponent(names[index]), options: options)
            }
        }
        return (0..<names.count).map { results[$0]! }
    }

    /// Decodes one file and converts it as `options` say.
    static func loadImage(_ file: URL, options: Options) throws(ImageIOError) -> Image {
        let data = try readImageFile(file, format: nil, limits: options.limits)
        var image: Image
        if ImageFileFormat(sniffing: data) == .jpeg {
            let decoded = try JPEGDecoder.decodeWithOrientation(data, name: file.path, limits: options.limits)
            image = options.applyOrientation ? decoded.image.applyingOrientation(decoded.orientation) : decoded.image
        } else {
            image = try Image(decoding: data, name: file.path, limits: options.limits)
        }
        image = image.applying(options.alpha)
        if options.convertGreyToRGB { image = image.convertingGreyToRGB() }
        if let side = options.longestSide { image = image.resized(longestSide: side, filter: options.filter) }
        return image
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
