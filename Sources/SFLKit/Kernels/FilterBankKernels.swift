import Foundation

/// How a filter bank combines the channels of its input.
enum FilterBankChannelMode: Equatable, Sendable {
    /// The paper's layer (Eq. 2): output channel `f` is `Σ_c K_f ⋆ input[c]`,
    /// one output channel per filter; output `[N, F, H, W]`.
    case sumOverChannels
    /// Depthwise: output channel `c·F + f` is `K_f ⋆ input[c]`; output `[N, C·F, H, W]`.
    case perChannel
}

/// How a filter bank evaluates its correlations; both give the same values up
/// to rounding.
enum FilterBankMethod: Equatable, Sendable {
    /// The full `size × size` kernel, literally: in sum mode each output sums
    /// the correlations of every input channel. The slow reference.
    case direct
    /// The exact fast path: in sum mode the channels are summed first (the
    /// filter is the same for every channel), and each kernel is applied in
    /// its rank-2 separable form (``LoGKernel``): a column pass with `a` and
    /// with `b`, then row passes with `b` and `a`.
    case separable
}

/// The shapes of a filter bank applied to a batch of images.
///
/// Layouts (row-major, contiguous): input `[batch, channels, height, width]`;
/// output `[batch, F, height, width]` in ``FilterBankChannelMode/sumOverChannels``
/// mode and `[batch, channels·F, height, width]` in ``FilterBankChannelMode/perChannel``
/// mode, `F` being the number of kernels.
struct FilterBankGeometry: Equatable, Sendable {
    /// The number of images, at least 0.
    var batch: Int
    /// The number of input channels, at least 1.
    var channels: Int
    /// The image height, at least 1 (the output has the same size).
    var height: Int
    /// The image width, at least 1.
    var width: Int
    /// How the channels are combined.
    var mode: FilterBankChannelMode
}

/// Applies the filter bank `kernels` to `input` with zero "same" padding.
///
/// `(K ⋆ x)[y][x'] = Σ_{dy, dx ∈ −r…r} K[dy + r][dx + r] · x[y + dy][x' + dx]`,
/// pixels outside the image being 0, so the output has the input's height and
/// width. (The kernels are symmetric, so this correlation is also a
/// convolution.) Output channels follow `geometry.mode`.
///
/// Blocks are bands of output rows of one output plane, their number chosen
/// from the sizes only; the result is bit-identical for any `threads`.
/// Coefficients are converted to `S` once per call.
///
/// - Parameters:
///   - input: `[batch, channels, height, width]`.
///   - output: `[batch, F, height, width]` or `[batch, channels·F, height, width]`,
///     all overwritten; must not overlap `input`.
///   - kernels: the bank, `F = kernels.count` filters of any (odd) sizes,
///     possibly larger than the image.
///   - method: ``FilterBankMethod/separable`` for speed, ``FilterBankMethod/direct`` as a reference.
///   - threads: the most threads to use (results do not depend on it).
/// - Precondition: `batch ≥ 0`, `channels ≥ 1`, `height ≥ 1`, `width ≥ 1`.
func filterBankForward<S: TensorScalar>(
    input: UnsafePointer<S>, output: UnsafeMutablePointer<S>,
    geometry: FilterBankGeometry, kernels: [LoGKernel], method: FilterBankMethod, threads: Int
) {
    checkFilterBank(geometry)
    let bank = PreparedLoGBank<S>(kernels)
    defer { bank.deallocate() }
    let settings = FilterRowSettings(bank: bank, method: method, height: geometry.height, width: geometry.width)
    let plane = geometry.height * geometry.width
    let batch = geometry.batch, channels = geometry.channels, filters = kernels.count

    switch geometry.mode {
    case .perChannel:
        // Output plane q = n·C·F + c·F + f reads input plane n·C + c with kernel f.
        filterPlanes(batch * channels * filters, settings: settings, threads: threads,
                     destination: { output + $0 * plane }) { q in
            FilterTerms(source: input + (q / filters) * plane, sourceStride: 0, count: 1,
                        firstKernel: q % filters, kernelStep: 0)
        }
    case .sumOverChannels where method == .direct || channels == 1:
        // Output plane q = n·F + f sums all input channels of image n, each filtered with kernel f.
        filterPlanes(batch * filters, settings: settings, threads: threads,
                     destination: { output + $0 * plane }) { q in
            FilterTerms(source: input + (q / filters) * channels * plane, sourceStride: plane,
                        count: channels, firstKernel: q % filters, kernelStep: 0)
        }
    case .sumOverChannels:
        // Separable: sum the channels once per image, then filter the sum.
        let sums = ScratchBuffers.take(S.self, count: batch * plane)
        defer { ScratchBuffers.give(sums) }
        let bands = settings.bands
        Parallel.forEachBlock(batch * bands, threads: threads) { block in
            let n = block / bands
            let rows = Parallel.range(of: block % bands, splitting: settings.height, into: bands)
            let start = rows.lowerBound * settings.width, count = rows.count * settings.width
            let image = input + n * channels * plane + start
            let sum = sums + n * plane + start
            sum.update(from: image, count: count)
            for c in 1..<channels {
                addRow(image + c * plane, into: sum, count: count)
            }
        }
        filterPlanes(batch * filters, settings: settings, threads: threads,
                     destination: { output + $0 * plane }) { q in
            FilterTerms(source: UnsafePointer(sums) + (q / filters) * plane, sourceStride: 0, count: 1,
                        firstKernel: q % filters, kernelStep: 0)
        }
    }
}

