// The backward pass of a convolution as one entry point: the input gradient
// and the weight (and bias) gradient, which read the same output gradient.
//
// When both are Winograd passes over the same tile rows (the paper's conv3,
// 16 → 32 at 225 × 300), they run interleaved: each parallel block adds a
// tile row to the weight gradient's partial sums right after the input
// gradient's pass has packed that row's output gradient into phase planes,
// and the weight gradient reads those planes instead of packing the rows
// again (the gradient, 8.6 MB for conv3, is read from memory once instead of
// twice). Each pass computes exactly what it computes alone, in the same
// order, so the results are bit-identical to the two separate calls.
// Measured (session 20, native, 2 threads, 36-image PL epoch steps, lower
// quartile): interleaving 770.6 → 748.6 and 810.1 → 773.3 ms; reading the
// shared planes then 621.9 → 610.6 and 634.5 → 600.6 ms.

/// Whether ``conv2DBackward(outputGradient:weight:input:inputGradient:weightGradient:biasGradient:geometry:threads:gradientMask:inputMask:)``
/// interleaves the Winograd input and weight gradients for `g`: both take
/// Winograd F(4×4, 3×3), and both split each image into the same ranges of
/// tile rows (which holds for one image per batch, or when the image has few
/// tile rows).
func interleavedWinogradBackwardApplies(to g: Conv2DGeometry) -> Bool {
    guard winogradInputGradientApplies(to: g) && winogradWeightGradientPays(for: g) else { return false }
    let inputTileRows = (g.inputHeight + 3) / 4, outputTileRows = (g.outputHeight + 3) / 4
    return inputTileRows == outputTileRows
        && winograd4RowBlocks(tileRows: inputTileRows) == winograd4GradientRowBlocks(tileRows: outputTileRows, batch: g.batch)
}

/// The gradients of ``conv2DForward(input:weight:bias:output:geometry:threads:rectify:positiveBits:)``
/// with respect to its input, weight and bias, each computed only when its
/// buffer is given: as ``conv2DInputGradient(outputGradient:weight:inputGradient:geometry:threads:gradientMask:inputMask:)``
/// and ``conv2DWeightGradient(input:outputGradient:weightGradient:biasGradient:geometry:threads:gradientMask:)``,
/// bit for bit, interleaved when ``interleavedWinogradBackwardApplies(to:)``.
///
/// - Parameters:
///   - outputGradient: `[N, Cout, Ho, Wo]`.
///   - weight: `[Cout, Cin, kh, kw]`.
///   - input: `[N, Cin, H, W]`, the forward pass's input.
///   - inputGradient: `[N, Cin, H, W]`, overwritten; `nil` to skip it.
///   - weightGradient: `[Cout, Cin, kh, kw]`, overwritten; `nil` to skip the
///     weight and bias gradients.
///   - biasGradient: `[Cout]`, overwritten; `nil` to skip it (computed only
///     with `weightGradient`).
///   - geometry: the sizes; must be ``Conv2DGeometry/isValid``.
///   - threads: how many threads may run at once (the results do not depend on it).
///   - gradientMask: `nil`, or the output of a fused ReLU (`[N, Cout, Ho, Wo]`):
///     the output gradient then counts only where the mask is positive.
///   - inputMask: `nil`, or the positive bits (``PositiveBitsLayout``) of
///     the output of the fused ReLU that produced the input: the input
///     gradient is stored only where that output is positive.
func conv2DBackward<S: TensorScalar>(outputGradient: UnsafePointer<S>, weight: UnsafePointer<S>, input: UnsafePointer<S>,
                                     inputGradient: UnsafeMutablePointer<S>?, weightGradient: UnsafeMutablePointer<S>?,
                                     biasGradient: UnsafeMutablePointer<S>?, geometry g: Conv2DGeometry, threads: Int,
                                     gradientMask: UnsafePointer<S>?, inputMask: UnsafePointer<PositiveBitsWord>?) {
    precondition(g.isValid, "invalid convolution geometry \(g)")
    precondition(biasGradient == nil || weightGradient != nil, "conv2DBackward: a bias gradient needs a weight gradient buffer")
    if let inputGradient, let weightGradient, interleavedWinogradBackwardApplies(to: g) {
        let sums = Winograd4WeightGradientSums(input: input, outputGradient: outputGradient, geometry: g,
                                               gradientMask: gradientMask, summingBias: biasGradient != nil)
        defer { sums.release() }
        // The input gradient's block b covers the same image and tile rows, in the same order, as the weight gradient's.
        conv2DInputGradientWinograd4x4(outputGradient: outputGradient, weight: weight, inputGradient: inputGradient, geometry: g,
                                       threads: threads, gradientMask: gradientMask, inputMask: inputMask) { block, ty, rows in
            sums.add(tileRow: ty, block: block, packedGradient: rows)
        }
        sums.finish(weightGradient: weightGradient, biasGradient: biasGradient)
        return
    }
    if let inputGradient {
        conv2DInputGradient(outputGradient: outputGradient, weight: weight, inputGradient: inputGradient, geometry: g,
                            threads: threads, gradientMask: gradientMask, inputMask: inputMask)
    }
    if let weightGradient {
        conv2DWeightGradient(input: input, outputGradient: outputGradient, weightGradient: weightGradient,
                             biasGradient: biasGradient, geometry: g, threads: threads, gradientMask: gradientMask)
    }
}
