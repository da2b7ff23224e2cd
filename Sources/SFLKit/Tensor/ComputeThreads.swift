import Foundation

/// How many threads SFLKit's kernels may use in the current scope.
///
/// By default every active processor. ``withComputeThreads(_:_:)`` sets it
/// for a scope; the setting is task-local, never a mutable global. Kernels
/// split their work into blocks that do not depend on this number, so results
/// are bit-identical whatever it is: it changes only the speed.
public enum ComputeThreads {
    /// The number of active processors of this machine.
    public static let available = max(ProcessInfo.processInfo.activeProcessorCount, 1)
    /// The number of threads kernels may use in the current scope.
    @TaskLocal public static var current = available
}

/// Runs `body` with kernels using at most `count` threads and returns its result.
///
/// - Precondition: `count >= 1`.
public func withComputeThreads<Result>(_ count: Int, _ body: () throws -> Result) rethrows -> Result {
    check(count >= 1, "withComputeThreads: thread count must be at least 1, got \(count)")
    return try ComputeThreads.$current.withValue(count) { try body() }
}
