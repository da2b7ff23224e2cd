import Foundation
import Testing
@testable import SFLKit

@Suite("ImageIO dataset folder")
struct ImageIOFolderTests {
    static func makeFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sflkit-folder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub.png"), withIntermediateDirectories: true)
        let rgb = ImageIOPNGCodecTests.randomImage(width: 40, height: 20, channels: 3, bitDepth: 8, seed: 1)
        let grey = ImageIOPNGCodecTests.randomImage(width: 10, height: 30, channels: 1, bitDepth: 8, seed: 2)
        let rgba = ImageIOPNGCodecTests.randomImage(width: 16, height: 16, channels: 4, bitDepth: 16, seed: 3)
        try rgb.write(to: folder.appendingPathComponent("b.png"))
        try grey.write(to: folder.appendingPathComponent("a.pgm"))
        try rgba.write(to: folder.appendingPathComponent("d.png"))
        try rgb.write(to: folder.appendingPathComponent("c.ppm"))
        try Data("not an image".utf8).write(to: folder.appendingPathComponent("bad.png"))
        var truncated = PNGEncoder.encode(rgb)
        truncated.removeLast(30)
        try Data(truncated).write(to: folder.appendingPathComponent("e.png"))
        try Data("notes".utf8).write(to: folder.appendingPathComponent("readme.txt"))
        try rgb.write(to: folder.appendingPathComponent(".hidden.png"))
        return folder
    }

    @Test func loadsSortedConvertsAndReportsFailures() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let dataset = try ImageFolder(url: folder, options: .init(longestSide: 24))
        #expect(dataset.entries.map(\.name) == ["a.pgm", "b.png", "c.ppm", "d.png"])
        #expect(dataset.failures.map { URL(fileURLWithPath: $0.source).lastPathComponent } == ["bad.png", "e.png"])
        #expect(dataset.failures.map(\.kind) == [.badSignature, .truncated])
        #expect(dataset.images.allSatisfy { $0.channels == 3 && max($0.width, $0.height) == 24 })
        #expect(dataset.images[0].width == 8 && dataset.images[1].height == 12)
        #expect(dataset.report.contains("loaded 4 images, 2 could not be read"))
        #expect(dataset.report.contains("bad.png: not a PNG, PGM or PPM file"))
        // Deterministic: a second load gives the same pixels.
        #expect(try ImageFolder(url: folder, options: .init(longestSide: 24)).entries == dataset.entries)
    }

    @Test func capsTheCountAndKeepsFormatsWhenAsked() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let two = try ImageFolder(url: folder, options: .init(maxCount: 2, alpha: .keep, convertGreyToRGB: false))
        #expect(two.entries.map(\.name) == ["a.pgm", "b.png"])
        #expect(two.images.map(\.channels) == [1, 3])
        // The cap counts loaded images: the bad file before the third does not use up a place.
        let three = try ImageFolder(url: folder, options: .init(maxCount: 3))
        #expect(three.entries.map(\.name) == ["a.pgm", "b.png", "c.ppm"])
        #expect(three.failures.count == 1)
        let missing = folder.appendingPathComponent("nope")
        #expect(throws: ImageIOError.self) { try ImageFolder(url: missing) }
    }

    /// Issue 23's folder: one valid PNG beside a 4 GiB sparse file, a FIFO and
    /// a link to /dev/zero, all named `.png`. The PNG loads; the others are
    /// reported with their reasons, none of them read (reading would block on
    /// the FIFO, never end on /dev/zero, and take 4 GiB for the sparse file).
    @Test func specialAndOversizedFilesAreReportedUnread() throws {
        let folder = try makeTemporaryFolder("sflkit-special-folder")
        defer { try? FileManager.default.removeItem(at: folder) }
        try ImageIOPNGCodecTests.randomImage(width: 40, height: 30, channels: 3, bitDepth: 8, seed: 6)
            .write(to: folder.appendingPathComponent("a.png"))
        try SpecialFiles.makeSparseFile(folder.appendingPathComponent("big.png"), size: 1 << 32, startingWith: PNGDecoder.signature)
        try SpecialFiles.makeFIFO(folder.appendingPathComponent("fifo.png"))
        try SpecialFiles.makeLinkToDevZero(folder.appendingPathComponent("zero.png"))
        let dataset = try ImageFolder(url: folder, options: .init(longestSide: 24))
        #expect(dataset.entries.map(\.name) == ["a.png"])
        #expect(dataset.failures.map(\.kind) == [.limitExceeded, .fileSystem, .fileSystem])
        #expect(dataset.failures.map(\.description) == [
            "\(folder.path)/big.png: is 4294967296 bytes (4.0 GiB), more than the limit of 268435456 bytes (ImageDecodingLimits.maxFileBytes); not read",
            "\(folder.path)/fifo.png: is a FIFO (named pipe), not a regular file; not read",
            "\(folder.path)/zero.png: is a link to a character device, not a regular file; not read",
        ])
        #expect(dataset.report.contains("loaded 1 image, 3 could not be read"))
    }

    @Test("loads pf-willow: 70 images of 3 channels, longest side 300",
          .enabled(if: SharedData.willow != nil, "../shared/data/pf-willow is absent"))
    func loadsWillow() throws {
        let dataset = try ImageFolder(url: try #require(SharedData.willow), options: .init(longestSide: 300))
        #expect(dataset.entries.count == 70 && dataset.failures.isEmpty)
        #expect(dataset.images.allSatisfy { $0.channels == 3 && max($0.width, $0.height) == 300 })
        #expect(dataset.entries.first?.name == "car_Cars_000a.png")
    }
}
