import Foundation
import Testing
@testable import SFLKit

@Suite("ImageIO PNG decoding and encoding")
struct ImageIOPNGCodecTests {
    struct Format: CustomTestStringConvertible, Sendable {
        var colourType: Int
        var bitDepth: Int
        var testDescription: String { "colour type \(colourType), \(bitDepth)-bit" }
    }

    static let formats: [Format] =
        [1, 2, 4, 8, 16].map { Format(colourType: 0, bitDepth: $0) }
        + [1, 2, 4, 8].map { Format(colourType: 3, bitDepth: $0) }
        + [2, 4, 6].flatMap { type in [8, 16].map { Format(colourType: type, bitDepth: $0) } }

    /// A test image of `format`, with random samples, a palette for type 3 and
    /// optionally a tRNS chunk; and the decoded image it must give.
    static func makeCase(_ format: Format, width: Int, height: Int, interlaced: Bool, transparency: Bool,
                         seed: UInt64) -> (png: [UInt8], expected: Image) {
        var rng = SplitMix64(seed: seed)
        let maximum = (1 << format.bitDepth) - 1
        var builder = TestPNGBuilder(width: width, height: height, bitDepth: format.bitDepth,
                                     colourType: format.colourType, interlaced: interlaced, samples: [])
        builder.idatChunks = 3
        let stored = builder.storedChannels
        let pixelCount = width * height
        let paletteCount = format.colourType == 3 ? min(1 << format.bitDepth, 200) : 0
        builder.samples = (0..<(pixelCount * stored)).map { _ in
            format.colourType == 3 ? Int.random(in: 0..<paletteCount, using: &rng) : Int.random(in: 0...maximum, using: &rng)
        }
        var paletteBytes: [UInt8] = []
        if format.colourType == 3 {
            paletteBytes = (0..<(3 * paletteCount)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            builder.palette = paletteBytes
        }
        var key: [Int] = []
        var alphaTable: [UInt8] = []
        if transparency {
            switch format.colourType {
            case 0:
                key = [builder.samples[0]]
                builder.transparency = [UInt8(key[0] >> 8), UInt8(key[0] & 0xFF)]
            case 2:
                key = Array(builder.samples[0..<3])
                builder.transparency = key.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
            case 3:
                alphaTable = (0..<(paletteCount / 2 + 1)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                builder.transparency = alphaTable
            default:
                break
            }
        }
        // The expected decode, computed directly from the definition.
        let outDepth = format.bitDepth == 16 ? 16 : 8
        let scale = format.bitDepth < 8 ? 255 / maximum : 1
        var out: [UInt16] = []
        var outChannels = stored
        for p in 0..<pixelCount {
            let pixel = Array(builder.samples[(p * stored)..<(p * stored + stored)])
            if format.colourType == 3 {
                let i = pixel[0]
                out += (0..<3).map { UInt16(paletteBytes[3 * i + $0]) }
                outChannels = 3
                if transparency {
                    out.append(UInt16(i < alphaTable.count ? alphaTable[i] : 255))
                    outChannels = 4
                }
            } else {
                out += pixel.map { UInt16($0 * scale) }
                if !key.isEmpty {
                    out.append(pixel == key ? 0 : UInt16(outDepth == 16 ? 65535 : 255))
                    outChannels = stored + 1
                }
            }
        }
        let expected = Image(width: width, height: height, channels: outChannels, bitDepth: outDepth, samples: out)
        return (builder.build(), expected)
    }

    @Test("decodes built images of every colour type and depth", arguments: formats)
    func decodesEveryFormat(_ format: Format) throws {
        var seed: UInt64 = 1
        for (width, height) in [(1, 1), (3, 2), (13, 9), (33, 17)] {
            for interlaced in [false, true] {
                for transparency in [false, true] {
                    seed += 1
                    let (png, expected) = Self.makeCase(format, width: width, height: height,
                                                        interlaced: interlaced, transparency: transparency, seed: seed)
                    let decoded = try PNGDecoder.decode(png, name: "built")
                    #expect(decoded == expected, "\(format.testDescription) \(width)×\(height) interlaced \(interlaced) tRNS \(transparency)")
                }
            }
        }
    }

    static func randomImage(width: Int, height: Int, channels: Int, bitDepth: Int, seed: UInt64, noise: Double = 0.02) -> Image {
        var rng = SplitMix64(seed: seed)
        let maximum = UInt16((1 << bitDepth) - 1)
        // Smooth ramps plus noise: like photographs, so filters and LZ77 both matter.
        var samples: [UInt16] = []
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    let ramp = Double((x * 3 + y * 2 + c * 40) % 256) / 255
                    let noise = noise > 0 ? Double.random(in: -noise...noise, using: &rng) : 0
                    samples.append(UInt16((min(max(ramp + noise, 0), 1) * Double(maximum)).rounded()))
                }
            }
        }
        return Image(width: width, height: height, channels: channels, bitDepth: bitDepth, samples: samples)
    }

    @Test("encoder round trips", arguments: [8, 16])
    func encoderRoundTrips(bitDepth: Int) throws {
        var seed: UInt64 = 100
        for channels in 1...4 {
            for (width, height) in [(1, 1), (2, 5), (31, 7), (64, 40)] {
                seed += 1
                let image = Self.randomImage(width: width, height: height, channels: channels, bitDepth: bitDepth, seed: seed)
                for level in [CompressionLevel.none, .fast, .balanced] {
                    let png = PNGEncoder.encode(image, level: level)
                    #expect(try PNGDecoder.decode(png, name: "round trip") == image)
                }
            }
        }
    }

    @Test func encoderCompresses() throws {
        // Noisy ramps: the noise (±5 levels) bounds the gain; zlib level 6 gets about 0.6 too.
        let noisy = Self.randomImage(width: 120, height: 90, channels: 3, bitDepth: 8, seed: 7)
        let stored = PNGEncoder.encode(noisy, level: .none)
        #expect(stored.count > noisy.samples.count)
        #expect(PNGEncoder.encode(noisy).count * 10 < stored.count * 7)
        // Clean ramps: filtering makes rows nearly constant, LZ77 does the rest.
        let smooth = Self.randomImage(width: 120, height: 90, channels: 3, bitDepth: 8, seed: 7, noise: 0)
        #expect(PNGEncoder.encode(smooth).count * 20 < PNGEncoder.encode(smooth, level: .none).count)
    }

    @Test func fileRoundTripIsAtomic() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sflkit-png-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("a.png")
        let first = Self.randomImage(width: 10, height: 8, channels: 4, bitDepth: 8, seed: 1)
        let second = Self.randomImage(width: 5, height: 3, channels: 1, bitDepth: 16, seed: 2)
        try PNGEncoder.write(first, to: url)
        try PNGEncoder.write(second, to: url)
        #expect(try PNGDecoder.decode(contentsOf: url) == second)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["a.png"])
        // Renaming over a folder fails: the error names the file and no temporary file is left.
        let blocker = folder.appendingPathComponent("blocker.png")
        try FileManager.default.createDirectory(at: blocker.appendingPathComponent("inside"), withIntermediateDirectories: true)
        do {
            try PNGEncoder.write(first, to: blocker)
            Issue.record("wrote over a folder")
        } catch {
            #expect(error.kind == .fileSystem && error.source == blocker.path && error.problem.contains("rename"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["a.png", "blocker.png"])
        let missing = folder.appendingPathComponent("no/such/dir/b.png")
        #expect(throws: ImageIOError.self) { try PNGEncoder.write(first, to: missing) }
        do {
            _ = try PNGDecoder.decode(contentsOf: missing)
        } catch {
            #expect(error.kind == .fileSystem && error.source == missing.path)
        }
    }

    @Test func alphaIsDroppedOrComposited() throws {
        let rgba = Image(width: 2, height: 1, channels: 4, samples: [200, 100, 0, 255, 200, 100, 0, 51])
        #expect(rgba.droppingAlpha().samples == [200, 100, 0, 200, 100, 0])
        // (v·a + 255·(255 − a)) / 255, rounded: 200·0.2 + 255·0.8 = 244.
        #expect(rgba.compositing(over: .white).samples == [200, 100, 0, 244, 224, 204])
        #expect(rgba.compositing(over: .black).samples == [200, 100, 0, 40, 20, 0])
        let greyAlpha = Image(width: 1, height: 1, channels: 2, bitDepth: 16, samples: [0, 32768])
        #expect(greyAlpha.compositing(over: .white).samples == [32767])
        let onRed = greyAlpha.compositing(over: BackgroundColor(red: 1, green: 0, blue: 0))
        #expect(onRed.channels == 3 && onRed.samples == [32767, 0, 0])
        let png = PNGEncoder.encode(rgba)
        #expect(try PNGDecoder.decode(png, name: "x", alpha: .drop).channels == 3)
        #expect(try PNGDecoder.decode(png, name: "x", alpha: .compositeOverWhite).samples == [200, 100, 0, 244, 224, 204])
        let grey = Image(width: 1, height: 1, channels: 1, samples: [9])
        #expect(grey.convertingGreyToRGB().samples == [9, 9, 9])
        #expect(grey.converted(toBitDepth: 16).samples == [9 * 257])
        #expect(grey.converted(toBitDepth: 16).converted(toBitDepth: 8) == grey)
    }
}
