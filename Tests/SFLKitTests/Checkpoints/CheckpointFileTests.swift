import Foundation
import Testing
@testable import SFLKit

@Suite("Checkpoint files: only regular files, sized from their header before reading")
struct CheckpointFileTests {
    /// A small weights-only checkpoint: one 4 × 8 tensor of `value`, recorded in the metadata too.
    static func checkpoint(_ value: Float, count: Int = 32) -> Checkpoint<Float> {
        let state = ModelState<Float>(parameters: [("w", Tensor(shape: [count / 8, 8], scalars: Array(repeating: value, count: count)))])
        return Checkpoint(model: state, metadata: ["value": "\(value)"])
    }

    /// The description of the error reading `url` throws, or nil.
    static func problem(_ url: URL) -> String? {
        do { _ = try Checkpoint<Float>(contentsOf: url); return nil } catch { return error.description }
    }

    @Test func aFIFOADeviceLinkAndADirectoryAreRefusedUnread() throws {
        let folder = try makeTemporaryFolder("sflkit-checkpoint-special")
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("fifo.ckpt")
        try SpecialFiles.makeFIFO(fifo)
        #expect(Self.problem(fifo) == "\(fifo.path): is a FIFO (named pipe), not a regular file; not read")
        let zero = folder.appendingPathComponent("zero.ckpt")
        try SpecialFiles.makeLinkToDevZero(zero)
        #expect(Self.problem(zero) == "\(zero.path): is a link to a character device, not a regular file; not read")
        #expect(Self.problem(folder) == "\(folder.path): is a directory, not a regular file; not read")
        #expect(Self.problem(folder.appendingPathComponent("none.ckpt"))?.hasSuffix("none.ckpt: cannot be read (No such file or directory)") == true)
    }

    @Test func aFileIsReadOnlyAsFarAsItsHeaderDescribes() throws {
        let folder = try makeTemporaryFolder("sflkit-checkpoint-size")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bytes = Self.checkpoint(1.5).encoded()
        let good = folder.appendingPathComponent("good.ckpt")
        try Data(bytes).write(to: good)
        #expect(try Checkpoint<Float>(contentsOf: good).metadata == ["value": "1.5"])

        // A valid checkpoint followed by a 1 TiB hole: refused from its size alone.
        let padded = folder.appendingPathComponent("padded.ckpt")
        try SpecialFiles.makeSparseFile(padded, size: 1 << 40, startingWith: bytes)
        #expect(Self.problem(padded) == "\(padded.path): is 1099511627776 bytes, more than the \(bytes.count) its header describes; not read")
        let truncated = folder.appendingPathComponent("truncated.ckpt")
        try Data(bytes.dropLast(10)).write(to: truncated)
        #expect(Self.problem(truncated) == "\(truncated.path): is truncated (\(bytes.count - 10) bytes; its header describes \(bytes.count))")

        // 1 TiB of zeros: not a checkpoint, known from its first 16 bytes.
        let zeros = folder.appendingPathComponent("zeros.ckpt")
        try SpecialFiles.makeSparseFile(zeros, size: 1 << 40)
        #expect(Self.problem(zeros) == "\(zeros.path): is not an SFLKit checkpoint (wrong magic bytes)")

        // A header length beyond the limit is refused before the header is read.
        var hugeHeader = bytes
        hugeHeader.replaceSubrange(12..<16, with: [0x00, 0x00, 0x00, 0x40])   // 1 GiB
        let claims = folder.appendingPathComponent("claims.ckpt")
        try SpecialFiles.makeSparseFile(claims, size: 1 << 31, startingWith: hugeHeader)
        #expect(Self.problem(claims) == "\(claims.path): declares a header of 1073741824 bytes, more than the limit of 16777216; not read")
    }
}
