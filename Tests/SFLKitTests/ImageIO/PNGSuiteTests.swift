import Foundation
import Testing
@testable import SFLKit

/// Decodes every file of PngSuite and compares every sample with the
/// reference decode in `expected/<name>.rgba16`; rejects every corrupt file.
@Suite("ImageIO PngSuite conformance", .enabled(if: SharedData.pngSuite != nil, "../shared/pngsuite is absent"))
struct ImageIOPNGSuiteTests {
    /// Expands a decoded image to 16-bit RGBA, the layout of the reference files.
    static func rgba16(_ image: Image) -> [UInt16] {
        let rgba = image.convertingGreyToRGB().converted(toBitDepth: 16)
        if rgba.channels == 4 { return rgba.samples }
        var out: [UInt16] = []
        out.reserveCapacity(rgba.width * rgba.height * 4)
        for p in 0..<(rgba.width * rgba.height) {
            out.append(contentsOf: rgba.samples[(p * 3)..<(p * 3 + 3)])
            out.append(0xFFFF)
        }
        return out
    }

    @Test("every valid file decodes to exactly the reference samples")
    func validFilesMatchReference() throws {
        let suite = try #require(SharedData.pngSuite)
        let files = SharedData.files(in: suite, suffix: ".png").filter { !$0.lastPathComponent.hasPrefix("x") }
        #expect(files.count == 160)
        var compared = 0
        for file in files {
            let image = try PNGDecoder.decode(contentsOf: file)
            let referenceURL = suite.appendingPathComponent("expected")
                .appendingPathComponent(file.deletingPathExtension().lastPathComponent + ".rgba16")
            let bytes = [UInt8](try Data(contentsOf: referenceURL))
            let reference = stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
            let actual = Self.rgba16(image)
            #expect(actual.count == reference.count, "\(file.lastPathComponent): sample count")
            let mismatches = zip(actual, reference).filter { $0 != $1 }.count
            #expect(mismatches == 0, "\(file.lastPathComponent): \(mismatches) samples differ")
            if actual == reference { compared += 1 }
        }
        #expect(compared == files.count)
    }

    @Test("every corrupt file is rejected with an error naming it")
    func corruptFilesAreRejected() throws {
        let suite = try #require(SharedData.pngSuite)
        let files = SharedData.files(in: suite, suffix: ".png").filter { $0.lastPathComponent.hasPrefix("x") }
        #expect(files.count == 14)
        for file in files {
            do {
                _ = try PNGDecoder.decode(contentsOf: file)
                Issue.record("\(file.lastPathComponent) decoded but is corrupt")
            } catch {
                #expect(error.source == file.path)
                #expect(!error.problem.isEmpty)
            }
        }
    }
}