/// Overwrites `inputGradient` with the adjoint of
/// ``filterBankForward(input:output:geometry:kernels:method:threads:)`` applied
/// to `outputGradient`: the gradient of `Σ output · outputGradient` with
/// respect to the input.
///
/// The kernels are symmetric, so the adjoint of a zero-"same" correlation is
/// the same correlation, written as a gather:
/// - sum mode: `inputGradient[n][c] = Σ_f K_f ⋆ outputGradient[n][f]` for every
///   `c` (computed once per image and copied to each channel);
/// - per-channel mode: `inputGradient[n][c] = Σ_f K_f ⋆ outputGradient[n][c·F + f]`.
/// The sum over `f` runs in increasing `f`. Blocks are bands of rows chosen
/// from the sizes only, so the result is bit-identical for any `threads`.
///
/// - Parameters:
///   - outputGradient: shaped like the forward's output.
///   - inputGradient: `[batch, channels, height, width]`, all overwritten; must
///     not overlap `outputGradient`.
/// - Precondition: as for the forward.
func filterBankAdjoint<S: TensorScalar>(
    outputGradient: UnsafePointer<S>, inputGradient: UnsafeMutablePointer<S>,
    geometry: FilterBankGeometry, kernels: [LoGKernel], method: FilterBankMethod, threads: Int
) {
    checkFilterBank(geometry)
    let bank = PreparedLoGBank<S>(kernels)
    defer { bank.deallocate() }
    let settings = FilterRowSettings(bank: bank, method: method, height: geometry.height, width: geometry.width)
    let plane = geometry.height * geometry.width
    let batch = geometry.batch, channels = geometry.channels, filters = kernels.count

    switch geometry.mode {
    case .perChannel:
        // Input-gradient plane q = n·C + c gathers output planes q·F ..< q·F + F.
        filterPlanes(batch * channels, settings: settings, threads: threads,
                     destination: { inputGradient + $0 * plane }) { q in
            FilterTerms(source: outputGradient + q * filters * plane, sourceStride: plane, count: filters,
                        firstKernel: 0, kernelStep: 1)
        }
    case .sumOverChannels:
        // Channel 0 of image n gathers output planes n·F ..< n·F + F; the others copy it.
        filterPlanes(batch, settings: settings, threads: threads,
                     destination: { inputGradient + $0 * channels * plane },
                     terms: { n in
                         FilterTerms(source: outputGradient + n * filters * plane, sourceStride: plane,
                                     count: filters, firstKernel: 0, kernelStep: 1)
                     },
                     then: { n, rows in
                         let image = inputGradient + n * channels * plane
                         let start = rows.lowerBound * settings.width, count = rows.count * settings.width
                         for c in 1..<channels {
                             (image + c * plane + start).update(from: image + start, count: count)
                         }
                     })
    }
}

