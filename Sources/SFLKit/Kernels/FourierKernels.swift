import Foundation

/// A mixed-radix plan for discrete Fourier transforms of one length `N`: the
/// radices of its stages and the twiddles `e^(−2πik/N)`.
///
/// Radices 2, 3, 4 and 5 have dedicated one-pass butterflies; any other
/// prime factor `p` goes through a generic butterfly of `p²` complex
/// multiply-adds per `p` elements, so a length with a large prime factor
/// degrades towards a direct `O(N²)` DFT while the sizes of photographs
/// (products of 2, 3 and 5) stay near `O(N log N)`.
struct FourierPlan<S: TensorScalar> {
    /// The transform length `N`.
    let length: Int
    /// The radices of the stages, in order (4s first, then primes).
    let factors: [Int]
    /// `cos(2πk/N)` and `sin(2πk/N)` for `k` in `0..<N`.
    let cosines: [S], sines: [S]

    init(length: Int) {
        self.length = length
        var primes: [Int] = []
        var remainder = length, divisor = 2
        while remainder > 1 {
            if divisor * divisor > remainder { primes.append(remainder); break }
            if remainder % divisor == 0 { primes.append(divisor); remainder /= divisor } else { divisor += divisor == 2 ? 1 : 2 }
        }
        // Pairs of 2s become radix-4 stages.
        let twos = primes.filter { $0 == 2 }.count
        factors = [Int](repeating: 4, count: twos / 2) + (twos % 2 == 1 ? [2] : []) + primes.filter { $0 != 2 }
        cosines = (0..<length).map { S(Foundation.cos(2 * Double.pi * Double($0) / Double(length))) }
        sines = (0..<length).map { S(Foundation.sin(2 * Double.pi * Double($0) / Double(length))) }
    }
}

/// Split-complex rows: vector `e` of a transform is the `columns` values at
/// `e · stride + columnOffset` of `real` and `imaginary`.
private struct ComplexRows<S: TensorScalar> {
    let real: UnsafeMutablePointer<S>, imaginary: UnsafeMutablePointer<S>
    @inline(__always) func re(_ vector: Int, _ stride: Int) -> UnsafeMutablePointer<S> { real + vector * stride }
    @inline(__always) func im(_ vector: Int, _ stride: Int) -> UnsafeMutablePointer<S> { imaginary + vector * stride }
}

/// The lanes of the transforms' vectors; every pass runs over a multiple of it.
private let fourierLanes = 8

/// `(a + ib) · (c − i·s)`: multiplication by the twiddle `e^(−iθ)` with `c = cos θ`, `s = sin θ`.
@inline(__always)
private func rotate<S: TensorScalar>(_ a: SIMD8<S>, _ b: SIMD8<S>, _ c: S, _ s: S) -> (SIMD8<S>, SIMD8<S>) { (a * c + b * s, b * c - a * s) }

@inline(__always)
private func load<S: TensorScalar>(_ pointer: UnsafeMutablePointer<S>, _ column: Int) -> SIMD8<S> {
    UnsafeRawPointer(pointer + column).loadUnaligned(as: SIMD8<S>.self)
}

@inline(__always)
private func store<S: TensorScalar>(_ vector: SIMD8<S>, _ pointer: UnsafeMutablePointer<S>, _ column: Int) {
    UnsafeMutableRawPointer(pointer + column).storeBytes(of: vector, as: SIMD8<S>.self)
}

@inline(__always)
private func store<S: TensorScalar>(_ pair: (SIMD8<S>, SIMD8<S>), _ real: UnsafeMutablePointer<S>, _ imaginary: UnsafeMutablePointer<S>,
                                    _ column: Int) {
    store(pair.0, real, column)
    store(pair.1, imaginary, column)
}

