import Foundation

/// Why an atomic write failed, in words.
struct AtomicWriteFailure: Error {
    let reason: String
}

/// Writes `bytes` to `url` atomically: into a temporary file in the same
/// directory, flushed to disk, then renamed over the destination, and the
/// directory flushed too. A crash of the process (or of the machine) at any
/// point leaves either the old file or the new one, never a partial one.
///
/// The temporary file is named `.<name>.<UUID>.tmp` and is locked (`flock`)
/// while it is written. A process killed while writing leaves its temporary
/// file behind, unlocked: the next write to the same destination removes
/// every unlocked temporary file of that destination. Temporary files of
/// writers still running are locked and left alone.
func writeAtomically(_ bytes: [UInt8], to url: URL) throws(AtomicWriteFailure) {
    let directory = url.deletingLastPathComponent()
    removeStaleTemporaryFiles(of: url)
    let (temporary, descriptor) = try createLockedTemporaryFile(for: url)
    defer { close(descriptor) }   // releases the lock, after the rename
    func fail(_ what: String, _ code: Int32) -> AtomicWriteFailure {
        unlink(temporary)
        return AtomicWriteFailure(reason: "\(what) (\(String(cString: strerror(code))))")
    }
    var written = 0
    var failure: Int32 = 0
    bytes.withUnsafeBytes { buffer in
        while written < buffer.count {
            let result = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            if result >= 0 {
                written += result
            } else if errno != EINTR {
                failure = errno
                break
            }
        }
    }
    guard failure == 0 else { throw fail("cannot write the temporary file", failure) }
    guard fsync(descriptor) == 0 else { throw fail("cannot flush the temporary file to disk", errno) }
    guard rename(temporary, url.path) == 0 else { throw fail("cannot rename the temporary file into place", errno) }
    try syncDirectory(directory)
}

/// Creates `.<name>.<UUID>.tmp` beside `url`, opened for writing and locked.
///
/// A concurrent ``removeStaleTemporaryFiles(of:)`` may remove the file
/// between its creation and its locking; then the path no longer names the
/// opened file, and another name is tried.
private func createLockedTemporaryFile(for url: URL) throws(AtomicWriteFailure) -> (path: String, descriptor: Int32) {
    let directory = url.deletingLastPathComponent()
    for _ in 0..<8 {
        let path = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw AtomicWriteFailure(reason: "cannot create a temporary file in \(directory.path) (\(reason))")
        }
        guard flock(descriptor, LOCK_EX) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            unlink(path)
            throw AtomicWriteFailure(reason: "cannot lock the temporary file \(path) (\(reason))")
        }
        if sameFile(path, descriptor) { return (path, descriptor) }
        close(descriptor)   // removed as stale before it was locked: try a new name
    }
    throw AtomicWriteFailure(reason: "cannot keep a temporary file in \(directory.path): it is removed as soon as it is created")
}

/// Removes the temporary files that writes to `url` left behind when their
/// process was killed: those named `.<name>.<UUID>.tmp` that no writer has
/// locked. Best effort: a file that cannot be examined or removed stays.
func removeStaleTemporaryFiles(of url: URL) {
    let directory = url.deletingLastPathComponent()
    let prefix = ".\(url.lastPathComponent)."
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
    for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
        let middle = name.dropFirst(prefix.count).dropLast(4)
        guard UUID(uuidString: String(middle)) != nil else { continue }
        let path = directory.appendingPathComponent(name).path
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { continue }
        // Unlocked means its writer has died (a lock lasts as long as the writer's descriptor).
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0, sameFile(path, descriptor) {
            unlink(path)
        }
        close(descriptor)
    }
}

/// Whether `path` still names the file open as `descriptor` (same device and inode).
private func sameFile(_ path: String, _ descriptor: Int32) -> Bool {
    var byPath = stat(), byDescriptor = stat()
    guard lstat(path, &byPath) == 0, fstat(descriptor, &byDescriptor) == 0 else { return false }
    return byPath.st_dev == byDescriptor.st_dev && byPath.st_ino == byDescriptor.st_ino
}

/// Flushes `directory` to disk, so that a rename in it survives a power loss.
/// File systems that cannot sync a directory (`EINVAL`) are accepted as they are.
private func syncDirectory(_ directory: URL) throws(AtomicWriteFailure) {
    let descriptor = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else {
        let reason = String(cString: strerror(errno))
        throw AtomicWriteFailure(reason: "renamed into place, but cannot open \(directory.path) to flush it (\(reason))")
    }
    defer { close(descriptor) }
    guard fsync(descriptor) == 0 || errno == EINVAL else {
        let reason = String(cString: strerror(errno))
        throw AtomicWriteFailure(reason: "renamed into place, but cannot flush \(directory.path) to disk (\(reason))")
    }
}
