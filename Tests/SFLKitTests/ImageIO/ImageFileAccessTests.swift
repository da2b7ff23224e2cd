import Foundation
import Testing
@testable import SFLKit

/// Special files for the file-access tests: each is refused before it is read.
enum SpecialFiles {
    /// Creates a FIFO (named pipe) at `url`; nothing ever writes to it, so reading it would block.
    static func makeFIFO(_ url: URL) throws {
        guard mkfifo(url.path, 0o644) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// Creates a sparse file of `size` bytes (holes: no disk space used, reads give zeros).
    static func makeSparseFile(_ url: URL, size: UInt64, startingWith prefix: [UInt8] = []) throws {
        try Data(prefix).write(to: url)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.truncate(atOffset: size)
    }

    /// Creates a symbolic link at `url` to `/dev/zero`, a device that never ends.
    static func makeLinkToDevZero(_ url: URL) throws {
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: "/dev/zero")
    }
}

@Suite("ImageIO file access: only regular files, size and signature checked first")
struct ImageFileAccessTests {
    /// The error `body` throws, or nil.
    static func error(_ body: () throws -> Void) -> ImageIOError? {
        do { try body(); return nil } catch let error as ImageIOError { return error } catch { return nil }
    }

    @Test func aFIFOIsRefusedWithoutBlocking() throws {
        let folder = try makeTemporaryFolder("sflkit-fifo")
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("pipe.png")
        try SpecialFiles.makeFIFO(fifo)
        let error = try #require(Self.error { _ = try Image(contentsOf: fifo) })
        #expect(error.kind == .fileSystem)
        #expect(error.description == "\(fifo.path): is a FIFO (named pipe), not a regular file; not read")
        #expect(Self.error { _ = try PNGDecoder.decode(contentsOf: fifo) }?.description == error.description)
    }

    @Test func aDeviceAndALinkToOneAreRefused() throws {
        let folder = try makeTemporaryFolder("sflkit-device")
        defer { try? FileManager.default.removeItem(at: folder) }
        let link = folder.appendingPathComponent("zero.png")
        try SpecialFiles.makeLinkToDevZero(link)
        let viaLink = try #require(Self.error { _ = try Image(contentsOf: link) })
        #expect(viaLink.kind == .fileSystem)
        #expect(viaLink.description == "\(link.path): is a link to a character device, not a regular file; not read")
        let device = URL(fileURLWithPath: "/dev/zero")
        #expect(Self.error { _ = try JPEGDecoder.decode(contentsOf: device) }?.description
                == "/dev/zero: is a character device, not a regular file; not read")
    }

    @Test func aDirectoryIsRefused() throws {
        let folder = try makeTemporaryFolder("sflkit-directory")
        defer { try? FileManager.default.removeItem(at: folder) }
        let directory = folder.appendingPathComponent("album.ppm")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        let error = try #require(Self.error { _ = try PPM.decode(contentsOf: directory) })
        #expect(error.kind == .fileSystem)
        #expect(error.description == "\(directory.path): is a directory, not a regular file; not read")
    }

    @Test func anOversizedFileIsRefusedBeforeReading() throws {
        let folder = try makeTemporaryFolder("sflkit-oversized")
        defer { try? FileManager.default.removeItem(at: folder) }
        let big = folder.appendingPathComponent("big.png")
        try SpecialFiles.makeSparseFile(big, size: 1 << 32, startingWith: PNGDecoder.signature)
        let error = try #require(Self.error { _ = try Image(contentsOf: big) })
        #expect(error.kind == .limitExceeded)
        #expect(error.description == "\(big.path): is 4294967296 bytes (4.0 GiB), more than the limit of 268435456 bytes "
                + "(ImageDecodingLimits.maxFileBytes); not read")
        // The limit is the caller's: a small real image over a small limit is refused too, under it it loads.
        let small = folder.appendingPathComponent("small.png")
        try ImageIOPNGCodecTests.randomImage(width: 20, height: 10, channels: 3, bitDepth: 8, seed: 4).write(to: small)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: small.path)[.size] as? Int)
        #expect(Self.error { _ = try Image(contentsOf: small, limits: ImageDecodingLimits(maxFileBytes: size - 1)) }?.kind == .limitExceeded)
        #expect(try Image(contentsOf: small, limits: ImageDecodingLimits(maxFileBytes: size)).width == 20)
    }

    @Test func aWrongSignatureIsNamedAsEachReaderWordsIt() throws {
        let folder = try makeTemporaryFolder("sflkit-signature")
        defer { try? FileManager.default.removeItem(at: folder) }
        // 1 TiB, sparse, and no size limit: only its first bytes can have been read.
        let gif = folder.appendingPathComponent("photo.png")
        try SpecialFiles.makeSparseFile(gif, size: 1 << 40, startingWith: Array("GIF89a".utf8))
        let unknown = try #require(Self.error { _ = try Image(contentsOf: gif, limits: ImageDecodingLimits(maxFileBytes: .max)) })
        #expect(unknown.kind == .badSignature)
        #expect(unknown.description == "\(gif.path): not a PNG, PGM or PPM file, nor a JPEG (unknown signature)")
        // A decoder of one format refuses another format by its signature.
        let ppm = folder.appendingPathComponent("grey.pgm")
        try ImageIOPNGCodecTests.randomImage(width: 8, height: 8, channels: 1, bitDepth: 8, seed: 5).write(to: ppm)
        #expect(Self.error { _ = try PNGDecoder.decode(contentsOf: ppm) }?.description == "\(ppm.path): not a PNG file (wrong signature)")
        #expect(Self.error { _ = try JPEGDecoder.decode(contentsOf: ppm) }?.description == "\(ppm.path): not a JPEG file (no SOI marker)")
        #expect(Self.error { _ = try PPM.decode(contentsOf: gif, limits: ImageDecodingLimits(maxFileBytes: .max)) }?.description
                == "\(gif.path): not a binary PGM/PPM file (expected P5 or P6)")
        #expect(try Image(contentsOf: ppm).channels == 1)
        // A file no longer than a signature goes to the decoder, which says it is truncated.
        let stub = folder.appendingPathComponent("stub.png")
        try Data(PNGDecoder.signature.prefix(5)).write(to: stub)
        #expect(Self.error { _ = try PNGDecoder.decode(contentsOf: stub) }?.kind == .truncated)
        let missing = folder.appendingPathComponent("missing.png")
        #expect(Self.error { _ = try Image(contentsOf: missing) }?.description == "\(missing.path): cannot be read (No such file or directory)")
    }
}
