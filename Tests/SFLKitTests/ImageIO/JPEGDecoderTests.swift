import Foundation
import Testing
@testable import SFLKit

/// JPEG decoding on files made by the tests themselves (no ../shared needed).
@Suite("ImageIO JPEG decoder")
struct JPEGDecoderTests {
    /// A smooth colour test pattern with some detail.
    static func pattern(width: Int, height: Int, channels: Int = 3) -> Image {
        var samples: [UInt16] = []
        for y in 0..<height {
            for x in 0..<width {
                let r = 128 + 100 * sin(Double(x) / 5) * cos(Double(y) / 7)
                let g = Double(x * 255 / max(width - 1, 1))
                let b = Double(y * 255 / max(height - 1, 1))
                let values = channels == 1 ? [0.5 * r + 0.25 * g + 0.25 * b] : [r, g, b]
                samples += values.map { UInt16(min(max($0.rounded(), 0), 255)) }
            }
        }
        return Image(width: width, height: height, channels: channels, samples: samples)
    }

    static func meanAbsoluteError(_ a: Image, _ b: Image) -> Double {
        Double(zip(a.samples, b.samples).map { abs(Int($0) - Int($1)) }.reduce(0, +)) / Double(a.samples.count)
    }

    @Test(arguments: [(1, 1), (2, 1), (1, 2), (2, 2), (4, 1), (4, 2), (3, 1)])
    func decodesEncodedFilesCloseToTheSource(lumaH: Int, lumaV: Int) throws {
        for (width, height) in [(1, 1), (7, 5), (17, 31), (40, 24)] {
            let source = Self.pattern(width: width, height: height)
            let encoder = JPEGTestEncoder(quality: 95, lumaH: lumaH, lumaV: lumaV)
            let image = try Image(decoding: encoder.encode(source), name: "made")
            #expect(image.width == width && image.height == height && image.channels == 3 && image.bitDepth == 8)
            let error = Self.meanAbsoluteError(image, source)
            // Subsampled chroma loses colour detail in proportion to the factor.
            #expect(error < 4 * Double(lumaH * lumaV), "\(lumaH)×\(lumaV) \(width)×\(height): mean error \(error)")
        }
    }

    @Test func decodesGrey() throws {
        let source = Self.pattern(width: 23, height: 9, channels: 1)
        let image = try JPEGDecoder.decode(JPEGTestEncoder(quality: 100).encode(source), name: "grey")
        #expect(image.channels == 1)
        #expect(Self.meanAbsoluteError(image, source) < 1)
    }

    /// The same quantised coefficients coded sequentially, progressively, with
    /// restart intervals and with 16-bit tables must decode to identical samples.
    @Test(arguments: [(1, 1), (2, 1), (2, 2), (4, 2)])
    func everyCodingOfTheSameCoefficientsDecodesIdentically(lumaH: Int, lumaV: Int) throws {
        for (width, height) in [(1, 1), (9, 7), (33, 18)] {
            let source = Self.pattern(width: width, height: height)
            let base = JPEGTestEncoder(quality: 80, lumaH: lumaH, lumaV: lumaV)
            let reference = try JPEGDecoder.decode(base.encode(source), name: "sequential")
            var variants: [(String, JPEGTestEncoder)] = []
            var progressive = base; progressive.progressive = true; variants.append(("progressive", progressive))
            var restarts = base; restarts.restartInterval = 1; variants.append(("restart 1", restarts))
            var progressiveRestarts = progressive; progressiveRestarts.restartInterval = 2
            variants.append(("progressive restart 2", progressiveRestarts))
            var wide = base; wide.sixteenBitTables = true; variants.append(("16-bit tables", wide))
            for (label, encoder) in variants {
                let image = try JPEGDecoder.decode(encoder.encode(source), name: label)
                #expect(image == reference, "\(label), \(lumaH)×\(lumaV), \(width)×\(height)")
            }
        }
    }

    @Test func exifOrientationIsReadButNotApplied() throws {
        let source = Self.pattern(width: 12, height: 5)
        for value in 1...8 {
            var encoder = JPEGTestEncoder(quality: 90, lumaH: 1, lumaV: 1)
            encoder.orientation = value
            let data = encoder.encode(source)
            let (image, orientation) = try JPEGDecoder.decodeWithOrientation(data, name: "exif")
            #expect(orientation.rawValue == value)
            #expect(JPEGDecoder.orientation(of: data).rawValue == value)
            #expect(image.width == 12 && image.height == 5)
            #expect(try Image(decoding: data, name: "exif") == image)
        }
        #expect(JPEGDecoder.orientation(of: JPEGTestEncoder().encode(source)) == .identity)
    }

    @Test func orientationTransforms() {
        // A 3×2 image whose samples are their own indices.
        let image = Image(width: 3, height: 2, channels: 1, samples: [0, 1, 2, 3, 4, 5])
        let expected: [ImageOrientation: (Int, Int, [UInt16])] = [
            .identity: (3, 2, [0, 1, 2, 3, 4, 5]),
            .flipHorizontal: (3, 2, [2, 1, 0, 5, 4, 3]),
            .rotate180: (3, 2, [5, 4, 3, 2, 1, 0]),
            .flipVertical: (3, 2, [3, 4, 5, 0, 1, 2]),
            .transpose: (2, 3, [0, 3, 1, 4, 2, 5]),
            .rotate90Clockwise: (2, 3, [3, 0, 4, 1, 5, 2]),
            .transverse: (2, 3, [5, 2, 4, 1, 3, 0]),
            .rotate90CounterClockwise: (2, 3, [2, 5, 1, 4, 0, 3]),
        ]
        for (orientation, (width, height, samples)) in expected {
            let turned = image.applyingOrientation(orientation)
            #expect(turned.width == width && turned.height == height && turned.samples == samples, "\(orientation)")
        }
    }

