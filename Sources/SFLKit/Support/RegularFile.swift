import Foundation

/// Why a file could not be opened or read, in words, and the broad class of
/// the problem; each reader wraps it in its own error type.
struct FileReadFailure: Error {
    /// The broad class of a problem.
    enum Kind {
        /// The path is missing, unreadable, or a read failed.
        case system
        /// The path names a FIFO, a device, a directory or a socket.
        case notRegular
        /// The file is larger than the reader accepts.
        case tooLarge
    }

    let kind: Kind
    let reason: String
}

/// A regular file opened for reading, and nothing else: opening a FIFO, a
/// device, a directory or a socket (also through a link) fails at once,
/// without reading from it and without blocking.
///
/// A special file is refused from `stat` before it is opened; the file is
/// opened with `O_NONBLOCK`, so opening a FIFO never waits for a writer, and
/// the opened descriptor is checked again with `fstat` (so the check and the
/// reads concern the same file). ``size`` is the size `fstat`
/// reported; a reader checks it against its limit before reading, then reads
/// the first bytes and looks at them before reading the rest.
struct RegularFile: ~Copyable {
    /// The size in bytes when the file was opened.
    let size: Int
    private let descriptor: Int32

    /// Opens `path` for reading.
    ///
    /// - Throws: ``FileReadFailure`` of kind `.notRegular` naming what the
    ///   path is instead (and whether it is a link to it), or `.system` when
    ///   it cannot be opened.
    init(openingForReading path: String) throws(FileReadFailure) {
        // A special file is refused before it is opened (opening a device can
        // have effects of its own), and again after, in case the path changed.
        var status = stat()
        if stat(path, &status) == 0 { try Self.checkRegular(status, path: path) }
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FileReadFailure(kind: .system, reason: "cannot be read (\(String(cString: strerror(errno))))")
        }
        guard fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw FileReadFailure(kind: .system, reason: "cannot be examined (\(reason))")
        }
        do {
            try Self.checkRegular(status, path: path)
        } catch {
            close(descriptor)
            throw error
        }
        self.size = Int(status.st_size)
        self.descriptor = descriptor
    }

    /// Throws a `.notRegular` failure naming what `path` is, unless `status` is that of a regular file.
    private static func checkRegular(_ status: stat, path: String) throws(FileReadFailure) {
        guard status.st_mode & S_IFMT != S_IFREG else { return }
        var linkStatus = stat()
        let isLink = lstat(path, &linkStatus) == 0 && linkStatus.st_mode & S_IFMT == S_IFLNK
        throw FileReadFailure(kind: .notRegular, reason:
            "\(isLink ? "is a link to" : "is") \(describe(fileType: status.st_mode & S_IFMT)), not a regular file; not read")
    }

    deinit {
        close(descriptor)
    }

    /// Reads the next `count` bytes, or fewer if the file ends sooner.
    ///
    /// - Throws: ``FileReadFailure`` of kind `.system` when a read fails.
    func read(upTo count: Int) throws(FileReadFailure) -> [UInt8] {
        var bytes: [UInt8] = []
        try read(upTo: count, appendingTo: &bytes)
        return bytes
    }

    /// Reads the next `count` bytes, or fewer if the file ends sooner, and
    /// appends them to `bytes` (reserve its capacity first to read without copying).
    ///
    /// - Throws: ``FileReadFailure`` of kind `.system` when a read fails.
    func read(upTo count: Int, appendingTo bytes: inout [UInt8]) throws(FileReadFailure) {
        guard count > 0 else { return }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count))
        var filled = 0
        var failure: Int32 = 0
        bytes.withUnsafeMutableBytes { buffer in
            while filled < count {
                let result = Foundation.read(descriptor, buffer.baseAddress! + start + filled, count - filled)
                if result > 0 {
                    filled += result
                } else if result == 0 {
                    break
                } else if errno != EINTR {
                    failure = errno
                    break
                }
            }
        }
        bytes.removeLast(count - filled)
        guard failure == 0 else {
            throw FileReadFailure(kind: .system, reason: "cannot be read (\(String(cString: strerror(failure))))")
        }
    }

    /// Throws a `.tooLarge` failure when ``size`` exceeds `limit`, named in
    /// the message as `limitName`.
    func checkSize(atMost limit: Int, limitName: String) throws(FileReadFailure) {
        guard size <= limit else {
            throw FileReadFailure(kind: .tooLarge, reason: "is \(size) bytes (\(Self.describe(byteCount: size))), "
                + "more than the limit of \(limit) bytes (\(limitName)); not read")
        }
    }

    /// The kind of file an `st_mode & S_IFMT` value names, with its article.
    static func describe(fileType: mode_t) -> String {
        switch fileType {
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFDIR: "a directory"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        default: "a special file"
        }
    }

    /// `byteCount` in the largest binary unit that keeps it at least 1, e.g. `"4.0 GiB"`.
    static func describe(byteCount: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(byteCount)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(byteCount) bytes" : String(format: "%.1f", value) + " " + units[unit]
    }
}
