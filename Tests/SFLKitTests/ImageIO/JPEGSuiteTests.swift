import Foundation
import Testing
@testable import SFLKit

extension SharedData {
    static var jpegSuite: URL? { folder("jpegsuite") }
    static var willowJPEG: URL? { folder("data/pf-willow-jpeg") }
}

/// Decodes every file of ../shared/jpegsuite and compares every sample with
/// djpeg's decode in `expected/`; refuses arithmetic coding by name and
/// rejects every corrupt file with an error naming it.
@Suite("ImageIO JPEG conformance", .enabled(if: SharedData.jpegSuite != nil, "../shared/jpegsuite is absent on this machine (a fresh clone): skipped"))
struct JPEGSuiteTests {
    struct Entry {
        var file: String
        var category: String
        var size: String
        var mode: String
    }

    static func entries() throws -> [Entry] {
        let suite = try #require(SharedData.jpegSuite)
        let text = try String(contentsOf: suite.appendingPathComponent("EXPECTED.tsv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Entry(file: fields[0], category: fields[1], size: fields[2], mode: fields[3])
        }
    }

    /// The expected decode of `name`, read from its PPM/PGM file.
    static func expected(_ name: String) throws -> Image? {
        let suite = try #require(SharedData.jpegSuite)
        let stem = (name as NSString).deletingPathExtension
        for ext in ["ppm", "pgm"] {
            let url = suite.appendingPathComponent("expected").appendingPathComponent("\(stem).\(ext)")
            if FileManager.default.fileExists(atPath: url.path) { return try PPM.decode(contentsOf: url) }
        }
        return nil
    }

    @Test("every valid file decodes to exactly djpeg's samples")
    func validFilesMatch() throws {
        let suite = try #require(SharedData.jpegSuite)
        let valid = try Self.entries().filter { $0.category == "valid" }
        #expect(valid.count == 39)
        var exact = 0
        for entry in valid {
            let url = suite.appendingPathComponent(entry.file)
            let reference = try #require(try Self.expected(entry.file), "\(entry.file): no expected file")
            let image: Image
            do {
                image = try Image(contentsOf: url)
            } catch {
                Issue.record("\(entry.file): \(error)")
                continue
            }
            #expect(image.width == reference.width && image.height == reference.height && image.channels == reference.channels,
                    "\(entry.file): \(image.width)×\(image.height)×\(image.channels), expected \(reference.width)×\(reference.height)×\(reference.channels)")
            guard image.samples.count == reference.samples.count else { continue }
            let differing = zip(image.samples, reference.samples).filter { $0 != $1 }.count
            let largest = zip(image.samples, reference.samples).map { abs(Int($0) - Int($1)) }.max() ?? 0
            #expect(differing == 0, "\(entry.file): \(differing) samples differ (largest difference \(largest))")
            if differing == 0 { exact += 1 }
        }
        #expect(exact == valid.count, "\(exact) of \(valid.count) files sample-exact")
    }

    @Test("arithmetic-coded files are refused by name")
    func arithmeticFilesAreRefused() throws {
        let suite = try #require(SharedData.jpegSuite)
        let files = try Self.entries().filter { $0.category == "arithmetic" }
        #expect(files.count == 2)
        for entry in files {
            let url = suite.appendingPathComponent(entry.file)
            #expect {
                _ = try Image(contentsOf: url)
            } throws: { error in
                guard let error = error as? ImageIOError else { return false }
                return error.kind == .unsupported && error.problem.contains("arithmetic coding") && error.source == url.path
            }
        }
    }

    @Test("every corrupt file is rejected with an error naming it")
    func corruptFilesAreRejected() throws {
        let suite = try #require(SharedData.jpegSuite)
        let files = try Self.entries().filter { $0.category == "corrupt" }
        #expect(files.count == 9)
        for entry in files {
            let url = suite.appendingPathComponent(entry.file)
            do {
                _ = try Image(contentsOf: url)
                Issue.record("\(entry.file) decoded but is corrupt")
            } catch {
                #expect(error.source == url.path)
                #expect(!error.problem.isEmpty)
                print("\(entry.file): [\(error.kind.rawValue)] \(error.problem)")
            }
        }
    }

    @Test("the EXIF file is returned as stored and its orientation is 6")
    func exifOrientation() throws {
        let suite = try #require(SharedData.jpegSuite)
        let data = [UInt8](try Data(contentsOf: suite.appendingPathComponent("exif_orientation6.jpg")))
        let (image, orientation) = try JPEGDecoder.decodeWithOrientation(data, name: "exif")
        #expect(orientation == .rotate90Clockwise)
        #expect(JPEGDecoder.orientation(of: data) == .rotate90Clockwise)
        #expect(image == (try Self.expected("exif_orientation6.jpg")))
        let upright = image.applyingOrientation(orientation)
        #expect(upright.width == image.height && upright.height == image.width)
        // Rotated 90° clockwise: the displayed top-left pixel is the stored bottom-left one.
        for c in 0..<3 { #expect(upright[0, 0, c] == image[0, image.height - 1, c]) }
    }
}