    @Test func imageFolderReadsJPEGAndAppliesOrientation() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sflkit-jpeg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = Self.pattern(width: 16, height: 8)
        var encoder = JPEGTestEncoder(quality: 90)
        encoder.orientation = 6
        try Data(encoder.encode(source)).write(to: folder.appendingPathComponent("b.JPG"))
        try Data(JPEGTestEncoder().encode(source)).write(to: folder.appendingPathComponent("a.jpeg"))
        try Data([0xFF, 0xD8, 0xFF, 0xC0]).write(to: folder.appendingPathComponent("c.jpg"))
        for name in ["d.png", "e.png"] { try PNGEncoder.write(source, to: folder.appendingPathComponent(name)) }

        let dataset = try ImageFolder(url: folder)
        #expect(dataset.entries.map(\.name) == ["a.jpeg", "b.JPG", "d.png", "e.png"])
        #expect(dataset.failures.count == 1 && dataset.failures[0].source.hasSuffix("c.jpg"))
        let stored = try Image(contentsOf: folder.appendingPathComponent("b.JPG"))
        #expect(stored.width == 16 && stored.height == 8)
        #expect(dataset.entries[1].image == stored.applyingOrientation(.rotate90Clockwise))

        var options = ImageFolder.Options()
        options.applyOrientation = false
        options.threads = 1
        let asStored = try ImageFolder(url: folder, options: options)
        #expect(asStored.entries[1].image == stored)
        // One thread or two: the same dataset.
        #expect(asStored.entries.map(\.name) == dataset.entries.map(\.name))
        #expect(asStored.entries[0].image == dataset.entries[0].image)

        var limited = ImageFolder.Options(maxCount: 2)
        limited.threads = 2
        #expect(try ImageFolder(url: folder, options: limited).entries.map(\.name) == ["a.jpeg", "b.JPG"])
    }

    /// Replaces the marker byte of the first segment with marker `from` by `to`.
    static func replacingMarker(_ data: [UInt8], _ from: UInt8, _ to: UInt8) -> [UInt8] {
        var bytes = data
        for i in 0..<(bytes.count - 1) where bytes[i] == 0xFF && bytes[i + 1] == from {
            bytes[i + 1] = to
            break
        }
        return bytes
    }

    static func frameOffset(_ data: [UInt8]) -> Int {
        (0..<(data.count - 1)).first { data[$0] == 0xFF && (data[$0 + 1] == 0xC0 || data[$0 + 1] == 0xC2) }!
    }

    @Test func refusesUnsupportedFeaturesByName() {
        let good = JPEGTestEncoder(quality: 75).encode(Self.pattern(width: 9, height: 9))
        var twelveBit = good
        twelveBit[Self.frameOffset(good) + 4] = 12
        let cases: [([UInt8], String)] = [
            (Self.replacingMarker(good, 0xC0, 0xC9), "arithmetic coding"),
            (Self.replacingMarker(good, 0xC0, 0xCA), "arithmetic coding"),
            (Self.replacingMarker(good, 0xC0, 0xC3), "lossless"),
            (Self.replacingMarker(good, 0xC0, 0xC5), "hierarchical"),
            (twelveBit, "12-bit"),
        ]
        for (data, feature) in cases {
            #expect {
                _ = try JPEGDecoder.decode(data, name: "x")
            } throws: { error in
                let error = error as! ImageIOError
                return error.kind == .unsupported && error.problem.contains(feature) && error.source == "x"
            }
        }
    }

    @Test func rejectsBadInputWithoutAllocating() throws {
        let good = JPEGTestEncoder(quality: 75).encode(Self.pattern(width: 20, height: 12))
        #expect(throws: ImageIOError.self) { try JPEGDecoder.decode([], name: "empty") }
        // Every truncation is an error, never a crash.
        for length in stride(from: 0, to: good.count - 2, by: 7) {
            #expect(throws: ImageIOError.self) { try JPEGDecoder.decode(Array(good[..<length]), name: "cut") }
        }
        // 65500 × 65500 is refused from the header, before any allocation.
        var huge = good
        let frame = Self.frameOffset(good)
        for offset in [5, 6, 7, 8] { huge[frame + offset] = offset % 2 == 1 ? 0xFF : 0xDC }
        #expect {
            _ = try JPEGDecoder.decode(huge, name: "huge")
        } throws: { ($0 as! ImageIOError).kind == .limitExceeded }
        // A small limit refuses a normal image.
        #expect {
            _ = try JPEGDecoder.decode(good, name: "limit", limits: ImageDecodingLimits(maxPixels: 100))
        } throws: { ($0 as! ImageIOError).kind == .limitExceeded }
        // 4 components (CMYK) are refused by name.
        var cmyk = good
        cmyk[frame + 9] = 4
        #expect {
            _ = try JPEGDecoder.decode(cmyk, name: "cmyk")
        } throws: { ($0 as! ImageIOError).problem.contains("CMYK") }
    }

    @Test func ignoresDataAfterTheEndAndFillBytes() throws {
        let good = JPEGTestEncoder(quality: 75).encode(Self.pattern(width: 10, height: 10))
        let reference = try JPEGDecoder.decode(good, name: "good")
        #expect(try JPEGDecoder.decode(good + [1, 2, 3, 0xFF, 0xD8], name: "trailing") == reference)
        // 0xFF fill bytes before the frame marker.
        let frame = Self.frameOffset(good)
        let filled = Array(good[..<frame]) + [0xFF, 0xFF, 0xFF] + Array(good[frame...])
        #expect(try JPEGDecoder.decode(filled, name: "fill") == reference)
    }
}
