import Foundation
import Testing
@testable import SFLKit

/// Known answers that need no ../shared: files made here from pseudo-random
/// quantised coefficients (integer arithmetic only, so the same bytes on
/// every platform), whose decode by Pillow 13 (libjpeg-turbo 3.2, accurate
/// IDCT, fancy upsampling; the same with its SIMD code and with its C code,
/// `JSIMD_FORCENONE=1`) was hashed once; the decoder must give the same
/// samples. The coefficients drive many samples past 0 and 255, exercising
/// the range limits. (Far larger coefficients, which no real image has, make
/// libjpeg-turbo's SIMD and C paths disagree; the decoder follows the C code.)
@Suite("ImageIO JPEG known answers")
struct JPEGKnownAnswerTests {
    struct Case {
        var width: Int
        var height: Int
        var channels = 3
        var encoder: JPEGTestEncoder
        /// FNV-1a (64-bit) of Pillow's samples, one byte each.
        var expected: UInt64
    }

    static func encoder(_ h: Int, _ v: Int, seed: UInt64, progressive: Bool = false, restart: Int = 0) -> JPEGTestEncoder {
        var encoder = JPEGTestEncoder(quality: 50, lumaH: h, lumaV: v, restartInterval: restart, progressive: progressive)
        encoder.randomCoefficientsSeed = seed
        return encoder
    }

    static let cases: [Case] = [
        Case(width: 17, height: 31, encoder: encoder(2, 2, seed: 1), expected: 876617414677314827),
        Case(width: 7, height: 5, encoder: encoder(2, 1, seed: 2, progressive: true), expected: 16768475113659007626),
        Case(width: 9, height: 20, encoder: encoder(1, 2, seed: 3, restart: 1), expected: 6945505682631527736),
        Case(width: 40, height: 24, encoder: encoder(4, 2, seed: 4, progressive: true, restart: 2), expected: 13882442487402118202),
        Case(width: 33, height: 9, encoder: encoder(4, 1, seed: 5), expected: 3666013580132742706),
        Case(width: 3, height: 19, encoder: encoder(2, 2, seed: 6), expected: 5693037304684396993),
        Case(width: 13, height: 11, channels: 1, encoder: encoder(1, 1, seed: 7, progressive: true), expected: 2205739928098151088),
        Case(width: 24, height: 16, encoder: encoder(1, 1, seed: 8), expected: 941541656000247865),
    ]

    static func fnv1a(_ samples: [UInt16]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for sample in samples {
            hash ^= UInt64(sample & 0xFF)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }

    @Test func decodesToPillowsSamples() throws {
        for (index, c) in Self.cases.enumerated() {
            let data = c.encoder.encode(JPEGDecoderTests.pattern(width: c.width, height: c.height, channels: c.channels))
            let image = try JPEGDecoder.decode(data, name: "case \(index)")
            #expect(image.width == c.width && image.height == c.height && image.channels == c.channels)
            #expect(Self.fnv1a(image.samples) == c.expected, "case \(index)")
        }
    }
}
