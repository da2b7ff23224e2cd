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

    @Test("Returned buffers are kept up to the limit and no further")
    func retentionIsBounded() {
        let count = 6 << 20  // 24 MiB of Float each
        let buffers = (0..<8).map { _ in ScratchBuffers.take(Float.self, count: count) }
        for buffer in buffers {
            buffer[count - 1] = 1
            ScratchBuffers.give(buffer)
        }
        #expect(ScratchBuffers.retainedBytes <= ScratchBuffers.retainedByteLimit)
        #expect(ScratchBuffers.retainedBytes >= 24 << 20)  // the last one given is kept
    }
}

/// A failure counter the concurrent workers share.
private final class ScratchFailureCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
