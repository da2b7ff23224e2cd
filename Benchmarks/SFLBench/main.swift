import Foundation
import SFLKit

// sfl-bench: speed of SFLKit's kernels and of a full training epoch of the
// paper, with the machine's own multiply-add peak measured in the same run.

/// Prints a table row for each result (unless JSON is requested).
func printRows(_ results: [BenchmarkResult], json: Bool) {
    guard !json else { return }
    for result in results {
        var line = "\(result.name.padding(toLength: 36, withPad: " ", startingAt: 0)) \(String(format: "%10.3f ms", result.seconds * 1000))"
        if let rate = result.gflops { line += String(format: "  %7.1f GFLOP/s", rate) }
        if let percent = result.percentOfPeak { line += String(format: "  %5.1f %% of peak", percent) }
        if let rate = result.gigabytesPerSecond { line += String(format: "  %7.1f GB/s", rate) }
        if let floor = result.memoryFloorSeconds {
            line += String(format: "  memory floor %.3f ms (%.0f %%)", floor * 1000, 100 * floor / result.seconds)
        }
        if let note = result.note { line += "  \(note)" }
        print(line)
    }
}

/// One round of the short groups (probe, memory, conv, upsample, log, losses): each
/// figure of them is measured once per round.
func runLayerGroups(options: BenchmarkOptions) -> [BenchmarkResult] {
    var results: [BenchmarkResult] = []
    var peak: Double?
    if options.groups.contains("probe") || options.groups.contains("conv") {
        let probe = measurePeakGFLOPS(threads: options.threads)
        peak = probe.gflops
        results.append(BenchmarkResult(group: "probe", name: "peak multiply-add (\(probe.shape))", seconds: 0, gflops: probe.gflops))
    }
    var bandwidth: MemoryBandwidth?
    if options.groups.contains("memory") || options.groups.contains("conv") {
        let measured = measureMemoryBandwidth(threads: options.threads, bufferBytes: 32 * options.height * options.width * 4,
                                              laps: 3)
        bandwidth = measured
        let buffer = String(format: "%.1f MB", Double(32 * options.height * options.width * 4) / 1e6)
        results.append(BenchmarkResult(group: "memory", name: "memory read, \(buffer) buffers", seconds: 0,
                                       gigabytesPerSecond: measured.readBytesPerSecond / 1e9))
        results.append(BenchmarkResult(group: "memory", name: "memory write, \(buffer) buffers", seconds: 0,
                                       gigabytesPerSecond: measured.writeBytesPerSecond / 1e9))
    }
    if options.groups.contains("conv") { results += benchmarkConvolutions(options: options, peak: peak, bandwidth: bandwidth) }
    if options.groups.contains("upsample") { results += benchmarkUpsampling(options: options) }
    if options.groups.contains("log") { results += benchmarkLoGBank(options: options) }
    if options.groups.contains("losses") { results += benchmarkLosses(options: options) }
    return results
}

/// Runs the requested groups and returns every result.
func runBenchmarks(options: BenchmarkOptions) throws -> [BenchmarkResult] {
    var results: [BenchmarkResult] = []
    func add(_ new: [BenchmarkResult]) {
        results += new
        printRows(new, json: options.json)
    }
    if !options.json {
        let rounds = options.rounds > 1 ? ", layer groups: median of \(options.rounds) rounds" : ""
        print("sfl-bench: \(options.threads) threads, \(options.height)×\(options.width), median of \(options.repeats) (epochs: \(options.epochRepeats))\(rounds), \(options.images) images per epoch")
    }
    if options.rounds == 1 {
        add(runLayerGroups(options: options))
    } else {
        add(medianOfRounds((0..<options.rounds).map { _ in runLayerGroups(options: options) }))
    }
    if options.groups.contains("decode") {
        let defaultFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/pf-willow")
        let folder = options.dataFolder.map { URL(fileURLWithPath: $0) } ?? defaultFolder
        if FileManager.default.fileExists(atPath: folder.path) {
            add(try benchmarkDecoding(folder: folder, options: options))
        } else if options.dataFolder != nil {
            BenchmarkOptions.fail("no folder at \(folder.path)")
        } else if !options.json {
            print("decode: skipped (no ../shared/data/pf-willow beside the repository; pass --data DIR)")
        }
    }
    if options.groups.contains("jpeg") {
        if FileManager.default.fileExists(atPath: defaultJPEGFolder.path) {
            add(try benchmarkJPEGDecoding(folder: defaultJPEGFolder, options: options))
        } else if !options.json {
            print("jpeg: skipped (no ../shared/data/pf-willow-jpeg beside the repository)")
        }
    }
    if options.groups.contains("epoch") { add(try benchmarkEpochs(options: options)) }
    return results
}

/// The JSON document of `--json`.
struct BenchmarkReport: Encodable {
    let threads: Int
    let images: Int
    let height: Int
    let width: Int
    let results: [BenchmarkResult]
}

let options = BenchmarkOptions(arguments: Array(CommandLine.arguments.dropFirst()))
do {
    let results = try withComputeThreads(options.threads) { try runBenchmarks(options: options) }
    if options.json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let report = BenchmarkReport(threads: options.threads, images: options.images, height: options.height, width: options.width, results: results)
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }
} catch {
    FileHandle.standardError.write(Data("sfl-bench: \(error)\n".utf8))
    exit(1)
}
