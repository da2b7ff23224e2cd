import Dispatch

/// The one place in SFLKit that starts threads.
///
/// Kernels split their work into a number of *blocks* chosen from the problem
/// size alone, never from the thread count, so that every block computes the
/// same values whatever the number of threads; `threads` only decides how many
/// blocks run at once. Each block writes disjoint memory, and any sum across
/// blocks is added afterwards in block order. Results are therefore
/// bit-identical for any thread count.
enum Parallel {
    /// Calls `body(block)` once for every block in `0..<blocks`, on up to
    /// `threads` threads at once.
    ///
    /// Runs serially on the calling thread when `threads <= 1` or `blocks <= 1`.
    /// Thread `t` takes blocks `t, t + threads, t + 2·threads, …`.
    ///
    /// - Requires: `body` is safe to call from several threads at once for
    ///   different blocks.
    @inline(__always)
    static func forEachBlock(_ blocks: Int, threads: Int, _ body: (Int) -> Void) {
        forEachBlock(blocks, threads: threads) { block, _ in body(block) }
    }

    /// The number of workers the `(block, worker)` form of `forEachBlock`
    /// runs `blocks` blocks on: `min(threads, blocks)`, at least 1.
    @inline(__always)
    static func workers(for blocks: Int, threads: Int) -> Int {
        max(1, min(threads, blocks))
    }

    /// Calls `body(block, worker)` once for every block in `0..<blocks`, on
    /// up to `threads` threads at once, where `worker` (in
    /// `0..<workers(for: blocks, threads: threads)`) is the same for all the
    /// blocks one thread runs, one after another.
    ///
    /// A kernel can index its per-block scratch by `worker` rather than by
    /// `block` (the stride-1 forward pass's edge strips do): each thread then
    /// reuses one region, which stays in its core's cache, and the scratch
    /// is `workers` regions instead of `blocks`.
    /// Whatever the block computes must not depend on `worker` (results stay
    /// independent of `threads`).
    @inline(__always)
    static func forEachBlock(_ blocks: Int, threads: Int, _ body: (_ block: Int, _ worker: Int) -> Void) {
        if blocks <= 0 { return }
        let workers = workers(for: blocks, threads: threads)
        if workers == 1 {
            for block in 0..<blocks { body(block, 0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = UnsafeSendableBox(body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var block = worker
                while block < blocks {
                    shared.value(block, worker)
                    block += workers
                }
            }
        }
    }

    /// Splits `0..<count` into `blocks` contiguous ranges of nearly equal size;
    /// returns the range of block `block`.
    @inline(__always)
    static func range(of block: Int, splitting count: Int, into blocks: Int) -> Range<Int> {
        (block * count / blocks)..<((block + 1) * count / blocks)
    }
}

/// Carries a non-Sendable value (a closure over unsafe buffers) into
/// `concurrentPerform`; the caller guarantees the threads touch disjoint memory.
struct UnsafeSendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// An unsafe pointer that may be captured by the closures of `Parallel`.
///
/// Kernels use it to hand output buffers to worker threads that each write a
/// disjoint part of them.
struct SendablePointer<Pointee>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Pointee>
    init(_ base: UnsafeMutablePointer<Pointee>) { self.base = base }
}