/// Writes `planes` output planes, one block per band of `settings.bands`
/// row bands of each plane: plane `q` is written at `destination(q)` with the
/// filtered sum of `terms(q)` (see ``filterRows(_:rows:destination:settings:)``),
/// then `then(q, rows)` runs in the same block for the band just written.
/// Blocks depend on the sizes only; each writes its own rows.
private func filterPlanes<S: TensorScalar>(
    _ planes: Int, settings: FilterRowSettings<S>, threads: Int,
    destination: (Int) -> UnsafeMutablePointer<S>, terms: (Int) -> FilterTerms<S>,
    then: (Int, Range<Int>) -> Void = { _, _ in }
) {
    let bands = settings.bands
    Parallel.forEachBlock(planes * bands, threads: threads) { block in
        let q = block / bands
        let rows = Parallel.range(of: block % bands, splitting: settings.height, into: bands)
        filterRows(terms(q), rows: rows, destination: destination(q), settings: settings)
        then(q, rows)
    }
}

/// Checks the sizes of a filter bank call.
private func checkFilterBank(_ geometry: FilterBankGeometry) {
    precondition(geometry.batch >= 0 && geometry.channels >= 1 && geometry.height >= 1 && geometry.width >= 1,
                 "filterBank: need batch ≥ 0, channels ≥ 1, height ≥ 1, width ≥ 1; got \(geometry)")
}

/// The planes whose filtered sum one output plane is: term `j` reads plane
/// `source + j · sourceStride` and filters it with kernel
/// `firstKernel + j · kernelStep`.
private struct FilterTerms<S: TensorScalar> {
    /// The first source plane.
    let source: UnsafePointer<S>
    /// Elements between consecutive source planes.
    let sourceStride: Int
    /// The number of terms (0 gives a zero plane).
    let count: Int
    /// The kernel of term 0.
    let firstKernel: Int
    /// The kernel index increment per term (0 or 1).
    let kernelStep: Int
}

/// What every block of one call shares: the prepared bank, the method and the plane size.
private struct FilterRowSettings<S: TensorScalar> {
    /// The coefficients in `S`.
    let bank: PreparedLoGBank<S>
    /// Direct or separable.
    let method: FilterBankMethod
    /// The plane height.
    let height: Int
    /// The plane width.
    let width: Int
    /// The number of row bands (blocks) each plane is split into: about 2048
    /// pixels per band, at most one band per row. Depends on the sizes only.
    var bands: Int { max(1, min(height, height * width / 2048)) }
    /// `width` rounded up to a multiple of 32: the length of every scratch
    /// accumulation row, so the vector loops need no scalar tail.
    var paddedWidth: Int { (width + 31) / 32 * 32 }
    /// The length of a zero-margined scratch row: `maxRadius` zeros, the row,
    /// then zeros up to `paddedWidth + 2·maxRadius`.
    var marginedWidth: Int { paddedWidth + 2 * bank.maxRadius }
}