/// Transforms `N = plan.length` vectors of `count` (a multiple of 8) complex values along the
/// vector index: `X[k] = Σ_e x[e] · e^(−2πi·ek/N)`, each vector of the
/// result the same combination of the input vectors (one DFT per column,
/// vectorised across the columns).
///
/// Self-sorting (Stockham) decimation in frequency: a stage of radix `p` on
/// subproblems of length `n = p·m` with stride `s` reads `a_r = x[q + s(j + r·m)]`
/// and writes `y[q + s(p·j + t)] = W_n^(jt) · Σ_r a_r · ω_p^(rt)`, so the
/// results come out in natural order. Vector `e` holds the `count` values at
/// `e · stride` in the split real and imaginary buffers `x` and `y`, which
/// the stages use in turn.
///
/// - Returns: whether the result is in `y` (otherwise in `x`).
private func fourierStages<S: TensorScalar>(_ plan: FourierPlan<S>, _ x: ComplexRows<S>, _ y: ComplexRows<S>,
                                            stride rowStride: Int, count: Int) -> Bool {
    let total = plan.length
    var (current, next) = (x, y)
    var resultInY = false
    var n = total, subStride = 1
    plan.cosines.withUnsafeBufferPointer { cosines in
    plan.sines.withUnsafeBufferPointer { sines in
    for p in plan.factors {
        // Constants of the stage (the nested functions below capture no variable).
        let m = n / p, twiddleStep = total / n, rootStep = total / p, s = subStride, source = current, target = next
        for j in 0..<m {
            for q in 0..<s {
                @inline(__always) func input(_ r: Int) -> (UnsafeMutablePointer<S>, UnsafeMutablePointer<S>) {
                    (source.re(q + s * (j + r * m), rowStride), source.im(q + s * (j + r * m), rowStride))
                }
                @inline(__always) func output(_ t: Int) -> (UnsafeMutablePointer<S>, UnsafeMutablePointer<S>) {
                    (target.re(q + s * (p * j + t), rowStride), target.im(q + s * (p * j + t), rowStride))
                }
                @inline(__always) func twiddle(_ t: Int) -> (S, S) { (cosines[j * t * twiddleStep], sines[j * t * twiddleStep]) }
                switch p {
                case 2:
                    let (a0r, a0i) = input(0), (a1r, a1i) = input(1), (y0r, y0i) = output(0), (y1r, y1i) = output(1)
                    let (c1, s1) = twiddle(1)
                    for col in stride(from: 0, to: count, by: fourierLanes) {
                        let x0r = load(a0r, col), x0i = load(a0i, col), x1r = load(a1r, col), x1i = load(a1i, col)
                        store((x0r + x1r, x0i + x1i), y0r, y0i, col)
                        store(rotate(x0r - x1r, x0i - x1i, c1, s1), y1r, y1i, col)
                    }
                case 3:
                    let (a0r, a0i) = input(0), (a1r, a1i) = input(1), (a2r, a2i) = input(2)
                    let (y0r, y0i) = output(0), (y1r, y1i) = output(1), (y2r, y2i) = output(2)
                    let (c1, s1) = twiddle(1), (c2, s2) = twiddle(2)
                    let half = S(0.5), root = S(0.75.squareRoot())   // ω₃ = −½ − i·√3/2
                    for col in stride(from: 0, to: count, by: fourierLanes) {
                        let x0r = load(a0r, col), x0i = load(a0i, col), x1r = load(a1r, col), x1i = load(a1i, col)
                        let x2r = load(a2r, col), x2i = load(a2i, col)
                        let sr = x1r + x2r, si = x1i + x2i
                        let dr = (x1r - x2r) * root, di = (x1i - x2i) * root
                        let tr = x0r - sr * half, ti = x0i - si * half
                        store((x0r + sr, x0i + si), y0r, y0i, col)
                        store(rotate(tr + di, ti - dr, c1, s1), y1r, y1i, col)
                        store(rotate(tr - di, ti + dr, c2, s2), y2r, y2i, col)
                    }
                case 4:
                    let (a0r, a0i) = input(0), (a1r, a1i) = input(1), (a2r, a2i) = input(2), (a3r, a3i) = input(3)
                    let (y0r, y0i) = output(0), (y1r, y1i) = output(1), (y2r, y2i) = output(2), (y3r, y3i) = output(3)
                    let (c1, s1) = twiddle(1), (c2, s2) = twiddle(2), (c3, s3) = twiddle(3)
                    for col in stride(from: 0, to: count, by: fourierLanes) {
                        let x0r = load(a0r, col), x0i = load(a0i, col), x1r = load(a1r, col), x1i = load(a1i, col)
                        let x2r = load(a2r, col), x2i = load(a2i, col), x3r = load(a3r, col), x3i = load(a3i, col)
                        let s02r = x0r + x2r, s02i = x0i + x2i, d02r = x0r - x2r, d02i = x0i - x2i
                        let s13r = x1r + x3r, s13i = x1i + x3i, d13r = x1r - x3r, d13i = x1i - x3i
                        store((s02r + s13r, s02i + s13i), y0r, y0i, col)
                        store(rotate(d02r + d13i, d02i - d13r, c1, s1), y1r, y1i, col)
                        store(rotate(s02r - s13r, s02i - s13i, c2, s2), y2r, y2i, col)
                        store(rotate(d02r - d13i, d02i + d13r, c3, s3), y3r, y3i, col)
                    }
                case 5:
                    let (a0r, a0i) = input(0), (a1r, a1i) = input(1), (a2r, a2i) = input(2), (a3r, a3i) = input(3), (a4r, a4i) = input(4)
                    let (y0r, y0i) = output(0), (y1r, y1i) = output(1), (y2r, y2i) = output(2), (y3r, y3i) = output(3), (y4r, y4i) = output(4)
                    let (c1, s1) = twiddle(1), (c2, s2) = twiddle(2), (c3, s3) = twiddle(3), (c4, s4) = twiddle(4)
                    let k1 = S(Foundation.cos(2 * Double.pi / 5)), k2 = S(Foundation.cos(4 * Double.pi / 5))
                    let l1 = S(Foundation.sin(2 * Double.pi / 5)), l2 = S(Foundation.sin(4 * Double.pi / 5))
                    for col in stride(from: 0, to: count, by: fourierLanes) {
                        let x1r = load(a1r, col), x1i = load(a1i, col), x4r = load(a4r, col), x4i = load(a4i, col)
                        let x2r = load(a2r, col), x2i = load(a2i, col), x3r = load(a3r, col), x3i = load(a3i, col)
                        let s14r = x1r + x4r, s14i = x1i + x4i, d14r = x1r - x4r, d14i = x1i - x4i
                        let s23r = x2r + x3r, s23i = x2i + x3i, d23r = x2r - x3r, d23i = x2i - x3i
                        let x0r = load(a0r, col), x0i = load(a0i, col)
                        store((x0r + s14r + s23r, x0i + s14i + s23i), y0r, y0i, col)
                        let e1r = x0r + s14r * k1 + s23r * k2, e1i = x0i + s14i * k1 + s23i * k2
                        let v1r = d14r * l1 + d23r * l2, v1i = d14i * l1 + d23i * l2
                        store(rotate(e1r + v1i, e1i - v1r, c1, s1), y1r, y1i, col)
                        store(rotate(e1r - v1i, e1i + v1r, c4, s4), y4r, y4i, col)
                        let e2r = x0r + s14r * k2 + s23r * k1, e2i = x0i + s14i * k2 + s23i * k1
                        let v2r = d14r * l2 - d23r * l1, v2i = d14i * l2 - d23i * l1
                        store(rotate(e2r + v2i, e2i - v2r, c2, s2), y2r, y2i, col)
                        store(rotate(e2r - v2i, e2i + v2r, c3, s3), y3r, y3i, col)
                    }
                default:
                    let (c, sn) = (0..<p).map { twiddle($0) }.reduce(into: ([S](), [S]())) { $0.0.append($1.0); $0.1.append($1.1) }
                    for col in stride(from: 0, to: count, by: fourierLanes) {
                        for t in 0..<p {
                            let (firstR, firstI) = input(0)
                            var sumR = load(firstR, col), sumI = load(firstI, col)
                            for r in 1..<p {
                                let root = (r * t) % p * rootStep
                                let (inR, inI) = input(r)
                                let (rotatedR, rotatedI) = rotate(load(inR, col), load(inI, col), cosines[root], sines[root])
                                sumR += rotatedR
                                sumI += rotatedI
                            }
                            let (outR, outI) = output(t)
                            store(rotate(sumR, sumI, c[t], sn[t]), outR, outI, col)
                        }
                    }
                }
            }
        }
        (current, next) = (next, current)
        resultInY.toggle()
        n = m
        subStride *= p
    }
    }
    }
    return resultInY
}

