import Dispatch

/// The machine's multiply-add peak for `Float` as this build compiles it: the
/// best of several register shapes of independent `acc = acc * m + c` chains
/// (one multiply and one add per lane, the operations of the convolution
/// kernels' `acc += a * b`), each run on `threads` threads at once. Returns
/// the best rate in GFLOP/s (2 FLOPs per lane and step) and the shape that
/// reached it.
///
/// Several shapes are needed because the best one depends on the build: the
/// default x86-64 target has sixteen 4-lane registers, so twelve `SIMD16`
/// chains (48 registers' worth) spill to memory and understate the peak, while
/// an AVX2 or AVX-512 build holds them in registers.
func measurePeakGFLOPS(threads: Int) -> (gflops: Double, shape: String) {
    let shapes: [(name: String, lanesTimesChains: Int, run: @Sendable (Int, Float) -> Float)] = [
        ("12 × SIMD4", 48, { peakChains12(SIMD4<Float>.self, steps: $0, seed: $1) }),
        ("6 × SIMD8", 48, { peakChains6(SIMD8<Float>.self, steps: $0, seed: $1) }),
        ("3 × SIMD16", 48, { peakChainsSIMD16x3(steps: $0, seed: $1) }),
        ("12 × SIMD8", 96, { peakChains12(SIMD8<Float>.self, steps: $0, seed: $1) }),
        ("12 × SIMD16", 192, { peakChains12(SIMD16<Float>.self, steps: $0, seed: $1) }),
    ]
    var best = (gflops: 0.0, shape: "")
    for shape in shapes {
        let steps = 960_000_000 / shape.lanesTimesChains
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: threads)
        defer { sums.deallocate() }
        let sink = SinkPointer(sums)
        let run = shape.run
        _ = run(steps / 10, 0)   // warm-up
        let elapsed = seconds {
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                sink.base[thread] = run(steps, Float(thread))
            }
        }
        precondition((0..<threads).allSatisfy { sums[$0].isFinite }, "probe result lost")
        let rate = Double(steps) * Double(shape.lanesTimesChains) * 2 * Double(threads) / elapsed / 1e9
        if rate > best.gflops { best = (rate, shape.name) }
    }
    return best
}

/// Twelve dependent chains of vectors `V`, summed so that nothing is optimised away.
@inline(never)
private func peakChains12<V: SIMD>(_: V.Type, steps: Int, seed: Float) -> Float where V.Scalar == Float {
    let m = V(repeating: 0.999_999), c = V(repeating: 1e-7 * (seed + 1))
    var a0 = V(repeating: 1), a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3, a4 = a0 + 4, a5 = a0 + 5
    var a6 = a0 + 6, a7 = a0 + 7, a8 = a0 + 8, a9 = a0 + 9, a10 = a0 + 10, a11 = a0 + 11
    for _ in 0..<steps {
        a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c
        a4 = a4 * m + c; a5 = a5 * m + c; a6 = a6 * m + c; a7 = a7 * m + c
        a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c
    }
    let total = (a0 + a1 + a2 + a3) + (a4 + a5 + a6 + a7) + (a8 + a9 + a10 + a11)
    return total.sum()
}

/// Six dependent chains of vectors `V` (with `SIMD8`, 48 lanes: twelve 4-lane
/// or six 8-lane registers, room left for `m` and `c`).
@inline(never)
private func peakChains6<V: SIMD>(_: V.Type, steps: Int, seed: Float) -> Float where V.Scalar == Float {
    let m = V(repeating: 0.999_999), c = V(repeating: 1e-7 * (seed + 1))
    var a0 = V(repeating: 1), a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3, a4 = a0 + 4, a5 = a0 + 5
    for _ in 0..<steps {
        a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c
        a3 = a3 * m + c; a4 = a4 * m + c; a5 = a5 * m + c
    }
    return ((a0 + a1) + (a2 + a3) + (a4 + a5)).sum()
}

/// Three chains of `SIMD16` (48 lanes).
@inline(never)
private func peakChainsSIMD16x3(steps: Int, seed: Float) -> Float {
    let m = SIMD16<Float>(repeating: 0.999_999), c = SIMD16<Float>(repeating: 1e-7 * (seed + 1))
    var a0 = SIMD16<Float>(repeating: 1), a1 = a0 + 1, a2 = a0 + 2
    for _ in 0..<steps {
        a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c
    }
    return (a0 + a1 + a2).sum()
}

/// An output buffer that each probe thread writes one distinct slot of.
struct SinkPointer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    init(_ base: UnsafeMutablePointer<Float>) { self.base = base }
}
