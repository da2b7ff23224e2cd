import Dispatch

/// The machine's multiply-add peak for `Float` as this build compiles it:
/// twelve independent `SIMD16<Float>` chains of `acc = acc * m + c` (one
/// multiply and one add per lane, the operations of the convolution kernels'
/// `acc += a * b`), on `threads` threads. Returns GFLOP/s (2 FLOPs per lane
/// and step).
func measurePeakGFLOPS(threads: Int) -> Double {
    let steps = 20_000_000
    let sums = UnsafeMutablePointer<Float>.allocate(capacity: threads)
    defer { sums.deallocate() }
    let sink = SinkPointer(sums)
    let elapsed = seconds {
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            sink.base[thread] = peakChains(steps: steps, seed: Float(thread))
        }
    }
    precondition((0..<threads).allSatisfy { sums[$0].isFinite }, "probe result lost")
    return Double(steps) * 12 * 16 * 2 * Double(threads) / elapsed / 1e9
}

/// Twelve dependent chains, summed so that nothing is optimised away.
@inline(never)
private func peakChains(steps: Int, seed: Float) -> Float {
    let m = SIMD16<Float>(repeating: 0.999_999), c = SIMD16<Float>(repeating: 1e-7 * (seed + 1))
    var a0 = SIMD16<Float>(repeating: 1), a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3, a4 = a0 + 4, a5 = a0 + 5
    var a6 = a0 + 6, a7 = a0 + 7, a8 = a0 + 8, a9 = a0 + 9, a10 = a0 + 10, a11 = a0 + 11
    for _ in 0..<steps {
        a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c
        a4 = a4 * m + c; a5 = a5 * m + c; a6 = a6 * m + c; a7 = a7 * m + c
        a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c
    }
    let total = (a0 + a1 + a2 + a3) + (a4 + a5 + a6 + a7) + (a8 + a9 + a10 + a11)
    return total.sum()
}

/// An output buffer that each probe thread writes one distinct slot of.
struct SinkPointer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    init(_ base: UnsafeMutablePointer<Float>) { self.base = base }
}
