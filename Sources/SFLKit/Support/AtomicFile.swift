import Foundation

/// Why an atomic write failed, in words.
struct AtomicWriteFailure: Error {
    let reason: String
}

/// Writes `bytes` to `url` atomically: into a temporary file in the same
/// directory, flushed to disk, then renamed over the destination. A crash of
/// the process at any point leaves either the old file or the new one, never
/// a partial one (surviving power loss would also need the directory synced).
func writeAtomically(_ bytes: [UInt8], to url: URL) throws(AtomicWriteFailure) {
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
        throw AtomicWriteFailure(reason: "cannot create a temporary file in \(url.deletingLastPathComponent().path)")
    }
    do {
        let handle = try FileHandle(forWritingTo: temporary)
        defer { try? handle.close() }
        try handle.write(contentsOf: bytes)
        try handle.synchronize()
    } catch {
        try? FileManager.default.removeItem(at: temporary)
        throw AtomicWriteFailure(reason: "cannot write the temporary file (\(error.localizedDescription))")
    }
    if rename(temporary.path, url.path) != 0 {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(at: temporary)
        throw AtomicWriteFailure(reason: "cannot rename the temporary file into place (\(reason))")
    }
}
