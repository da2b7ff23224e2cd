import Foundation

/// Every file under a folder, by relative path, with its bytes (directories
/// as empty entries ending in `/`): compared before and after an operation
/// that must change nothing on disk.
func folderSnapshot(_ folder: URL) throws -> [String: Data] {
    var snapshot: [String: Data] = [:]
    let base = folder.standardizedFileURL.path
    guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isDirectoryKey]) else { return [:] }
    for case let url as URL in enumerator {
        let path = String(url.standardizedFileURL.path.dropFirst(base.count + 1))
        if try url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory == true {
            snapshot[path + "/"] = Data()
        } else {
            snapshot[path] = try Data(contentsOf: url)
        }
    }
    return snapshot
}

/// A copy of `folder` in a fresh temporary folder, removed by the caller.
func copyOfFolder(_ folder: URL, _ prefix: String) throws -> URL {
    let copy = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.copyItem(at: folder, to: copy)
    return copy
}
