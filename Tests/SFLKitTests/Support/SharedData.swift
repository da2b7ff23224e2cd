import Foundation

/// Where the project's shared data (`../shared` beside the repository) is,
/// when this machine has it, found from this file's path so the tests run
/// from any working directory. A user's fresh clone has none: tests that need
/// it are then disabled with a message that says so.
enum SharedData {
    /// The repository root (this file is `Tests/SFLKitTests/Support/SharedData.swift`).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `<repository>/../shared`, or nil when it is absent.
    static let root: URL? = {
        let shared = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: shared.path, isDirectory: &isDirectory) && isDirectory.boolValue ? shared : nil
    }()

    /// A folder inside `../shared`, or nil when absent.
    static func folder(_ relativePath: String) -> URL? {
        guard let url = root?.appendingPathComponent(relativePath), FileManager.default.fileExists(atPath: url.path) else { return nil }
        return url
    }

    static var pngSuite: URL? { folder("pngsuite") }
    static var willow: URL? { folder("data/pf-willow") }
    static var willowPPM: URL? { folder("data/pf-willow-ppm") }

    /// The files in `folder` whose names end with `suffix`, sorted.
    static func files(in folder: URL, suffix: String) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// The message of a test that skips because `../shared` is absent.
    static let absentMessage = "../shared is absent on this machine (a fresh clone): this test needs the project's shared data and is skipped"
}
