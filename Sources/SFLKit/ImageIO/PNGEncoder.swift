import Foundation

/// Encodes images as PNG: grey, grey + alpha, RGB or RGBA at 8 or 16 bits,
/// non-interlaced, with per-row adaptive filtering and DEFLATE compression.
///
/// Each scanline gets the filter (of the five) whose output has the smallest
/// sum of absolute values taken as signed bytes, the usual heuristic. The
/// file holds IHDR, IDAT chunks of at most 64 KiB, and IEND.
public enum PNGEncoder {
    /// The PNG bytes of `image`.
    public static func encode(_ image: Image, level: CompressionLevel = .balanced) -> [UInt8] {
        let colourType: UInt8 = [0, 4, 2, 6][image.channels - 1]
        let bytesPerSample = image.bitDepth / 8
        let bytesPerPixel = image.channels * bytesPerSample
        let rowBytes = image.width * bytesPerPixel

        var raw = [UInt8](repeating: 0, count: image.height * rowBytes)
        if bytesPerSample == 1 {
            for i in 0..<image.samples.count { raw[i] = UInt8(truncatingIfNeeded: image.samples[i]) }
        } else {
            for i in 0..<image.samples.count {
                raw[2 * i] = UInt8(image.samples[i] >> 8)
                raw[2 * i + 1] = UInt8(truncatingIfNeeded: image.samples[i])
            }
        }
        let filtered = filterRows(raw, height: image.height, rowBytes: rowBytes, bytesPerPixel: bytesPerPixel)
        let compressed = Zlib.compress(filtered, level: level)

        var out = PNGDecoder.signature
        var header: [UInt8] = []
        appendUInt32(UInt32(image.width), to: &header)
        appendUInt32(UInt32(image.height), to: &header)
        header += [UInt8(image.bitDepth), colourType, 0, 0, 0]
        appendChunk("IHDR", header[...], to: &out)
        var start = 0
        repeat {
            let end = min(start + 65536, compressed.count)
            appendChunk("IDAT", compressed[start..<end], to: &out)
            start = end
        } while start < compressed.count
        appendChunk("IEND", [][...], to: &out)
        return out
    }

    /// Writes `image` as PNG to `url` atomically (temporary file, then rename).
    public static func write(_ image: Image, to url: URL, level: CompressionLevel = .balanced) throws(ImageIOError) {
        try writeFileAtomically(encode(image, level: level), to: url)
    }

    /// Filter-type byte plus filtered bytes for each row, choosing per row.
    static func filterRows(_ raw: [UInt8], height: Int, rowBytes: Int, bytesPerPixel: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: height * (rowBytes + 1))
        var candidate = [UInt8](repeating: 0, count: rowBytes)
        raw.withUnsafeBufferPointer { raw in
            out.withUnsafeMutableBufferPointer { out in
                candidate.withUnsafeMutableBufferPointer { candidate in
                    for y in 0..<height {
                        let row = raw.baseAddress! + y * rowBytes
                        let prior = y > 0 ? raw.baseAddress! + (y - 1) * rowBytes : nil
                        let destination = out.baseAddress! + y * (rowBytes + 1)
                        var bestScore = Int.max
                        for type in 0..<5 {
                            PNGFilter.filter(type: type, row: row, prior: prior, rowBytes: rowBytes,
                                             bytesPerPixel: bytesPerPixel, into: candidate.baseAddress!)
                            var score = 0
                            for byte in candidate { score += byte < 128 ? Int(byte) : 256 - Int(byte) }
                            if score < bestScore {
                                bestScore = score
                                destination[0] = UInt8(type)
                                (destination + 1).update(from: candidate.baseAddress!, count: rowBytes)
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    static func appendUInt32(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                  UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    static func appendChunk(_ type: String, _ data: ArraySlice<UInt8>, to out: inout [UInt8]) {
        appendUInt32(UInt32(data.count), to: &out)
        let typeAndData = Array(type.utf8) + data
        out += typeAndData
        appendUInt32(CRC32.checksum(typeAndData), to: &out)
    }
}
