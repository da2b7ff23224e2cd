import Foundation
import SFLKit

/// The default folder of the `jpeg` group: ../shared/data/pf-willow-jpeg beside the repository.
let defaultJPEGFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/pf-willow-jpeg")

/// Decoding every JPEG of a folder (the 70 photographs as baseline 4:2:0 JPEG),
/// from memory on one thread, as Pillow is timed by Benchmarks/pillow_jpeg_decode.py.
func benchmarkJPEGDecoding(folder: URL, options: BenchmarkOptions) throws -> [BenchmarkResult] {
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        .filter { ["jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
    let contents = try files.map { [UInt8](try Data(contentsOf: folder.appendingPathComponent($0))) }
    var pixels = 0
    let time = try medianSeconds(repeats: max(options.repeats, 11)) {
        pixels = 0
        for (name, bytes) in zip(files, contents) {
            let image = try JPEGDecoder.decode(bytes, name: name)
            pixels += image.width * image.height
        }
    }
    var results = [BenchmarkResult(group: "jpeg", name: "decode \(files.count) JPEG files, 1 thread", seconds: time,
                                   note: "\(pixels) pixels, \(contents.map(\.count).reduce(0, +)) bytes, from memory")]
    // ImageFolder: reading the files, decoding, orientation; one image per thread.
    for threads in [1, 2] {
        var options = ImageFolder.Options()
        options.threads = threads
        var loaded = 0
        let folderTime = try medianSeconds(repeats: max(options.threads, 11)) {
            loaded = try ImageFolder(url: folder, options: options).entries.count
        }
        results.append(BenchmarkResult(group: "jpeg", name: "ImageFolder of \(loaded) JPEG files, \(threads) thread\(threads == 1 ? "" : "s")",
                                       seconds: folderTime, note: "from disk, orientation applied"))
    }
    return results
}
