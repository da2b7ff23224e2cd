import Foundation
import SFLKit

// sfl-bench: speed of SFLKit's kernels and of a full training epoch of the
// paper, with the machine's own multiply-add peak measured in the same run.

let options = BenchmarkOptions(arguments: Array(CommandLine.arguments.dropFirst()))
var results: [BenchmarkResult] = []
var peak: Double?

func report(_ new: [BenchmarkResult]) {
    results += new
    guard !options.json else { return }
    for result in new {
        var line = "\(result.name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(String(format: "%10.3f ms", result.seconds * 1000))"
        if let rate = result.gflops { line += String(format: "  %7.1f GFLOP/s", rate) }
        if let percent = result.percentOfPeak { line += String(format: "  %5.1f %% of peak", percent) }
        if let note = result.note { line += "  \(note)" }
        print(line)
    }
}

do {
    try withComputeThreads(options.threads) {
        if !options.json {
            print("sfl-bench: \(options.threads) threads, \(options.height)×\(options.width), median of \(options.repeats) (epochs: \(options.epochRepeats))")
        }
        if options.groups.contains("probe") || options.groups.contains("conv") {
            let rate = measurePeakGFLOPS(threads: options.threads)
            peak = rate
            report([BenchmarkResult(group: "probe", name: "peak multiply-add (SIMD16<Float>)", seconds: 0, gflops: rate)])
        }
        if options.groups.contains("conv") { report(benchmarkConvolutions(options: options, peak: peak)) }
        if options.groups.contains("upsample") { report(benchmarkUpsampling(options: options)) }
        if options.groups.contains("log") { report(benchmarkLoGBank(options: options)) }
        if options.groups.contains("decode") {
            let defaultFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/pf-willow")
            let folder = options.dataFolder.map { URL(fileURLWithPath: $0) } ?? defaultFolder
            if FileManager.default.fileExists(atPath: folder.path) {
                report(try benchmarkDecoding(folder: folder, options: options))
            } else if options.dataFolder != nil {
                BenchmarkOptions.fail("no folder at \(folder.path)")
            } else if !options.json {
                print("decode: skipped (no ../shared/data/pf-willow; pass --data DIR)")
            }
        }
        if options.groups.contains("epoch") { report(try benchmarkEpochs(options: options)) }
    }
} catch {
    FileHandle.standardError.write(Data("sfl-bench: \(error)\n".utf8))
    exit(1)
}

if options.json {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let document = ["threads": Double(options.threads), "images": Double(options.images), "height": Double(options.height), "width": Double(options.width)]
    struct Output: Encodable { let settings: [String: Double]; let results: [BenchmarkResult] }
    print(String(decoding: try encoder.encode(Output(settings: document, results: results)), as: UTF8.self))
}
