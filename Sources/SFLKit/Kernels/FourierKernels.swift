import Foundation

/// A mixed-radix plan for discrete Fourier transforms of one length `N`: the
/// prime factors of `N` and the twiddles `e^(−2πik/N)`.
///
/// Prime factors are handled by one butterfly of `p²` complex multiply-adds
/// per `p` elements, so a length with a large prime factor degrades towards
/// a direct `O(N²)` DFT; the sizes of photographs (powers of 2, 3 and 5) stay
/// near `O(N log N)`.
struct FourierPlan<S: TensorScalar> {
    /// The transform length `N`.
    let length: Int
    /// The radices of the stages, in order (2s first).
    let factors: [Int]
    /// `cos(2πk/N)` and `sin(2πk/N)` for `k` in `0..<N`.
    let cosines: [S], sines: [S]

    init(length: Int) {
        self.length = length
        var factors: [Int] = []
        var remainder = length, divisor = 2
        while remainder > 1 {
            if divisor * divisor > remainder { factors.append(remainder); break }
            if remainder % divisor == 0 { factors.append(divisor); remainder /= divisor } else { divisor += divisor == 2 ? 1 : 2 }
        }
        self.factors = factors
        cosines = (0..<length).map { S(Foundation.cos(2 * Double.pi * Double($0) / Double(length))) }
        sines = (0..<length).map { S(Foundation.sin(2 * Double.pi * Double($0) / Double(length))) }
    }
}

/// Transforms `N = plan.length` vectors of `width` complex values along the
/// vector index: `X[k] = Σ_e x[e] · e^(−2πi·ek/N)`, each vector of the
/// result the same combination of the input vectors (one DFT per column,
/// vectorised across the columns).
///
/// Self-sorting (Stockham) decimation in frequency: a stage of radix `p` on
/// subproblems of length `n = p·m` with stride `s` reads `a_r = x[q + s(j + r·m)]`
/// and writes `y[q + s(p·j + t)] = W_n^(jt) · Σ_r a_r · ω_p^(rt)`; the
/// results come out in natural order. Vector `e` lies at `e · width` in the
/// split real and imaginary buffers; the two buffer pairs are used in turn.
///
/// - Returns: whether the result is in `(yr, yi)` (otherwise in `(xr, xi)`).
private func fourierStages<S: TensorScalar>(_ plan: FourierPlan<S>, _ xr: UnsafeMutablePointer<S>, _ xi: UnsafeMutablePointer<S>,
                                            _ yr: UnsafeMutablePointer<S>, _ yi: UnsafeMutablePointer<S>, width: Int) -> Bool {
    let total = plan.length
    var (ar, ai, br, bi) = (xr, xi, yr, yi)
    var resultInY = false
    var n = total, s = 1
    for p in plan.factors {
        let m = n / p, twiddleStep = total / n, rootStep = total / p
        for j in 0..<m {
            for q in 0..<s {
                if p == 2 {
                    let c = plan.cosines[j * twiddleStep], sn = plan.sines[j * twiddleStep]
                    let ur = ar + (q + s * j) * width, ui = ai + (q + s * j) * width
                    let vr = ar + (q + s * (j + m)) * width, vi = ai + (q + s * (j + m)) * width
                    let sr = br + (q + s * 2 * j) * width, si = bi + (q + s * 2 * j) * width
                    let dr = br + (q + s * (2 * j + 1)) * width, di = bi + (q + s * (2 * j + 1)) * width
                    for col in 0..<width {
                        let a = ur[col], b = ui[col], e = vr[col], f = vi[col]
                        sr[col] = a + e
                        si[col] = b + f
                        let hr = a - e, hi = b - f
                        dr[col] = hr * c + hi * sn
                        di[col] = hi * c - hr * sn
                    }
                    continue
                }
                for t in 0..<p {
                    let outR = br + (q + s * (p * j + t)) * width, outI = bi + (q + s * (p * j + t)) * width
                    let firstR = ar + (q + s * j) * width, firstI = ai + (q + s * j) * width
                    outR.update(from: firstR, count: width)
                    outI.update(from: firstI, count: width)
                    for r in 1..<p {
                        let root = (r * t) % p * rootStep
                        let c = plan.cosines[root], sn = plan.sines[root]
                        let inR = ar + (q + s * (j + r * m)) * width, inI = ai + (q + s * (j + r * m)) * width
                        for col in 0..<width {
                            let a = inR[col], b = inI[col]
                            outR[col] += a * c + b * sn
                            outI[col] += b * c - a * sn
                        }
                    }
                    let twiddle = (j * t * twiddleStep) % total
                    if twiddle != 0 {
                        let c = plan.cosines[twiddle], sn = plan.sines[twiddle]
                        for col in 0..<width {
                            let a = outR[col], b = outI[col]
                            outR[col] = a * c + b * sn
                            outI[col] = b * c - a * sn
                        }
                    }
                }
            }
        }
        swap(&ar, &br)
        swap(&ai, &bi)
        resultInY.toggle()
        n = m
        s *= p
    }
    return resultInY
}

