/// Sums the middle axis of `input` viewed as `[outer, length, inner]` into
/// `output` of `[outer, inner]`.
///
/// Each output element adds its terms in index order (along `inner`, in
/// lock-step, which vectorises), except for `inner == 1`, where the contiguous
/// run is summed by sixteen interleaved partial sums combined in a fixed tree;
/// either way the order never depends on the thread count.
func reduceSumKernel<S: TensorScalar>(_ input: UnsafePointer<S>, outer: Int, length: Int, inner: Int, _ output: UnsafeMutablePointer<S>, threads: Int) {
    let input = SendablePointer(UnsafeMutablePointer(mutating: input)), output = SendablePointer(output)
    let blocks = outer * length * inner >= 1 << 17 ? min(outer, 64) : 1
    Parallel.forEachBlock(blocks, threads: threads) { block in
        for o in Parallel.range(of: block, splitting: outer, into: blocks) {
            let source = input.base + o * length * inner, target = output.base + o * inner
            if inner == 1 {
                target[0] = contiguousSum(source, length)
                continue
            }
            if length == 0 {
                for i in 0..<inner { target[i] = 0 }
                continue
            }
            for i in 0..<inner { target[i] = source[i] }
            for k in 1..<length {
                let row = source + k * inner
                for i in 0..<inner { target[i] += row[i] }
            }
        }
    }
}

/// The sum of `count` contiguous scalars, added in a fixed order by sixteen
/// interleaved partial sums (more accurate than one running sum, and vectorised).
@inline(__always)
func contiguousSum<S: TensorScalar>(_ x: UnsafePointer<S>, _ count: Int) -> S {
    var partial = SIMD16<S>()
    var i = 0
    let raw = UnsafeRawPointer(x)
    while i + 16 <= count {
        partial += raw.loadUnaligned(fromByteOffset: i * MemoryLayout<S>.stride, as: SIMD16<S>.self)
        i += 16
    }
    var tail = S.zero
    while i < count { tail += x[i]; i += 1 }
    let eight = partial.lowHalf + partial.highHalf
    let four = eight.lowHalf + eight.highHalf
    let two = four.lowHalf + four.highHalf
    return (two[0] + two[1]) + tail
}
