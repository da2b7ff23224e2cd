import Foundation
import Testing
@testable import SFLKit

/// Bad input never crashes, hangs or allocates without bound: it throws an
/// `ImageIOError` naming the input and the problem.
@Suite("ImageIO PNG bad input")
struct ImageIOPNGBadInputTests {
    static let valid: [UInt8] = {
        var samples: [UInt16] = []
        for y in 0..<12 { for x in 0..<10 { samples += [UInt16(x * 20), UInt16(y * 20), UInt16((x + y) * 9)] } }
        return PNGEncoder.encode(Image(width: 10, height: 12, channels: 3, samples: samples))
    }()

    /// Byte offsets of the chunks of a PNG: (offset of the length field, type, data length).
    static func chunks(_ png: [UInt8]) -> [(offset: Int, type: String, length: Int)] {
        var out: [(Int, String, Int)] = []
        var position = 8
        while position + 12 <= png.count {
            let length = Int(png[position]) << 24 | Int(png[position + 1]) << 16 | Int(png[position + 2]) << 8 | Int(png[position + 3])
            out.append((position, String(decoding: png[(position + 4)..<(position + 8)], as: UTF8.self), length))
            position += 12 + length
        }
        return out
    }

    static func expectError(_ png: [UInt8], kind: ImageIOError.Kind, containing text: String,
                            limits: ImageDecodingLimits = .default, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try PNGDecoder.decode(png, name: "bad.png", limits: limits)
            Issue.record("decoded; expected \(kind) error containing \"\(text)\"", sourceLocation: sourceLocation)
        } catch {
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix("bad.png: "), sourceLocation: sourceLocation)
            #expect(error.problem.contains(text), "\(error)", sourceLocation: sourceLocation)
        }
    }

    /// A PNG with IHDR fields replaced and the CRC recomputed.
    static func withHeader(width: Int, height: Int, depth: UInt8 = 8, colourType: UInt8 = 2) -> [UInt8] {
        var header: [UInt8] = []
        PNGEncoder.appendUInt32(UInt32(width), to: &header)
        PNGEncoder.appendUInt32(UInt32(height), to: &header)
        header += [depth, colourType, 0, 0, 0]
        let ihdrEnd = 8 + 12 + 13
        return PNGDecoder.signature + TestPNGBuilder.chunk("IHDR", header) + Array(valid[ihdrEnd...])
    }

    @Test func everyTruncationIsReported() {
        for cut in 0..<Self.valid.count {
            do {
                _ = try PNGDecoder.decode(Array(Self.valid.prefix(cut)), name: "cut.png")
                Issue.record("prefix of \(cut) bytes decoded")
            } catch {
                #expect(error.kind == .truncated || (cut < 8 && error.kind == .badSignature), "\(cut): \(error)")
            }
        }
        Self.expectError(Array(Self.valid.prefix(40)), kind: .truncated, containing: "truncated file")
    }

    @Test func badCRCsAreReported() {
        for chunk in Self.chunks(Self.valid) {
            var png = Self.valid
            png[chunk.offset + 8 + chunk.length + 3] ^= 0x40
            Self.expectError(png, kind: .checksumMismatch, containing: "\(chunk.type) CRC mismatch")
        }
    }

    @Test func wrongSignatureIsReported() {
        var png = Self.valid
        png[1] = UInt8(ascii: "J")
        Self.expectError(png, kind: .badSignature, containing: "wrong signature")
        Self.expectError(Array("P6\n1 1\n255\nabc".utf8), kind: .badSignature, containing: "not a PNG")
    }

    @Test func chunksOutOfOrderAreReported() {
        let parts = Self.chunks(Self.valid)
        func bytes(of index: Int) -> [UInt8] {
            Array(Self.valid[parts[index].offset..<(parts[index].offset + 12 + parts[index].length)])
        }
        let ihdr = bytes(of: 0), idat = bytes(of: 1), iend = bytes(of: parts.count - 1)
        Self.expectError(PNGDecoder.signature + idat + ihdr + iend, kind: .malformed, containing: "IDAT before IHDR")
        Self.expectError(PNGDecoder.signature + ihdr + iend, kind: .malformed, containing: "no IDAT")
        Self.expectError(PNGDecoder.signature + ihdr + ihdr + idat + iend, kind: .malformed, containing: "duplicate IHDR")
        let text = TestPNGBuilder.chunk("tEXt", Array("a\0b".utf8))
        Self.expectError(PNGDecoder.signature + ihdr + idat + text + idat + iend, kind: .malformed, containing: "not consecutive")
        let palette = TestPNGBuilder.chunk("PLTE", [1, 2, 3])
        Self.expectError(PNGDecoder.signature + ihdr + idat + palette + iend, kind: .malformed, containing: "PLTE after IDAT")
        let unknown = TestPNGBuilder.chunk("ABCD", [1])
        Self.expectError(PNGDecoder.signature + ihdr + unknown + idat + iend, kind: .unsupported, containing: "critical chunk ABCD")
        // An unknown ancillary chunk is skipped.
        let ancillary = TestPNGBuilder.chunk("abCD", [1])
        #expect(throws: Never.self) { try PNGDecoder.decode(PNGDecoder.signature + ihdr + ancillary + idat + iend, name: "ok") }
    }

    @Test func oversizedImagesAreRejectedBeforeAllocating() {
        Self.expectError(Self.withHeader(width: 20_000_000, height: 1), kind: .limitExceeded,
                         containing: "image 20000000×1 exceeds the limit of 16777216 pixels per side")
        Self.expectError(Self.withHeader(width: 100_000, height: 100_000), kind: .limitExceeded,
                         containing: "more than the limit of 33554432")
        Self.expectError(Self.valid, kind: .limitExceeded, containing: "more than the limit of 100",
                         limits: ImageDecodingLimits(maxPixels: 100))
        Self.expectError(Self.valid, kind: .limitExceeded, containing: "exceeds the limit of 300 bytes",
                         limits: ImageDecodingLimits(maxDecompressedBytes: 300))
        Self.expectError(Self.withHeader(width: 0, height: 5), kind: .malformed, containing: "zero dimension")
        Self.expectError(Self.withHeader(width: 10, height: 12, depth: 3), kind: .malformed, containing: "invalid bit depth 3")
        Self.expectError(Self.withHeader(width: 10, height: 12, colourType: 5), kind: .malformed, containing: "invalid colour type 5")
    }

    @Test func imageDataOfTheWrongSizeIsRejected() {
        // The header says 10×11 but the data holds 10×12 rows: surplus data.
        Self.expectError(Self.withHeader(width: 10, height: 11), kind: .malformed, containing: "more than the expected")
        // The header says 10×13: the data ends early.
        Self.expectError(Self.withHeader(width: 10, height: 13), kind: .truncated, containing: "ends after")
    }

    @Test func decompressionBombIsStopped() throws {
        // 4000×4000 grey (16 MB of zeros) in about 16 KB: refused under a 4 MB limit.
        let header: [UInt8] = [0, 0, 0x0F, 0xA0, 0, 0, 0x0F, 0xA0, 8, 0, 0, 0, 0]
        let zeros = Zlib.compress([UInt8](repeating: 0, count: 4000 * 4001), level: .fast)
        let bomb = PNGDecoder.signature + TestPNGBuilder.chunk("IHDR", header)
            + TestPNGBuilder.chunk("IDAT", zeros) + TestPNGBuilder.chunk("IEND", [])
        #expect(bomb.count < 40_000)
        Self.expectError(bomb, kind: .limitExceeded, containing: "exceeds the limit of 4000000 bytes",
                         limits: ImageDecodingLimits(maxDecompressedBytes: 4_000_000))
        // A stream that claims a small image but inflates far past it stops at the image size.
        let small: [UInt8] = [0, 0, 0, 10, 0, 0, 0, 10, 8, 0, 0, 0, 0]
        let surplus = PNGDecoder.signature + TestPNGBuilder.chunk("IHDR", small)
            + TestPNGBuilder.chunk("IDAT", zeros) + TestPNGBuilder.chunk("IEND", [])
        Self.expectError(surplus, kind: .malformed, containing: "more than the expected 110 bytes")
    }

    @Test func badPaletteIndexAndFilterTypeAreReported() throws {
        var builder = TestPNGBuilder(width: 4, height: 1, bitDepth: 8, colourType: 3, samples: [0, 1, 2, 3])
        builder.palette = [0, 0, 0, 255, 255, 255]
        Self.expectError(builder.build(), kind: .malformed, containing: "palette index 2 out of range")
        // A filter-type byte of 5.
        let header: [UInt8] = [0, 0, 0, 2, 0, 0, 0, 1, 8, 0, 0, 0, 0]
        let png = PNGDecoder.signature + TestPNGBuilder.chunk("IHDR", header)
            + TestPNGBuilder.chunk("IDAT", Zlib.compress([5, 1, 2])) + TestPNGBuilder.chunk("IEND", [])
        Self.expectError(png, kind: .malformed, containing: "invalid filter type 5")
    }
}
