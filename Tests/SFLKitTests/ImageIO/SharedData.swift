import Foundation

/// Locates `/work/shared`-style data beside the package root (`../shared`),
/// found from this file's path so the tests run from any working directory.
enum SharedData {
    /// `<package root>/../shared`, or nil when it is absent.
    static let root: URL? = {
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()   // ImageIO
            .deletingLastPathComponent()   // SFLKitTests
            .deletingLastPathComponent()   // Tests
            .deletingLastPathComponent()   // package root
        let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: shared.path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? shared : nil
    }()

    /// A sub-folder of the shared data, or nil when absent.
    static func folder(_ relativePath: String) -> URL? {
        guard let url = root?.appendingPathComponent(relativePath) else { return nil }
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    static var pngSuite: URL? { folder("pngsuite") }
    static var willow: URL? { folder("data/pf-willow") }
    static var willowPPM: URL? { folder("data/pf-willow-ppm") }

    /// The files in `folder` whose names end with `suffix`, sorted.
    static func files(in folder: URL, suffix: String) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { folder.appendingPathComponent($0) }
    }
}
