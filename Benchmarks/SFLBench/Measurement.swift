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
