/// `c = a · b` for row-major `a` `[m, k]`, `b` `[k, n]`, `c` `[m, n]`.
///
/// Rows of `c` are computed in blocks chosen from `m` alone; each row adds
/// its `k` terms in index order, vectorised along `n`.
func matrixMultiplyKernel<S: TensorScalar>(_ a: UnsafePointer<S>, _ b: UnsafePointer<S>, _ c: UnsafeMutablePointer<S>, m: Int, k: Int, n: Int, threads: Int) {
    let a = SendablePointer(UnsafeMutablePointer(mutating: a)), b = SendablePointer(UnsafeMutablePointer(mutating: b))
    let c = SendablePointer(c)
    let blocks = m * k * n >= 1 << 16 ? min(m, 64) : 1
    Parallel.forEachBlock(blocks, threads: threads) { block in
        for row in Parallel.range(of: block, splitting: m, into: blocks) {
            let target = c.base + row * n
            target.update(repeating: 0, count: n)
            for p in 0..<k {
                let factor = a.base[row * k + p]
                let source = UnsafeRawPointer(b.base + p * n)
                let out = UnsafeMutableRawPointer(target)
                var j = 0
                let splat = SIMD16<S>(repeating: factor)
                while j + 16 <= n {
                    let offset = j * MemoryLayout<S>.stride
                    let sum = out.loadUnaligned(fromByteOffset: offset, as: SIMD16<S>.self)
                        + splat * source.loadUnaligned(fromByteOffset: offset, as: SIMD16<S>.self)
                    out.storeBytes(of: sum, toByteOffset: offset, as: SIMD16<S>.self)
                    j += 16
                }
                while j < n { target[j] += factor * b.base[p * n + j]; j += 1 }
            }
        }
    }
}
