import Foundation

/// Where the project's shared data (`../shared` beside the repository) is,
/// when this machine has it. A user's fresh clone has none: tests that need
/// it are then disabled with a message that says so.
enum SharedData {
    /// The repository root (this file is `Tests/SFLKitTests/Support/SharedData.swift`).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared`, if it exists.
    static let directory: URL? = {
        let url = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }()

    /// A folder inside `../shared`, if it exists.
    static func folder(_ relativePath: String) -> URL? {
        guard let url = directory?.appendingPathComponent(relativePath), FileManager.default.fileExists(atPath: url.path) else { return nil }
        return url
    }

    /// The message of a test that skips because `../shared` is absent.
    static let absentMessage = "../shared is absent on this machine (a fresh clone): this test needs the project's shared data and is skipped"
}
