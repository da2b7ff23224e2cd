/// The five local statistics SSIM is computed from, per pixel of `planes`
/// planes of `planeSize` pixels each: the windowed means `μx`, `μy` and the
/// windowed second moments `E[x²]`, `E[y²]`, `E[xy]`.
struct SimilarityStatistics<S: TensorScalar> {
    let meanX: UnsafePointer<S>, meanY: UnsafePointer<S>
    let squareX: UnsafePointer<S>, squareY: UnsafePointer<S>, product: UnsafePointer<S>
}

/// The per-pixel terms of SSIM at one pixel: the luminance term `l = A1/B1`,
/// the contrast-structure term `cs = A2/B2`, and the denominators.
@inline(__always)
private func similarityTerms<S: TensorScalar>(_ mx: S, _ my: S, _ sxx: S, _ syy: S, _ sxy: S, _ c1: S, _ c2: S)
    -> (luminance: S, contrastStructure: S, b1: S, b2: S) {
    let mxy = mx * my, mxx = mx * mx, myy = my * my
    let b1 = mxx + myy + c1, b2 = (sxx - mxx) + (syy - myy) + c2
    return ((2 * mxy + c1) / b1, (2 * (sxy - mxy) + c2) / b2, b1, b2)
}

/// The mean over each plane of the SSIM map `l · cs` and of the
/// contrast-structure map `cs`: `output[p]` and `output[planes + p]`.
///
/// Each plane is one parallel block; its sums are accumulated in Double in
/// pixel order (independent of the thread count).
func similarityMeans<S: TensorScalar>(_ statistics: SimilarityStatistics<S>, planes: Int, planeSize: Int, c1: Double, c2: Double,
                                      output: UnsafeMutablePointer<S>, threads: Int) {
    let output = SendablePointer(output), statistics = UnsafeSendableBox(statistics)
    Parallel.forEachBlock(planes, threads: threads) { plane in
        let t = statistics.value, base = plane * planeSize, c1 = S(c1), c2 = S(c2)
        var similarity = 0.0, contrastStructure = 0.0
        for i in base..<(base + planeSize) {
            let terms = similarityTerms(t.meanX[i], t.meanY[i], t.squareX[i], t.squareY[i], t.product[i], c1, c2)
            similarity += Double(terms.luminance * terms.contrastStructure)
            contrastStructure += Double(terms.contrastStructure)
        }
        output.base[plane] = S(similarity / Double(planeSize))
        output.base[planes + plane] = S(contrastStructure / Double(planeSize))
    }
}

/// The gradients of ``similarityMeans`` with respect to the five statistics,
/// given the gradients `gradient[p]` of plane `p`'s SSIM mean and
/// `gradient[planes + p]` of its cs mean.
///
/// With `u = (g_ssim · l + g_cs)/M` and `v = g_ssim · cs / M` (`M` pixels per plane):
/// `∂/∂μx = 2v(μy − l·μx)/B1 + 2u(cs·μx − μy)/B2`, `∂/∂μy` likewise,
/// `∂/∂E[x²] = ∂/∂E[y²] = −u·cs/B2` and `∂/∂E[xy] = 2u/B2`.
func similarityMeansGradient<S: TensorScalar>(_ statistics: SimilarityStatistics<S>, planes: Int, planeSize: Int, c1: Double, c2: Double,
                                              gradient: UnsafePointer<S>, meanX gradientMeanX: UnsafeMutablePointer<S>,
                                              meanY gradientMeanY: UnsafeMutablePointer<S>, squareX gradientSquareX: UnsafeMutablePointer<S>,
                                              squareY gradientSquareY: UnsafeMutablePointer<S>, product gradientProduct: UnsafeMutablePointer<S>,
                                              threads: Int) {
    let statistics = UnsafeSendableBox(statistics)
    let gradient = SendablePointer(UnsafeMutablePointer(mutating: gradient))
    let outputs = UnsafeSendableBox((gradientMeanX, gradientMeanY, gradientSquareX, gradientSquareY, gradientProduct))
    forEachElementBlock(planes * planeSize, threads: threads) { range in
        let t = statistics.value, (gmx, gmy, gsxx, gsyy, gsxy) = outputs.value, c1 = S(c1), c2 = S(c2)
        let scale = 1 / S(planeSize)
        for i in range {
            let plane = i / planeSize
            let gSimilarity = gradient.base[plane] * scale, gContrast = gradient.base[planes + plane] * scale
            let mx = t.meanX[i], my = t.meanY[i]
            let terms = similarityTerms(mx, my, t.squareX[i], t.squareY[i], t.product[i], c1, c2)
            let l = terms.luminance, cs = terms.contrastStructure
            let u = gSimilarity * l + gContrast, v = gSimilarity * cs
            let p = 2 * v / terms.b1, q = 2 * u / terms.b2
            gmx[i] = p * (my - l * mx) + q * (cs * mx - my)
            gmy[i] = p * (mx - l * my) + q * (cs * my - mx)
            let variance = -u * cs / terms.b2
            gsxx[i] = variance
            gsyy[i] = variance
            gsxy[i] = q
        }
    }
}
