import Foundation
import Testing
@testable import SFLKit

/// Decodes thousands of deterministically corrupted JPEG files: each must
/// decode or throw an `ImageIOError` naming it — never crash or hang.
@Suite("ImageIO JPEG mutation")
struct JPEGMutationTests {
    /// Small valid files: made here (sequential, progressive, restarts, every
    /// sampling), plus a few small files of ../shared/jpegsuite when present.
    static func seeds() -> [[UInt8]] {
        var seeds: [[UInt8]] = []
        let configurations: [(Int, Int, Bool, Int)] = [(2, 2, false, 0), (2, 1, true, 0), (1, 1, false, 2), (1, 2, true, 1),
                                                       (4, 2, false, 1), (4, 1, true, 3)]
        for (index, (h, v, progressive, restart)) in configurations.enumerated() {
            var encoder = JPEGTestEncoder(quality: 40 + 10 * index, lumaH: h, lumaV: v, restartInterval: restart, progressive: progressive)
            encoder.orientation = index % 3 == 0 ? 6 : nil
            seeds.append(encoder.encode(JPEGDecoderTests.pattern(width: 9 + 5 * index, height: 7 + 3 * index)))
        }
        seeds.append(JPEGTestEncoder(quality: 70).encode(JPEGDecoderTests.pattern(width: 11, height: 6, channels: 1)))
        if let suite = SharedData.jpegSuite {
            for name in ["size_17x31_420.jpg", "size_15x17_progressive_422.jpg", "size_7x5_progressive_422.jpg",
                         "size_16x16_420.jpg", "size_333x2_progressive_422.jpg"] {
                if let data = try? Data(contentsOf: suite.appendingPathComponent(name)) { seeds.append([UInt8](data)) }
            }
        }
        return seeds
    }

    /// Where the first scan's data starts: mutations land in the headers half the time.
    static func headerLength(_ bytes: [UInt8]) -> Int {
        (0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA } ?? bytes.count
    }

    @Test func corruptedVariantsThrowOrDecode() {
        var rng = SplitMix64(seed: 2026)
        let seeds = Self.seeds()
        let limits = ImageDecodingLimits(maxPixels: 1 << 20, maxDecompressedBytes: 1 << 24)
        var decoded = 0, rejected = 0, variants = 0
        var kinds: Set<String> = []
        var slowest = 0.0
        // At least 3,600 variants, with or without ../shared's extra seeds.
        let rounds = max(300, (3600 + seeds.count - 1) / seeds.count)
        for _ in 0..<rounds {
            for seedFile in seeds {
                var variant: [UInt8]
                if Bool.random(using: &rng) {
                    // Mutate the headers only.
                    let header = Self.headerLength(seedFile)
                    variant = ImageIOMutationTests.mutate(Array(seedFile[..<header]), using: &rng) + seedFile[header...]
                } else {
                    variant = ImageIOMutationTests.mutate(seedFile, using: &rng)
                }
                variants += 1
                let start = Date()
                do {
                    let image = try JPEGDecoder.decode(variant, name: "variant \(variants)", limits: limits)
                    #expect(image.samples.count == image.width * image.height * image.channels)
                    #expect(image.samples.allSatisfy { $0 <= 255 })
                    decoded += 1
                } catch {
                    #expect(error.source == "variant \(variants)")
                    #expect(!error.problem.isEmpty)
                    kinds.insert(error.kind.rawValue)
                    rejected += 1
                }
                slowest = max(slowest, Date().timeIntervalSince(start))
            }
        }
        #expect(variants >= 3000)
        #expect(decoded + rejected == variants)
        #expect(decoded > 0 && rejected > 0)
        #expect(kinds.isSuperset(of: ["truncated", "malformed"]), "\(kinds)")
        // Bounded time: no variant takes long (debug build, shared machine).
        #expect(slowest < 2, "slowest variant took \(slowest) s")
    }
}