/// `rows × columns` complex values transposed into `columns × rows`, each
/// multiplied by `scale`.
private func transposeComplex<S: TensorScalar>(_ sr: UnsafePointer<S>, _ si: UnsafePointer<S>, _ tr: UnsafeMutablePointer<S>,
                                               _ ti: UnsafeMutablePointer<S>, rows: Int, columns: Int, scale: S) {
    let tile = 16
    for rowStart in stride(from: 0, to: rows, by: tile) {
        for columnStart in stride(from: 0, to: columns, by: tile) {
            for row in rowStart..<min(rows, rowStart + tile) {
                for column in columnStart..<min(columns, columnStart + tile) {
                    tr[column * rows + row] = sr[row * columns + column] * scale
                    ti[column * rows + row] = si[row * columns + column] * scale
                }
            }
        }
    }
}

/// The 2-D DFT of each of `planes` complex `height × width` planes:
/// `output[u, v] = scale · Σ_y Σ_x input[y, x] · e^(−2πi(uy/height + vx/width))`,
/// with the imaginary input zero when `imaginary` is nil.
///
/// One plane per parallel block: a transform along the height (vectorised
/// across the columns), a transpose, a transform along the width (vectorised
/// across the rows), and a transpose back that applies `scale`.
func fourierTransform2D<S: TensorScalar>(real: UnsafePointer<S>, imaginary: UnsafePointer<S>?, outputReal: UnsafeMutablePointer<S>,
                                         outputImaginary: UnsafeMutablePointer<S>, planes: Int, height: Int, width: Int,
                                         scale: Double, threads: Int) {
    let size = height * width
    if planes == 0 || size == 0 { return }
    let columnPlan = FourierPlan<S>(length: height), rowPlan = FourierPlan<S>(length: width)
    let real = SendablePointer(UnsafeMutablePointer(mutating: real))
    let imaginary = imaginary.map { SendablePointer(UnsafeMutablePointer(mutating: $0)) }
    let outputReal = SendablePointer(outputReal), outputImaginary = SendablePointer(outputImaginary)
    Parallel.forEachBlock(planes, threads: threads) { plane in
        let buffer = UnsafeMutablePointer<S>.allocate(capacity: 4 * size)
        defer { buffer.deallocate() }
        let ar = buffer, ai = buffer + size, br = buffer + 2 * size, bi = buffer + 3 * size
        ar.update(from: real.base + plane * size, count: size)
        if let imaginary { ai.update(from: imaginary.base + plane * size, count: size) } else { ai.update(repeating: 0, count: size) }
        // Along the height: vector y is row y (width values).
        let columnsInB = fourierStages(columnPlan, ar, ai, br, bi, width: width)
        let (cr, ci, dr, di) = columnsInB ? (br, bi, ar, ai) : (ar, ai, br, bi)
        transposeComplex(cr, ci, dr, di, rows: height, columns: width, scale: 1)
        // Along the width: vector x is column x (height values), now a row.
        let rowsInC = fourierStages(rowPlan, dr, di, cr, ci, width: height)
        let (er, ei) = rowsInC ? (cr, ci) : (dr, di)
        transposeComplex(er, ei, outputReal.base + plane * size, outputImaginary.base + plane * size, rows: width, columns: height,
                         scale: S(scale))
    }
}
