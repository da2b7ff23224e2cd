import Foundation
import Testing
@testable import SFLKit

@Suite("ImageIO PPM and PGM")
struct ImageIOPPMTests {
    @Test(arguments: [1, 3], [8, 16])
    func roundTrips(channels: Int, bitDepth: Int) throws {
        let image = ImageIOPNGCodecTests.randomImage(width: 7, height: 5, channels: channels, bitDepth: bitDepth, seed: 3)
        let bytes = try PPM.encode(image)
        let header = "\(channels == 1 ? "P5" : "P6")\n7 5\n\(bitDepth == 8 ? 255 : 65535)\n"
        #expect(bytes.starts(with: Array(header.utf8)))
        #expect(bytes.count == header.utf8.count + 7 * 5 * channels * bitDepth / 8)
        #expect(try PPM.decode(bytes, name: "rt") == image)
        #expect(try Image(decoding: bytes, name: "rt") == image)
    }

    @Test func readsCommentsAndOtherMaxvals() throws {
        // maxval 1000, two bytes per sample, comments between fields.
        let bytes = Array("P5 # grey\n# another\n2\t1 #x\n1000\n".utf8) + [0x00, 0x00, 0x03, 0xE8]
        let image = try PPM.decode(bytes, name: "m")
        #expect(image.bitDepth == 16 && image.samples == [0, 65535])
        // maxval 100, one byte per sample: 50 → round(50 · 255 / 100) = 128 (127.5 rounds up).
        let small = try PPM.decode(Array("P6\n1 1\n100\n".utf8) + [0, 50, 100], name: "s")
        #expect(small.bitDepth == 8 && small.samples == [0, 128, 255])
    }

    @Test func rejectsBadFiles() {
        let cases: [([UInt8], ImageIOError.Kind, String)] = [
            (Array("P3\n1 1\n255\n1 2 3".utf8), .badSignature, "expected P5 or P6"),
            (Array("P6\n2 2\n255\n".utf8) + [1, 2, 3], .truncated, "raster needs 12 bytes, only 3"),
            (Array("P6\n2 2".utf8), .truncated, "before the maxval"),
            (Array("P6\n2 x 255\n".utf8), .malformed, "height is not a number"),
            (Array("P5\n1 1\n0\n\0".utf8), .malformed, "maxval 0"),
            (Array("P5\n1 1\n70000\n\0\0".utf8), .malformed, "maxval 70000"),
            (Array("P5\n1 1\n300\n".utf8) + [0x01, 0x2D], .malformed, "sample 301 exceeds maxval 300"),
            (Array("P5\n20000000 1\n255\n".utf8), .limitExceeded, "exceeds the limit of 16777216 pixels per side"),
            (Array("P5\n0 1\n255\n".utf8), .malformed, "zero dimension"),
        ]
        for (bytes, kind, text) in cases {
            do {
                _ = try PPM.decode(bytes, name: "bad.ppm")
                Issue.record("decoded; expected \(text)")
            } catch {
                #expect(error.kind == kind && error.problem.contains(text) && error.source == "bad.ppm", "\(error)")
            }
        }
        let rgba = Image(width: 1, height: 1, channels: 4, samples: [1, 2, 3, 4])
        #expect(throws: ImageIOError.self) { try PPM.encode(rgba) }
        #expect(throws: ImageIOError.self) { try Image(decoding: [1, 2, 3], name: "junk") }
    }

    @Test func writesFilesByExtension() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sflkit-ppm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let rgb = ImageIOPNGCodecTests.randomImage(width: 6, height: 4, channels: 3, bitDepth: 8, seed: 5)
        let grey = ImageIOPNGCodecTests.randomImage(width: 6, height: 4, channels: 1, bitDepth: 16, seed: 6)
        for (image, name) in [(rgb, "a.ppm"), (grey, "b.pgm"), (rgb, "c.png"), (grey, "d.PNG")] {
            let url = folder.appendingPathComponent(name)
            try image.write(to: url)
            #expect(try Image(contentsOf: url) == image, "\(name)")
        }
        #expect(throws: ImageIOError.self) { try rgb.write(to: folder.appendingPathComponent("e.jpg")) }
    }
}
