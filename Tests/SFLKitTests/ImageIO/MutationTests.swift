import Foundation
import Testing
@testable import SFLKit

/// Decodes thousands of deterministically corrupted variants of valid files:
/// each must decode or throw an `ImageIOError` — never crash or hang.
@Suite("ImageIO mutation")
struct ImageIOMutationTests {
    /// Small valid files: built here for every format, plus a few PngSuite files when present.
    static func seeds() -> [[UInt8]] {
        var seeds: [[UInt8]] = []
        var seed: UInt64 = 900
        for format in ImageIOPNGCodecTests.formats {
            seed += 1
            seeds.append(ImageIOPNGCodecTests.makeCase(format, width: 9, height: 7, interlaced: seed % 2 == 0,
                                                       transparency: seed % 3 != 0, seed: seed).png)
        }
        if let suite = SharedData.pngSuite {
            for name in ["basi3p02.png", "f04n2c08.png", "z09n2c08.png", "tbrn2c08.png", "s07i3p02.png", "oi4n2c16.png"] {
                if let data = try? Data(contentsOf: suite.appendingPathComponent(name)) { seeds.append([UInt8](data)) }
            }
        }
        return seeds
    }

    static func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: bytes[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            case 1: bytes[at] = UInt8.random(in: 0...255, using: &rng)
            case 2: bytes[at] = [0, 0xFF, 0x7F, 0x80][Int.random(in: 0..<4, using: &rng)]
            case 3: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
            case 4: bytes.remove(at: at)
            default: bytes.removeSubrange(at...)
            }
        }
        return bytes
    }

    @Test func corruptedVariantsThrowOrDecode() {
        var rng = SplitMix64(seed: 2024)
        let seeds = Self.seeds()
        let limits = ImageDecodingLimits(maxPixels: 1 << 20, maxDecompressedBytes: 1 << 22)
        var decoded = 0, rejected = 0, variants = 0
        var kinds: Set<String> = []
        for round in 0..<200 {
            for seedFile in seeds {
                var variant = Self.mutate(seedFile, using: &rng)
                if round % 2 == 0 { variant = fixingPNGCRCs(variant) }
                variants += 1
                do {
                    let image = try PNGDecoder.decode(variant, name: "variant \(variants)", limits: limits)
                    #expect(image.samples.count == image.width * image.height * image.channels)
                    decoded += 1
                } catch {
                    #expect(error.source == "variant \(variants)")
                    #expect(!error.problem.isEmpty)
                    kinds.insert(error.kind.rawValue)
                    rejected += 1
                }
            }
        }
        #expect(variants >= 3000)
        #expect(decoded + rejected == variants)
        // The variants reach every layer: signature, chunks, CRCs, inflate, filters.
        #expect(kinds.isSuperset(of: ["truncated", "badSignature", "checksumMismatch", "malformed"]), "\(kinds)")
    }

    @Test func corruptedPPMVariantsThrowOrDecode() {
        var rng = SplitMix64(seed: 77)
        let seeds = [PPM.encodeForTests(width: 5, height: 4, channels: 3, maxValue: 255),
                     PPM.encodeForTests(width: 3, height: 3, channels: 1, maxValue: 1000)]
        for round in 0..<1000 {
            let variant = Self.mutate(seeds[round % 2], using: &rng)
            do {
                let image = try PPM.decode(variant, name: "ppm \(round)")
                #expect(image.samples.count == image.width * image.height * image.channels)
            } catch {
                #expect(error.source == "ppm \(round)")
            }
        }
    }
}

extension PPM {
    /// A small valid file with a comment and an arbitrary maxval.
    static func encodeForTests(width: Int, height: Int, channels: Int, maxValue: Int) -> [UInt8] {
        var bytes = Array("P\(channels == 1 ? 5 : 6)\n# test\n\(width) \(height)\n\(maxValue)\n".utf8)
        for i in 0..<(width * height * channels) {
            let v = (i * 37) % (maxValue + 1)
            if maxValue < 256 { bytes.append(UInt8(v)) } else { bytes += [UInt8(v >> 8), UInt8(v & 0xFF)] }
        }
        return bytes
    }
}
