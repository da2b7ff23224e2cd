/// The zlib container (RFC 1950) around DEFLATE data: a two-byte header and
/// an Adler-32 of the uncompressed data.
enum Zlib {
    /// Decompresses a zlib stream, verifying its header and Adler-32.
    ///
    /// - Parameters:
    ///   - expectedSize: if given, the uncompressed data must be exactly this long.
    ///   - limit: the most uncompressed bytes accepted.
    static func decompress(
        _ input: UnsafeBufferPointer<UInt8>, expectedSize: Int? = nil, limit: Int
    ) throws(FormatProblem) -> [UInt8] {
        guard input.count >= 2 else { throw FormatProblem(.truncated, "truncated zlib stream") }
        let cmf = Int(input[0]), flags = Int(input[1])
        guard (cmf << 8 | flags) % 31 == 0 else {
            throw FormatProblem(.malformed, "zlib header check bits are wrong")
        }
        guard cmf & 0x0F == 8, cmf >> 4 <= 7 else {
            throw FormatProblem(.malformed, "zlib stream does not use deflate with a window of at most 32 KiB")
        }
        guard flags & 0x20 == 0 else {
            throw FormatProblem(.unsupported, "zlib stream needs a preset dictionary")
        }
        let body = UnsafeBufferPointer(rebasing: input[2...])
        let result = try Inflate.decompress(body, expectedSize: expectedSize, limit: limit)
        let end = result.consumed
        guard end + 4 <= body.count else {
            throw FormatProblem(.truncated, "truncated zlib stream: Adler-32 checksum missing")
        }
        let stored = UInt32(body[end]) << 24 | UInt32(body[end + 1]) << 16
            | UInt32(body[end + 2]) << 8 | UInt32(body[end + 3])
        let actual = Adler32.checksum(result.output)
        guard stored == actual else {
            throw FormatProblem(.checksumMismatch, "zlib Adler-32 mismatch")
        }
        return result.output
    }

    /// Decompresses a whole zlib stream held in an array.
    static func decompress(_ bytes: [UInt8], limit: Int = 1 << 30) throws(FormatProblem) -> [UInt8] {
        do {
            return try bytes.withUnsafeBufferPointer { try decompress($0, limit: limit) }
        } catch let problem as FormatProblem {
            throw problem
        } catch {
            throw FormatProblem(.malformed, "\(error)")
        }
    }
}

extension Zlib {
    /// Compresses `bytes` into a zlib stream: header `78 9C`, DEFLATE data, Adler-32.
    static func compress(_ bytes: [UInt8], level: CompressionLevel = .balanced) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x9C]
        out.append(contentsOf: Deflate.compress(bytes, level: level))
        let adler = Adler32.checksum(bytes)
        out.append(contentsOf: [UInt8(adler >> 24), UInt8(truncatingIfNeeded: adler >> 16),
                                UInt8(truncatingIfNeeded: adler >> 8), UInt8(truncatingIfNeeded: adler)])
        return out
    }
}
