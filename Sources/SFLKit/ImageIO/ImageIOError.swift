import Foundation

/// An error from reading or writing an image: which file (or which in-memory
/// data) and what is wrong with it, in words.
///
/// The ``description`` reads like `"cat.png: IDAT CRC mismatch"`. Decoders
/// never crash, hang or allocate without bound on bad input; they throw this.
public struct ImageIOError: SFLKitError, Equatable {
    /// The broad class of a problem, for callers that branch on it.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The data ends before the format says it should.
        case truncated
        /// The data is not of the expected format (wrong signature or magic).
        case badSignature
        /// A CRC-32 or Adler-32 checksum does not match.
        case checksumMismatch
        /// The data breaks a rule of the format (bad field, chunk order, code).
        case malformed
        /// The data is valid but uses a feature this library does not read.
        case unsupported
        /// The file, the image or its decompressed data is larger than the configured limits.
        case limitExceeded
        /// The image cannot be written in the requested format.
        case unrepresentable
        /// The file could not be read or written (missing, not a regular file
        /// but a FIFO, a device or a directory, permissions, disk).
        case fileSystem
    }

    /// The file path, or the name the caller gave for in-memory data.
    public let source: String
    /// The broad class of the problem.
    public let kind: Kind
    /// The problem in words, e.g. `"IDAT CRC mismatch"`.
    public let problem: String

    /// Creates an error about `source`.
    public init(source: String, kind: Kind, problem: String) {
        self.source = source
        self.kind = kind
        self.problem = problem
    }

}

/// A problem found by a codec that does not yet know the name of its input;
/// the public entry points attach the name and rethrow it as ``ImageIOError``.
struct FormatProblem: Error {
    let kind: ImageIOError.Kind
    let problem: String

    init(_ kind: ImageIOError.Kind, _ problem: String) {
        self.kind = kind
        self.problem = problem
    }

    func named(_ source: String) -> ImageIOError {
        ImageIOError(source: source, kind: kind, problem: problem)
    }
}

/// Runs `body`, turning any ``FormatProblem`` it throws into an
/// ``ImageIOError`` naming `source`.
func attachingSource<T>(_ source: String, _ body: () throws -> T) throws(ImageIOError) -> T {
    do {
        return try body()
    } catch let problem as FormatProblem {
        throw problem.named(source)
    } catch let error as ImageIOError {
        throw error
    } catch {
        throw ImageIOError(source: source, kind: .malformed, problem: "\(error)")
    }
}
