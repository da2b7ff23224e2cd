import Foundation

/// Binary Netpbm images: PGM (`P5`, grey) and PPM (`P6`, RGB), with a maximum
/// sample value (maxval) from 1 to 65535.
///
/// Maxval below 256 stores one byte per sample, otherwise two, big-endian.
/// Decoded images have bit depth 8 (maxval ≤ 255) or 16; a maxval other than
/// 255 or 65535 is rescaled to the full range, `v · max / maxval` rounded to
/// nearest. Only the first image of a multi-image file is read.
public enum PPM {
    /// Decodes a P5 or P6 file held in memory.
    ///
    /// - Parameters:
    ///   - data: the whole file.
    ///   - name: names the data in errors.
    ///   - limits: bounds on the image size.
    public static func decode(
        _ data: [UInt8], name: String, limits: ImageDecodingLimits = .default
    ) throws(ImageIOError) -> Image {
        try attachingSource(name) {
            try data.withUnsafeBufferPointer { try decode(bytes: $0, limits: limits) }
        }
    }

    /// Decodes a P5 or P6 file held in a `Data` value.
    public static func decode(
        _ data: Data, name: String, limits: ImageDecodingLimits = .default
    ) throws(ImageIOError) -> Image {
        try decode([UInt8](data), name: name, limits: limits)
    }

    /// Reads and decodes the P5 or P6 file at `url`; errors name its path.
    ///
    /// Only a regular file within ``ImageDecodingLimits/maxFileBytes`` is read,
    /// and only past its first 8 bytes if they start with `P5` or `P6`.
    public static func decode(contentsOf url: URL, limits: ImageDecodingLimits = .default) throws(ImageIOError) -> Image {
        try decode(try readImageFile(url, format: .ppm, limits: limits), name: url.path, limits: limits)
    }

    /// Encodes a grey (P5) or RGB (P6) image with maxval 255 or 65535 (its bit depth).
    ///
    /// Throws ``ImageIOError/Kind/unrepresentable`` for images with alpha:
    /// drop or composite it first (``Image/applying(_:)``).
    public static func encode(_ image: Image, name: String = "<image>") throws(ImageIOError) -> [UInt8] {
        guard image.channels == 1 || image.channels == 3 else {
            throw ImageIOError(source: name, kind: .unrepresentable,
                problem: "PPM/PGM cannot store \(image.channels) channels; drop or composite the alpha channel first")
        }
        let header = "\(image.channels == 1 ? "P5" : "P6")\n\(image.width) \(image.height)\n\(image.maxValue)\n"
        var bytes = Array(header.utf8)
        if image.bitDepth == 8 {
            bytes.reserveCapacity(bytes.count + image.samples.count)
            for sample in image.samples { bytes.append(UInt8(truncatingIfNeeded: sample)) }
        } else {
            bytes.reserveCapacity(bytes.count + 2 * image.samples.count)
            for sample in image.samples {
                bytes.append(UInt8(sample >> 8))
                bytes.append(UInt8(truncatingIfNeeded: sample))
            }
        }
        return bytes
    }

    /// Writes `image` as P5 or P6 to `url` atomically (temporary file, then rename).
    public static func write(_ image: Image, to url: URL) throws(ImageIOError) {
        try writeFileAtomically(try encode(image, name: url.path), to: url)
    }

    // MARK: - Parsing

    static func decode(bytes: UnsafeBufferPointer<UInt8>, limits: ImageDecodingLimits) throws(FormatProblem) -> Image {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"),
              bytes[1] == UInt8(ascii: "5") || bytes[1] == UInt8(ascii: "6") else {
            throw FormatProblem(.badSignature, "not a binary PGM/PPM file (expected P5 or P6)")
        }
        let channels = bytes[1] == UInt8(ascii: "5") ? 1 : 3
        var position = 2
        let width = try readNumber(bytes, &position, field: "width")
        let height = try readNumber(bytes, &position, field: "height")
        let maxValue = try readNumber(bytes, &position, field: "maxval")
        guard (1...65535).contains(maxValue) else {
            throw FormatProblem(.malformed, "maxval \(maxValue) is not in 1…65535")
        }
        guard position < bytes.count else { throw FormatProblem(.truncated, "truncated file: header ends early") }
        guard isSpace(bytes[position]) else {
            throw FormatProblem(.malformed, "no whitespace after maxval")
        }
        position += 1
        try limits.check(width: width, height: height)

        let bytesPerSample = maxValue < 256 ? 1 : 2
        let count = width * height * channels
        let needed = count * bytesPerSample
        guard needed <= limits.maxDecompressedBytes else {
            throw FormatProblem(.limitExceeded, "raster of \(needed) bytes exceeds the limit of \(limits.maxDecompressedBytes) bytes")
        }
        guard bytes.count - position >= needed else {
            throw FormatProblem(.truncated,
                "truncated file: raster needs \(needed) bytes, only \(bytes.count - position) present")
        }
        let depth = maxValue < 256 ? 8 : 16
        let full = (1 << depth) - 1
        var samples = [UInt16](repeating: 0, count: count)
        var tooLarge = -1
        samples.withUnsafeMutableBufferPointer { out in
            let raster = bytes.baseAddress! + position
            for i in 0..<count {
                let value = bytesPerSample == 1 ? Int(raster[i]) : Int(raster[2 * i]) << 8 | Int(raster[2 * i + 1])
                if value > maxValue { tooLarge = value }
                out[i] = UInt16(maxValue == full ? value : min(full, (value * full + maxValue / 2) / maxValue))
            }
        }
        guard tooLarge < 0 else {
            throw FormatProblem(.malformed, "sample \(tooLarge) exceeds maxval \(maxValue)")
        }
        return Image(unchecked: width, height, channels: channels, bitDepth: depth, samples: samples)
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }

    /// Skips whitespace and `#` comments, then reads a decimal number.
    static func readNumber(
        _ bytes: UnsafeBufferPointer<UInt8>, _ position: inout Int, field: String
    ) throws(FormatProblem) -> Int {
        while position < bytes.count {
            if isSpace(bytes[position]) {
                position += 1
            } else if bytes[position] == UInt8(ascii: "#") {
                while position < bytes.count && bytes[position] != 0x0A && bytes[position] != 0x0D { position += 1 }
            } else {
                break
            }
        }
        guard position < bytes.count else { throw FormatProblem(.truncated, "truncated file: header ends before the \(field)") }
        var value = 0
        var digits = 0
        while position < bytes.count, (0x30...0x39).contains(bytes[position]) {
            value = value * 10 + Int(bytes[position] - 0x30)
            digits += 1
            position += 1
            guard digits <= 9 else { throw FormatProblem(.limitExceeded, "\(field) has too many digits") }
        }
        guard digits > 0 else { throw FormatProblem(.malformed, "\(field) is not a number") }
        return value
    }
}