/// Writes rows `rows` of `destination` (a `height × width` plane) with the
/// sum over `terms` of each term's plane correlated with its kernel, zero
/// padded, in term order.
///
/// Per output row: an accumulation row (length `paddedWidth`) starts at zero;
/// for each term, the separable method runs the column pass (`a` and `b`
/// over the valid source rows) into two zero-margined rows and then the row
/// pass; the direct method copies each valid source row into a zero-margined
/// row and adds its `size` taps. The accumulation row is then copied out.
/// Allocates its scratch once per call (once per block).
private func filterRows<S: TensorScalar>(
    _ terms: FilterTerms<S>, rows: Range<Int>, destination: UnsafeMutablePointer<S>,
    settings: FilterRowSettings<S>
) {
    let height = settings.height, width = settings.width
    let paddedWidth = settings.paddedWidth, maxRadius = settings.bank.maxRadius
    let marginedWidth = settings.marginedWidth
    let scratch = UnsafeMutablePointer<S>.allocate(capacity: paddedWidth + 2 * marginedWidth)
    defer { scratch.deallocate() }
    scratch.initialize(repeating: 0, count: paddedWidth + 2 * marginedWidth)
    let accumulator = scratch
    let first = scratch + paddedWidth, second = first + marginedWidth

    for y in rows {
        accumulator.update(repeating: 0, count: paddedWidth)
        for term in 0..<terms.count {
            let source = terms.source + term * terms.sourceStride
            let kernel = terms.firstKernel + term * terms.kernelStep
            let size = settings.bank.sizes[kernel], radius = size / 2
            // Source rows y + t − r for t in low...high lie inside the image.
            let low = max(0, radius - y), high = min(size - 1, height - 1 - y + radius)
            switch settings.method {
            case .separable:
                let a = settings.bank.gaussian(kernel), b = settings.bank.secondFactor(kernel)
                columnPass(source + (y - radius + low) * width, width: width, size: size, taps: low...high, a: a, b: b,
                           intoA: first + maxRadius, intoB: second + maxRadius)
                rowPass(columnA: first + (maxRadius - radius), columnB: second + (maxRadius - radius),
                        a: a, b: b, size: size, into: accumulator, count: paddedWidth)
            case .direct:
                let coefficients = settings.bank.coefficients(kernel)
                for t in low...high {
                    (first + maxRadius).update(from: source + (y + t - radius) * width, count: width)
                    directRowTaps(first + (maxRadius - radius), coefficients + t * size, size: size,
                                  into: accumulator, count: paddedWidth)
                }
            }
        }
        (destination + y * width).update(from: accumulator, count: width)
    }
}

/// The column pass of the separable form for one output row:
/// `intoA[x] = Σ_{t ∈ taps} a[t] · row_t[x]` and likewise `intoB`
/// with `b`, for `x < width`, where `row_t` is source row `y − r + t`.
/// `rows` points at the first row read, `row_{taps.lowerBound}`; only rows
/// `t ∈ taps` are read. Vectorised in chunks of 16 columns (scalar when
/// `width < 16`). When every row is inside the image (`taps == 0...size−1`),
/// the symmetry `a[t] = a[size−1−t]` (and of `b`) is used to sum each pair of
/// rows once: `Σ_t a[t]·(row_t + row_{size−1−t})` plus the centre row.
@inline(__always)
private func columnPass<S: TensorScalar>(
    _ rows: UnsafePointer<S>, width: Int, size: Int, taps: ClosedRange<Int>,
    a: UnsafePointer<S>, b: UnsafePointer<S>,
    intoA: UnsafeMutablePointer<S>, intoB: UnsafeMutablePointer<S>
) {
    let radius = size / 2
    let folded = taps.lowerBound == 0 && taps.upperBound == size - 1
    let low = taps.lowerBound, high = taps.upperBound
    guard width >= 16 else {
        for x in 0..<width {
            var sumA: S = 0, sumB: S = 0
            for t in low...high {
                let v = rows[(t - low) * width + x]
                sumA += a[t] * v
                sumB += b[t] * v
            }
            intoA[x] = sumA
            intoB[x] = sumB
        }
        return
    }
    // Chunks of 16 columns; the last one ends at `width` and may overlap the
    // previous one, recomputing the same values.
    var next = 0
    while true {
        let x = min(next, width - 16)
        var a0 = SIMD8<S>(), a1 = SIMD8<S>(), b0 = SIMD8<S>(), b1 = SIMD8<S>()
        if folded {
            let centre = rows + radius * width + x  // folded: rows is row_0
            let c0 = loadVector8(centre), c1 = loadVector8(centre + 8)
            a0 = a[radius] * c0; a1 = a[radius] * c1
            b0 = b[radius] * c0; b1 = b[radius] * c1
            for t in 0..<radius {
                let upper = rows + t * width + x, lower = rows + (size - 1 - t) * width + x
                let v0 = loadVector8(upper) + loadVector8(lower), v1 = loadVector8(upper + 8) + loadVector8(lower + 8)
                let at = a[t], bt = b[t]
                a0 += at * v0
                a1 += at * v1
                b0 += bt * v0
                b1 += bt * v1
            }
        } else {
            for t in low...high {
                let row = rows + (t - low) * width + x
                let v0 = loadVector8(row), v1 = loadVector8(row + 8)
                let at = a[t], bt = b[t]
                a0 += at * v0
                a1 += at * v1
                b0 += bt * v0
                b1 += bt * v1
            }
        }
        storeVector8(a0, intoA + x)
        storeVector8(a1, intoA + x + 8)
        storeVector8(b0, intoB + x)
        storeVector8(b1, intoB + x + 8)
        if x + 16 == width { break }
        next += 16
    }
}

