// When Winograd's minimal filtering algorithms (Lavin & Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016) replace the direct
// convolution: 3×3 kernels with stride 1 and enough channels that the tile
// transforms are paid for by the multiplies they save.
//
// All three passes use F(4×4, 3×3): the forward pass and the input gradient
// in WinogradF4.swift, the weight gradient in WinogradF4WeightGradient.swift
// (2.25 multiplies per output pixel and channel pair instead of 9).

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
