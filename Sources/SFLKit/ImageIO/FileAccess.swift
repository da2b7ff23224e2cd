import Foundation

/// Reads the whole file at `url`, reporting failures as ``ImageIOError``.
func readFile(_ url: URL) throws(ImageIOError) -> [UInt8] {
    do {
        return [UInt8](try Data(contentsOf: url))
    } catch {
        throw ImageIOError(source: url.path, kind: .fileSystem, problem: "cannot read file (\(error.localizedDescription))")
    }
}

/// Writes `bytes` to `url` atomically: into a temporary file in the same
/// directory, then renamed over the destination, so that a crash never
/// leaves a half-written file at `url`.
func writeFileAtomically(_ bytes: [UInt8], to url: URL) throws(ImageIOError) {
    let directory = url.deletingLastPathComponent()
    let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    do {
        try Data(bytes).write(to: temporary)
    } catch {
        throw ImageIOError(source: url.path, kind: .fileSystem,
                           problem: "cannot write temporary file (\(error.localizedDescription))")
    }
    if rename(temporary.path, url.path) != 0 {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(at: temporary)
        throw ImageIOError(source: url.path, kind: .fileSystem, problem: "cannot rename temporary file into place (\(reason))")
    }
}
