extension Tensor {
    /// The per-plane means of the SSIM map and of the contrast-structure map
    /// from the five windowed statistics of two images (each `[N, C, h, w]`),
    /// recorded as one op: `[N, C]` each.
    ///
    /// Per pixel, with `B1 = μx² + μy² + C1` and `B2 = (E[x²] − μx²) + (E[y²] − μy²) + C2`:
    /// `cs = (2(E[xy] − μxμy) + C2) / B2` and `SSIM = (2μxμy + C1) / B1 · cs`.
    /// Fusing the dozen elementwise steps and both means into one pass (and
    /// their gradients into another) is what keeps SSIM's cost near the SFL's.
    static func similarityMeans(meanX: Tensor, meanY: Tensor, squareX: Tensor, squareY: Tensor, product: Tensor,
                                c1: Double, c2: Double) -> (similarity: Tensor, contrastStructure: Tensor) {
        let shape = meanX.shape
        check(shape.count == 4 && [meanY, squareX, squareY, product].allSatisfy { $0.shape == shape },
              "similarityMeans: statistics of shapes \([meanX, meanY, squareX, squareY, product].map(\.shape)) differ or are not [N, C, h, w]")
        let planes = shape[0] * shape[1], planeSize = shape[2] * shape[3]
        check(planeSize > 0, "similarityMeans: empty planes in \(shape)")
        let statistics = SimilarityStatistics(meanX: meanX.storage.base, meanY: meanY.storage.base, squareX: squareX.storage.base,
                                              squareY: squareY.storage.base, product: product.storage.base)
        let output = TensorStorage<Scalar>(uninitializedCount: 2 * planes)
        Scalar.kernels.similarityMeans(statistics, planes, planeSize, c1, c2, output.base, ComputeThreads.current)
        let inputs = [meanX, meanY, squareX, squareY, product]
        let kept = inputs.map { $0.detached() }
        let stacked = recordOperation("similarityMeans", shape: [2, shape[0], shape[1]], storage: output, inputs: inputs) { gradient, needs in
            let results = (0..<5).map { _ in TensorStorage<Scalar>(uninitializedCount: planes * planeSize) }
            let statistics = SimilarityStatistics(meanX: kept[0].storage.base, meanY: kept[1].storage.base, squareX: kept[2].storage.base,
                                                  squareY: kept[3].storage.base, product: kept[4].storage.base)
            Scalar.kernels.similarityMeansGradient(statistics, planes, planeSize, c1, c2, gradient.storage.base,
                                                   results.map(\.base), ComputeThreads.current)
            return (0..<5).map { needs[$0] ? Tensor(shape: shape, storage: results[$0]) : nil }
        }
        return (stacked[0], stacked[1])
    }
}
