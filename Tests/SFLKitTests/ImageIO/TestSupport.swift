import Foundation
@testable import SFLKit

/// A deterministic pseudo-random generator (SplitMix64) for reproducible tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Writes PNG files of any colour type and depth for the decoder tests,
/// independently of `PNGEncoder` (which writes only 8/16-bit non-palette files).
struct TestPNGBuilder {
    var width: Int
    var height: Int
    var bitDepth: Int
    var colourType: Int
    var interlaced = false
    var palette: [UInt8]? = nil
    var transparency: [UInt8]? = nil
    /// Raw samples as stored (palette indices for type 3), row-major, interleaved.
    var samples: [Int]
    var level: CompressionLevel = .balanced
    /// Split the zlib stream over this many IDAT chunks.
    var idatChunks = 1

    var storedChannels: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colourType]! }

    /// Packs the samples of pixels `xs` of row `y` into scanline bytes.
    func packRow(y: Int, xs: [Int]) -> [UInt8] {
        var bits: [Int] = []
        for x in xs {
            for c in 0..<storedChannels { bits.append(samples[(y * width + x) * storedChannels + c]) }
        }
        var out: [UInt8] = []
        if bitDepth == 16 {
            for v in bits { out += [UInt8(v >> 8), UInt8(v & 0xFF)] }
        } else if bitDepth == 8 {
            out = bits.map { UInt8($0) }
        } else {
            var accumulator = 0, filled = 0
            for v in bits {
                accumulator = accumulator << bitDepth | v
                filled += bitDepth
                if filled == 8 { out.append(UInt8(accumulator)); accumulator = 0; filled = 0 }
            }
            if filled > 0 { out.append(UInt8(accumulator << (8 - filled))) }
        }
        return out
    }

    /// Filtered scanlines of one sub-image, cycling through the five filters.
    func filtered(rows: [[UInt8]]) -> [UInt8] {
        let bpp = max(1, storedChannels * bitDepth / 8)
        var out: [UInt8] = []
        for (y, row) in rows.enumerated() {
            let type = (y + rows.count) % 5
            var filteredRow = [UInt8](repeating: 0, count: row.count)
            row.withUnsafeBufferPointer { r in
                filteredRow.withUnsafeMutableBufferPointer { f in
                    if y > 0 {
                        rows[y - 1].withUnsafeBufferPointer { p in
                            PNGFilter.filter(type: type, row: r.baseAddress!, prior: p.baseAddress!, rowBytes: row.count,
                                             bytesPerPixel: bpp, into: f.baseAddress!)
                        }
                    } else {
                        PNGFilter.filter(type: type, row: r.baseAddress!, prior: nil, rowBytes: row.count,
                                         bytesPerPixel: bpp, into: f.baseAddress!)
                    }
                }
            }
            out.append(UInt8(type))
            out += filteredRow
        }
        return out
    }

    func imageData() -> [UInt8] {
        if !interlaced {
            return filtered(rows: (0..<height).map { packRow(y: $0, xs: Array(0..<width)) })
        }
        var out: [UInt8] = []
        for pass in PNGDecoder.adam7 {
            let xs = Array(stride(from: pass.x, to: width, by: pass.dx))
            let ys = Array(stride(from: pass.y, to: height, by: pass.dy))
            if xs.isEmpty || ys.isEmpty { continue }
            out += filtered(rows: ys.map { packRow(y: $0, xs: xs) })
        }
        return out
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        PNGEncoder.appendChunk(type, data[...], to: &out)
        return out
    }

    func build() -> [UInt8] {
        var header: [UInt8] = []
        PNGEncoder.appendUInt32(UInt32(width), to: &header)
        PNGEncoder.appendUInt32(UInt32(height), to: &header)
        header += [UInt8(bitDepth), UInt8(colourType), 0, 0, interlaced ? 1 : 0]
        var out = PNGDecoder.signature + Self.chunk("IHDR", header)
        out += Self.chunk("tEXt", Array("Comment\0built by the tests".utf8))
        if let palette { out += Self.chunk("PLTE", palette) }
        if let transparency { out += Self.chunk("tRNS", transparency) }
        let compressed = Zlib.compress(imageData(), level: level)
        let pieceSize = max(1, (compressed.count + idatChunks - 1) / idatChunks)
        var start = 0
        while start < compressed.count {
            out += Self.chunk("IDAT", Array(compressed[start..<min(start + pieceSize, compressed.count)]))
            start += pieceSize
        }
        out += Self.chunk("IEND", [])
        return out
    }
}

/// Rewrites every chunk CRC of a PNG that the chunk structure reaches, so that
/// mutations get past the CRC check and exercise inflate and unfiltering
/// (used by the mutation tests and the fuzz harness).
func fixingPNGCRCs(_ input: [UInt8]) -> [UInt8] {
    var bytes = input
    var position = 8
    while position + 12 <= bytes.count {
        let length = Int(bytes[position]) << 24 | Int(bytes[position + 1]) << 16 | Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
        guard length <= bytes.count - position - 12 else { break }
        let crc = CRC32.checksum(Array(bytes[(position + 4)..<(position + 8 + length)]))
        let at = position + 8 + length
        for k in 0..<4 { bytes[at + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * k)) }
        position = at + 4
    }
    return bytes
}
