import Foundation

/// Reads the whole file at `url`, reporting failures as ``ImageIOError``.
func readFile(_ url: URL) throws(ImageIOError) -> [UInt8] {
    do {
        return [UInt8](try Data(contentsOf: url))
    } catch {
        throw ImageIOError(source: url.path, kind: .fileSystem, problem: "cannot read file (\(error.localizedDescription))")
    }
}

/// Writes `bytes` to `url` atomically (see `writeAtomically(_:to:)`),
/// reporting failures as ``ImageIOError``.
func writeFileAtomically(_ bytes: [UInt8], to url: URL) throws(ImageIOError) {
    do {
        try writeAtomically(bytes, to: url)
    } catch {
        throw ImageIOError(source: url.path, kind: .fileSystem, problem: error.reason)
    }
}
