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
            let counter = Counter()
            let done = DispatchSemaphore(value: 0)
            for _ in 0..<2 {
                Thread.detachNewThread {
                    for _ in 0..<100_000 { counter.value += 1 }
                    done.signal()
                }
            }
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
