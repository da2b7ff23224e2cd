import Foundation

/// The file formats SFLKit reads and writes.
public enum ImageFileFormat: String, Sendable, CaseIterable {
    /// PNG.
    case png
    /// Binary PGM (`P5`) or PPM (`P6`).
    case ppm
    /// JPEG (read only; see ``JPEGDecoder``).
    case jpeg

    /// The format for a file name extension (`png`; `ppm` or `pgm`; `jpg` or `jpeg`), case-insensitive.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "png": self = .png
        case "ppm", "pgm": self = .ppm
        case "jpg", "jpeg": self = .jpeg
        default: return nil
        }
    }

    /// The format whose signature starts `bytes`, if any.
    public init?(sniffing bytes: [UInt8]) {
        if bytes.starts(with: PNGDecoder.signature) {
            self = .png
        } else if bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "5") || bytes[1] == UInt8(ascii: "6") {
            self = .ppm
        } else if bytes.starts(with: JPEGDecoder.signature) {
            self = .jpeg
        } else {
            return nil
        }
    }
}

extension Image {
    /// Decodes a PNG, PGM, PPM or JPEG file held in memory, recognised by its signature.
    ///
    /// JPEG pixels are returned as stored: an EXIF orientation is not applied
    /// (see ``JPEGDecoder/decodeWithOrientation(_:name:limits:)`` and
    /// ``Image/applyingOrientation(_:)``).
    ///
    /// - Parameters:
    ///   - data: the whole file.
    ///   - name: names the data in errors.
    ///   - limits: bounds on the image size and decompressed data.
    public init(decoding data: [UInt8], name: String, limits: ImageDecodingLimits = .default) throws(ImageIOError) {
        switch ImageFileFormat(sniffing: data) {
        case .png: self = try PNGDecoder.decode(data, name: name, limits: limits)
        case .ppm: self = try PPM.decode(data, name: name, limits: limits)
        case .jpeg: self = try JPEGDecoder.decode(data, name: name, limits: limits)
        case nil:
            throw ImageIOError(source: name, kind: .badSignature, problem: signatureMismatch(expecting: nil))
        }
    }

    /// Reads a PNG, PGM, PPM or JPEG file, recognised by its signature; errors name its path.
    ///
    /// JPEG pixels are returned as stored (no EXIF orientation applied).
    ///
    /// Only a regular file (after following links) is read: a FIFO, a device
    /// or a directory throws ``ImageIOError/Kind/fileSystem`` at once, without
    /// being read. A file larger than ``ImageDecodingLimits/maxFileBytes``
    /// throws ``ImageIOError/Kind/limitExceeded`` before it is read, and one
    /// whose first 8 bytes are no known signature throws
    /// ``ImageIOError/Kind/badSignature`` before the rest is read.
    public init(contentsOf url: URL, limits: ImageDecodingLimits = .default) throws(ImageIOError) {
        try self.init(decoding: try readImageFile(url, format: nil, limits: limits), name: url.path, limits: limits)
    }

    /// Writes the image atomically in the format named by the extension of
    /// `url` (`.png`, `.ppm`, `.pgm`).
    ///
    /// PGM/PPM cannot hold alpha; drop or composite it first.
    public func write(to url: URL) throws(ImageIOError) {
        switch ImageFileFormat(pathExtension: url.pathExtension) {
        case .png: try PNGEncoder.write(self, to: url)
        case .ppm: try PPM.write(self, to: url)
        case .jpeg:
            throw ImageIOError(source: url.path, kind: .unrepresentable,
                               problem: "writing JPEG is not supported (use .png, .ppm or .pgm)")
        case nil:
            throw ImageIOError(source: url.path, kind: .unrepresentable,
                               problem: "unknown image file extension \"\(url.pathExtension)\" (use .png, .ppm or .pgm)")
        }
    }
}
