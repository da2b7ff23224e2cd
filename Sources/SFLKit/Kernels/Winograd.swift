// When Winograd's minimal filtering algorithms (Lavin & Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016) replace the direct
// convolution: 3×3 kernels with stride 1 and enough channels that the tile
// transforms are paid for by the multiplies they save.
//
// The forward pass and the input gradient use F(4×4, 3×3) (WinogradF4.swift:
// 2.25 multiplies per output pixel and channel pair instead of 9); the weight
// gradient uses F(2×2, 3×3) (WinogradWeightGradient.swift: 4 instead of 9),
// whose smaller tiles keep its sums over the whole image accurate in Float.

/// Whether the Winograd kernels handle `geometry`: a 3×3 kernel with both
/// strides 1.
func winogradApplies(to g: Conv2DGeometry) -> Bool {
    g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1 && g.strideX == 1
}

/// Whether Winograd beats the direct kernel for `geometry`: with fewer than 8
/// input or output channels the tile transforms cost more than the
/// multiplies they save.
func winogradPays(for g: Conv2DGeometry) -> Bool {
    g.inputChannels >= 8 && g.outputChannels >= 8
}
