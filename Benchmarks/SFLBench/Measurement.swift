import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock seconds of `body`.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// The median time of `repeats` runs of `body` after one warm-up run.
func medianSeconds(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<repeats { times.append(try seconds(body)) }
    times.sort()
    return times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
}

/// One reported figure.
struct BenchmarkResult: Codable {
    var group: String
    var name: String
    var seconds: Double
    var gflops: Double?
    var percentOfPeak: Double?
    /// Bytes per second, for the memory group.
    var gigabytesPerSecond: Double?
    /// The least time the operation's own memory traffic takes, for the conv
    /// group (see ``MemoryBandwidth/seconds(reading:writing:)``).
    var memoryFloorSeconds: Double?
    var note: String?
}

/// Peak resident memory of this process since the last reset, from /proc (Linux); nil elsewhere.
enum PeakMemory {
    /// Returns the memory that earlier benchmarks freed to the system (glibc
    /// keeps freed heap pages otherwise, and they would count against the next
    /// benchmark), then resets the kernel's high-water mark (`VmHWM`) to the
    /// current resident size.
    static func reset() {
        #if canImport(Glibc)
        typealias MallocTrim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(nil, "malloc_trim") { _ = unsafeBitCast(symbol, to: MallocTrim.self)(0) }
        #endif
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// `VmHWM` in bytes.
    static func bytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kilobytes * 1024
    }
}

/// The median of each figure over `rounds` (each round the same benchmarks
/// in the same order), in the first round's order. The probe's row is
/// matched by group, since its best shape may differ between rounds. Each
/// row's note gives the range over the rounds of its share of the peak,
/// its bandwidth or its time, whichever it reports.
func medianOfRounds(_ rounds: [[BenchmarkResult]]) -> [BenchmarkResult] {
    func key(_ result: BenchmarkResult) -> String { result.group == "probe" ? "probe" : result.name }
    func median(_ values: [Double]) -> Double {
        let sorted = values.sorted(), middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
    func medianIfPresent(_ values: [Double?]) -> Double? {
        let present = values.compactMap { $0 }
        return present.count == values.count ? median(present) : nil
    }
    return (rounds.first ?? []).map { first in
        let same = rounds.compactMap { round in round.first { key($0) == key(first) } }
        var result = first
        result.seconds = median(same.map(\.seconds))
        result.gflops = medianIfPresent(same.map(\.gflops))
        result.percentOfPeak = medianIfPresent(same.map(\.percentOfPeak))
        result.gigabytesPerSecond = medianIfPresent(same.map(\.gigabytesPerSecond))
        result.memoryFloorSeconds = medianIfPresent(same.map(\.memoryFloorSeconds))
        if first.group == "probe" {
            let shapes = Set(same.map(\.name))
            if shapes.count > 1 { result.name = "peak multiply-add (best per round)" }
        }
        let (values, format): ([Double], String) =
            if first.percentOfPeak != nil { (same.compactMap(\.percentOfPeak), "%.0f–%.0f %% over %d rounds") }
            else if first.gigabytesPerSecond != nil { (same.compactMap(\.gigabytesPerSecond), "%.1f–%.1f GB/s over %d rounds") }
            else if first.gflops != nil { (same.compactMap(\.gflops), "%.1f–%.1f GFLOP/s over %d rounds") }
            else { (same.map { $0.seconds * 1000 }, "%.3f–%.3f ms over %d rounds") }
        result.note = String(format: format, values.min() ?? 0, values.max() ?? 0, same.count)
        return result
    }
}
