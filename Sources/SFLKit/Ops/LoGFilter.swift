extension Tensor {
    /// Filters this batch of images with a fixed bank of LoG kernels (zero
    /// "same" padding), recording the op; the kernels have no gradient.
    ///
    /// - Returns: `[N, F, H, W]` in `.sumOverChannels` mode (paper Eq. 2:
    ///   output channel `f` is `Σ_c LoG_f ⋆ input[c]`), `[N, C·F, H, W]` in
    ///   `.perChannel` mode (channel `c·F + f` is `LoG_f ⋆ input[c]`).
    func filteredWithLoGBank(_ kernels: [LoGKernel], mode: FilterBankChannelMode, method: FilterBankMethod) -> Tensor {
        check(rank == 4, "LoGFilterBank: expected [N, C, H, W], got \(shape)")
        check(!kernels.isEmpty, "LoGFilterBank: the bank has no filters")
        let geometry = FilterBankGeometry(batch: shape[0], channels: shape[1], height: shape[2], width: shape[3], mode: mode)
        let outputChannels = mode == .sumOverChannels ? kernels.count : shape[1] * kernels.count
        let outputShape = [shape[0], outputChannels, shape[2], shape[3]]
        let output = TensorStorage<Scalar>(uninitializedCount: Shape.elementCount(outputShape))
        Scalar.kernels.filterBankForward(storage.base, output.base, geometry, kernels, method, ComputeThreads.current)
        let inputShape = shape
        return Tensor.recordOperation("logFilterBank", shape: outputShape, storage: output, inputs: [self]) { gradient, _ in
            let result = TensorStorage<Scalar>(uninitializedCount: Shape.elementCount(inputShape))
            Scalar.kernels.filterBankAdjoint(gradient.storage.base, result.base, geometry, kernels, method, ComputeThreads.current)
            return [Tensor(shape: inputShape, storage: result)]
        }
    }
}