/// `rows × columns` complex values (rows `sourceStride` apart) transposed
/// into `columns` rows of `rows` values (`targetStride` apart), each
/// multiplied by `scale`; the target's padding columns `rows..<targetStride`
/// are set to zero.
private func transposeComplex<S: TensorScalar>(_ sr: UnsafePointer<S>, _ si: UnsafePointer<S>, sourceStride: Int,
                                               _ tr: UnsafeMutablePointer<S>, _ ti: UnsafeMutablePointer<S>, targetStride: Int,
                                               rows: Int, columns: Int, scale: S) {
    /// One part: 4 × 4 tiles with SIMD4 loads, shuffles and stores, within tiles of 32 × 32 for the caches; scalar edges.
    func transposePart(_ source: UnsafePointer<S>, _ target: UnsafeMutablePointer<S>) {
        let fullRows = rows & ~3, fullColumns = columns & ~3
        let raw = UnsafeRawPointer(source), out = UnsafeMutableRawPointer(target)
        @inline(__always) func load(_ row: Int, _ column: Int) -> SIMD4<S> {
            raw.loadUnaligned(fromByteOffset: (row * sourceStride + column) * MemoryLayout<S>.stride, as: SIMD4<S>.self) * scale
        }
        @inline(__always) func store(_ vector: SIMD4<S>, _ row: Int, _ column: Int) {
            out.storeBytes(of: vector, toByteOffset: (row * targetStride + column) * MemoryLayout<S>.stride, as: SIMD4<S>.self)
        }
        for rowStart in stride(from: 0, to: fullRows, by: 32) {
            for columnStart in stride(from: 0, to: fullColumns, by: 32) {
                for row in stride(from: rowStart, to: min(fullRows, rowStart + 32), by: 4) {
                    for column in stride(from: columnStart, to: min(fullColumns, columnStart + 32), by: 4) {
                        let t = transpose4(load(row, column), load(row + 1, column), load(row + 2, column), load(row + 3, column))
                        store(t.0, column, row)
                        store(t.1, column + 1, row)
                        store(t.2, column + 2, row)
                        store(t.3, column + 3, row)
                    }
                }
            }
        }
        for row in 0..<rows {
            for column in (row < fullRows ? fullColumns : 0)..<columns {
                target[column * targetStride + row] = source[row * sourceStride + column] * scale
            }
        }
    }
    transposePart(sr, tr)
    transposePart(si, ti)
    if targetStride > rows {
        for column in 0..<columns {
            (tr + column * targetStride + rows).update(repeating: 0, count: targetStride - rows)
            (ti + column * targetStride + rows).update(repeating: 0, count: targetStride - rows)
        }
    }
}