/// The row pass of the separable form:
/// `into[x] += Σ_{t < size} a[t] · columnB[x + t] + b[t] · columnA[x + t]`
/// for `x < count` (`count` a multiple of 16; the column rows are zero-margined
/// and long enough). Uses the symmetry of `a` and `b`: each pair of taps
/// `t, size−1−t` is summed before its one multiplication.
@inline(__always)
private func rowPass<S: TensorScalar>(
    columnA: UnsafePointer<S>, columnB: UnsafePointer<S>,
    a: UnsafePointer<S>, b: UnsafePointer<S>, size: Int,
    into accumulator: UnsafeMutablePointer<S>, count: Int
) {
    let radius = size / 2
    var x = 0
    while x < count {
        let ca = columnA + x, cb = columnB + x
        let ac = a[radius], bc = b[radius]
        var p0 = ac * loadVector8(cb + radius), p1 = ac * loadVector8(cb + radius + 8)
        var q0 = bc * loadVector8(ca + radius), q1 = bc * loadVector8(ca + radius + 8)
        for t in 0..<radius {
            let mirror = size - 1 - t
            let at = a[t], bt = b[t]
            let pairB0: SIMD8<S> = loadVector8(cb + t) + loadVector8(cb + mirror)
            let pairB1: SIMD8<S> = loadVector8(cb + t + 8) + loadVector8(cb + mirror + 8)
            let pairA0: SIMD8<S> = loadVector8(ca + t) + loadVector8(ca + mirror)
            let pairA1: SIMD8<S> = loadVector8(ca + t + 8) + loadVector8(ca + mirror + 8)
            p0 += at * pairB0
            p1 += at * pairB1
            q0 += bt * pairA0
            q1 += bt * pairA1
        }
        storeVector8(loadVector8(accumulator + x) + (p0 + q0), accumulator + x)
        storeVector8(loadVector8(accumulator + x + 8) + (p1 + q1), accumulator + x + 8)
        x += 16
    }
}

