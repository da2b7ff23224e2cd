import Foundation

// Proves that a sanitizer really works on this toolchain before CI trusts its
// silence: `.ci/sanitizers` builds this file with -sanitize=thread and with
// -sanitize=address and requires each build to report its bug.
//   race     two threads increment one unprotected counter (ThreadSanitizer)
//   overflow a read one element past a heap allocation (AddressSanitizer)

final class Counter: @unchecked Sendable { var value = 0 }

@main
struct SanitizerCanary {
    static func main() {
        switch CommandLine.arguments.dropFirst().first {
        case "race":
            // Both threads are started and parked before either touches the
            // counter, then released together by the main thread. Without the
            // barrier the first thread could finish before the second began,
            // and Foundation's own locking around thread start and exit would
            // order the two loops, so TSan would rightly see no race (it
            // happened once in CI).
            let counter = Counter()
            let ready = DispatchSemaphore(value: 0)
            let go = DispatchSemaphore(value: 0)
            let done = DispatchSemaphore(value: 0)
            for _ in 0..<2 {
                Thread.detachNewThread {
                    ready.signal()
                    go.wait()
                    for _ in 0..<1_000_000 { counter.value += 1 }
                    done.signal()
                }
            }
            ready.wait()
            ready.wait()
            go.signal()
            go.signal()
            done.wait()
            done.wait()
            print("race: counter \(counter.value)")
        case "overflow":
            let buffer = UnsafeMutablePointer<Int>.allocate(capacity: 8)
            buffer.initialize(repeating: 1, count: 8)
            let past = buffer[8]
            print("overflow: read \(past)")
            buffer.deallocate()
        default:
            print("usage: sanitizer-canary race|overflow")
            exit(2)
        }
    }
}