/// Columns per parallel block of a transform pass (a constant multiple of
/// the lanes, so blocks never depend on the thread count).
private let fourierColumnsPerBlock = 64

/// The 2-D DFT of each of `planes` complex `height × width` planes:
/// `output[u, v] = scale · Σ_y Σ_x input[y, x] · e^(−2πi(uy/height + vx/width))`,
/// with the imaginary input zero when `imaginary` is nil.
///
/// Four passes over all planes, in scratch whose rows are padded to a
/// multiple of the vector lanes: transforms along the height (vectorised
/// across the columns, in parallel blocks of columns), a transpose,
/// transforms along the width (vectorised across the rows, in blocks of
/// rows), and a transpose back into the output that applies `scale`.
func fourierTransform2D<S: TensorScalar>(real: UnsafePointer<S>, imaginary: UnsafePointer<S>?, outputReal: UnsafeMutablePointer<S>,
                                         outputImaginary: UnsafeMutablePointer<S>, planes: Int, height: Int, width: Int,
                                         scale: Double, threads: Int) {
    if planes == 0 || height == 0 || width == 0 { return }
    let columnPlan = FourierPlan<S>(length: height), rowPlan = FourierPlan<S>(length: width)
    let paddedWidth = roundUp(width, toMultipleOf: fourierLanes), paddedHeight = roundUp(height, toMultipleOf: fourierLanes)
    let planeSize = max(height * paddedWidth, width * paddedHeight), all = planes * planeSize
    let buffer = ScratchBuffers.take(S.self, count: 4 * all)   // reused pages: no page faults per call
    defer { ScratchBuffers.give(buffer) }
    let a = ComplexRows(real: buffer, imaginary: buffer + all), b = ComplexRows(real: buffer + 2 * all, imaginary: buffer + 3 * all)
    let input = UnsafeSendableBox((real, imaginary))

    /// Copies the input into `a`, rows padded with zeros.
    Parallel.forEachBlock(planes, threads: threads) { plane in
        let (real, imaginary) = input.value
        for row in 0..<height {
            let target = plane * planeSize + row * paddedWidth, source = (plane * height + row) * width
            (a.real + target).update(from: real + source, count: width)
            (a.real + target + width).update(repeating: 0, count: paddedWidth - width)
            if let imaginary { (a.imaginary + target).update(from: imaginary + source, count: width) } else {
                (a.imaginary + target).update(repeating: 0, count: width)
            }
            (a.imaginary + target + width).update(repeating: 0, count: paddedWidth - width)
        }
    }
    /// One pass of transforms of `plan.length` vectors of `count` values (rows `count` apart) per plane.
    func transformPass(_ plan: FourierPlan<S>, from x: ComplexRows<S>, to y: ComplexRows<S>, count: Int) -> Bool {
        let blocksPerPlane = (count + fourierColumnsPerBlock - 1) / fourierColumnsPerBlock
        let buffers = UnsafeSendableBox((x, y))
        Parallel.forEachBlock(planes * blocksPerPlane, threads: threads) { block in
            let plane = block / blocksPerPlane, first = (block % blocksPerPlane) * fourierColumnsPerBlock
            let offset = plane * planeSize + first
            let (x, y) = buffers.value
            _ = fourierStages(plan, ComplexRows(real: x.real + offset, imaginary: x.imaginary + offset),
                              ComplexRows(real: y.real + offset, imaginary: y.imaginary + offset),
                              stride: count, count: min(fourierColumnsPerBlock, count - first))
        }
        return plan.factors.count % 2 == 1
    }
    /// Transposes every plane of `rows × columns` values from `x` into `y`, scaled.
    func transposePass(from x: ComplexRows<S>, sourceStride: Int, to y: ComplexRows<S>, targetStride: Int, targetPlaneSize: Int,
                       rows: Int, columns: Int, scale: S) {
        let buffers = UnsafeSendableBox((x, y))
        Parallel.forEachBlock(planes, threads: threads) { plane in
            let (x, y) = buffers.value
            transposeComplex(x.real + plane * planeSize, x.imaginary + plane * planeSize, sourceStride: sourceStride,
                             y.real + plane * targetPlaneSize, y.imaginary + plane * targetPlaneSize, targetStride: targetStride,
                             rows: rows, columns: columns, scale: scale)
        }
    }
    // Along the height: vector y is row y (width values, padded).
    let (columnsDone, columnsSpare) = transformPass(columnPlan, from: a, to: b, count: paddedWidth) ? (b, a) : (a, b)
    transposePass(from: columnsDone, sourceStride: paddedWidth, to: columnsSpare, targetStride: paddedHeight, targetPlaneSize: planeSize,
                  rows: height, columns: width, scale: 1)
    // Along the width: vector x is column x (height values, padded), now a row.
    let rowsDone = transformPass(rowPlan, from: columnsSpare, to: columnsDone, count: paddedHeight) ? columnsDone : columnsSpare
    transposePass(from: rowsDone, sourceStride: paddedHeight, to: ComplexRows(real: outputReal, imaginary: outputImaginary),
                  targetStride: width, targetPlaneSize: height * width, rows: width, columns: height, scale: S(scale))
}