/// One kernel row of the direct method:
/// `into[x] += Σ_{t < size} coefficients[t] · row[x + t]` for `x < count`
/// (`count` a multiple of 32; `row` is zero-margined and long enough).
@inline(__always)
private func directRowTaps<S: TensorScalar>(
    _ row: UnsafePointer<S>, _ coefficients: UnsafePointer<S>, size: Int,
    into accumulator: UnsafeMutablePointer<S>, count: Int
) {
    var x = 0
    while x < count {
        let out = accumulator + x
        var s0 = loadVector8(out), s1 = loadVector8(out + 8), s2 = loadVector8(out + 16), s3 = loadVector8(out + 24)
        for t in 0..<size {
            let w = coefficients[t]
            let p = row + x + t
            s0 += w * loadVector8(p)
            s1 += w * loadVector8(p + 8)
            s2 += w * loadVector8(p + 16)
            s3 += w * loadVector8(p + 24)
        }
        storeVector8(s0, out)
        storeVector8(s1, out + 8)
        storeVector8(s2, out + 16)
        storeVector8(s3, out + 24)
        x += 32
    }
}

/// `into[i] += row[i]` for `i < count`.
private func addRow<S: TensorScalar>(_ row: UnsafePointer<S>, into sum: UnsafeMutablePointer<S>, count: Int) {
    var i = 0
    while i + 8 <= count {
        storeVector8(loadVector8(sum + i) + loadVector8(row + i), sum + i)
        i += 8
    }
    while i < count {
        sum[i] += row[i]
        i += 1
    }
}

/// A bank of ``LoGKernel``s with every coefficient converted to `S`, in one
/// allocation released by ``deallocate()``.
///
/// Kernel `k` occupies `offsets[k] ..< offsets[k] + 2·size + size²`: the
/// Gaussian factor `a`, the second factor `b`, then the direct kernel.
private struct PreparedLoGBank<S: TensorScalar> {
    /// The side length of each kernel.
    let sizes: [Int]
    /// Where each kernel's coefficients start in `storage`.
    let offsets: [Int]
    /// The largest radius (0 for an empty bank).
    let maxRadius: Int
    /// All coefficients.
    let storage: UnsafeMutablePointer<S>

    /// Converts `kernels`.
    init(_ kernels: [LoGKernel]) {
        sizes = kernels.map(\.size)
        var offsets: [Int] = [], total = 0
        for kernel in kernels {
            offsets.append(total)
            total += 2 * kernel.size + kernel.size * kernel.size
        }
        self.offsets = offsets
        maxRadius = kernels.map(\.radius).max() ?? 0
        storage = .allocate(capacity: max(total, 1))
        for (kernel, offset) in zip(kernels, offsets) {
            let values = kernel.gaussian + kernel.secondFactor + kernel.coefficients
            for (i, value) in values.enumerated() { (storage + offset + i).initialize(to: S(value)) }
        }
    }

    /// The Gaussian factor `a` of kernel `k` (`sizes[k]` values).
    func gaussian(_ k: Int) -> UnsafePointer<S> { UnsafePointer(storage + offsets[k]) }
    /// The second factor `b` of kernel `k` (`sizes[k]` values).
    func secondFactor(_ k: Int) -> UnsafePointer<S> { UnsafePointer(storage + offsets[k] + sizes[k]) }
    /// The direct kernel of kernel `k` (`sizes[k]²` values, row-major).
    func coefficients(_ k: Int) -> UnsafePointer<S> { UnsafePointer(storage + offsets[k] + 2 * sizes[k]) }

    /// Frees the coefficients.
    func deallocate() { storage.deallocate() }
}

/// Eight consecutive elements from `p` (no alignment needed).
@inline(__always)
private func loadVector8<S: TensorScalar>(_ p: UnsafePointer<S>) -> SIMD8<S> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<S>.self)
}

/// Eight consecutive elements from `p` (no alignment needed).
@inline(__always)
private func loadVector8<S: TensorScalar>(_ p: UnsafeMutablePointer<S>) -> SIMD8<S> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<S>.self)
}

/// Stores `v` at `p ..< p + 8` (no alignment needed).
@inline(__always)
private func storeVector8<S: TensorScalar>(_ v: SIMD8<S>, _ p: UnsafeMutablePointer<S>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<S>.self)
}
