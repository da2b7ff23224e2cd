import Dispatch
import Foundation
import Testing
@testable import SFLKit

// Other suites run kernels (which use the same cache) concurrently, so these
// tests assert only what holds whatever else is taken and given meanwhile.

@Suite("Scratch buffers")
struct ScratchBuffersTests {
    @Test("Buffers in use never overlap, are aligned, and keep their contents, under concurrent use")
    func concurrentBuffersStayPrivate() {
        let sizes = [10, 17_000, 300_001, 1 << 20, 2_500_000]
        let failures = ScratchFailureCount()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for round in 0..<20 {
                let count = sizes[(worker + round) % sizes.count]
                let a = ScratchBuffers.take(Int32.self, count: count)
                let b = ScratchBuffers.take(Int32.self, count: count)
                if Int(bitPattern: a) % 64 != 0 || Int(bitPattern: b) % 64 != 0 { failures.add() }
                if a == b { failures.add() }
                let tag = Int32(worker * 1000 + round)
                for i in 0..<count { a[i] = tag &+ Int32(i); b[i] = -tag &- Int32(i) }
                for i in 0..<count where a[i] != tag &+ Int32(i) || b[i] != -tag &- Int32(i) {
                    failures.add()
                    break
                }
                ScratchBuffers.give(b)
                ScratchBuffers.give(a)
            }
        }
        #expect(failures.value == 0)
    }

    @Test("Returned buffers are kept up to the limit and no further, oldest freed first")
    func retentionIsBounded() {
        let mebibyte = 1 << 20
        let cache = ScratchCache(minimumCachedBytes: 1 << 16, retainedByteLimit: 64 * mebibyte)
        let buffers = (0..<4).map { _ in cache.take(bytes: 24 * mebibyte) }
        for buffer in buffers { cache.give(buffer) }
        // Two of 24 MiB (each plus under 4 KiB of stagger) fit under 64 MiB.
        #expect(cache.retainedBytes >= 48 * mebibyte && cache.retainedBytes < 48 * mebibyte + 8192)
        // The two newest are kept, and taking 24 MiB twice reuses them newest first.
        let reused = [cache.take(bytes: 24 * mebibyte), cache.take(bytes: 24 * mebibyte)]
        #expect(reused == [buffers[3], buffers[2]])
        #expect(cache.retainedBytes == 0)
        for buffer in reused { cache.give(buffer) }
    }

    @Test("A buffer is reused only for requests it fits without wasting more than half of itself")
    func bestFitWithinTwice() {
        let cache = ScratchCache(minimumCachedBytes: 1 << 16, retainedByteLimit: 1 << 30)
        let small = cache.take(bytes: 1 << 20), large = cache.take(bytes: 4 << 20)
        cache.give(small)
        cache.give(large)
        let forMiddle = cache.take(bytes: 3 << 20)    // only the 4 MiB buffer fits
        #expect(forMiddle == large)
        let forTiny = cache.take(bytes: 100_000)       // 1 MiB would waste more than half: new buffer
        #expect(forTiny != small)
        let forHalf = cache.take(bytes: 600_000)       // fits the 1 MiB buffer within 2×
        #expect(forHalf == small)
        // Buffers under the minimum are never kept.
        let below = cache.take(bytes: 1_000)
        cache.give(below)
        #expect(cache.retainedBytes == 0)
        for buffer in [forMiddle, forTiny, forHalf] { cache.give(buffer) }
    }

    @Test("Large tensor storage comes from the cache and goes back to it when the tensor dies")
    func tensorStorageIsPooled() {
        // 150 MiB (address space only: one page is touched): a buffer that no
        // other suite's request (all under 75 MiB) can be given, so it is
        // still free when this test asks for it again.
        let count = (150 << 20) / MemoryLayout<Float>.stride
        var storage: TensorStorage<Float>? = TensorStorage<Float>(uninitializedCount: count)
        let address = storage!.base
        storage!.base[count - 1] = 7
        storage = nil
        let reused = ScratchBuffers.take(Float.self, count: count)
        #expect(reused == address)
        ScratchBuffers.give(reused)
    }
}

/// A failure counter the concurrent workers share.
private final class ScratchFailureCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
