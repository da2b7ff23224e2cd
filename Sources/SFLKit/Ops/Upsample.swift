/// How ``Tensor/upsampled(toHeight:width:mode:)`` computes each output pixel
/// (PyTorch's `F.interpolate` semantics).
public enum UpsamplingMode: Equatable, Sendable, Codable {
    /// The input pixel at `⌊dst · in / out⌋`.
    case nearest
    /// Linear interpolation between the four nearest input pixels. With
    /// `alignCorners` false (the default) the source coordinate is
    /// `max((dst + ½) · in / out − ½, 0)`; with true it is `dst · (in − 1) / (out − 1)`.
    case bilinear(alignCorners: Bool = false)

    /// The kernel's mode.
    var resampleMode: ResampleMode {
        switch self {
        case .nearest: return .nearest
        case .bilinear(let alignCorners): return .bilinear(alignCorners: alignCorners)
        }
    }
}

extension Tensor {
    /// This batch of images resampled to exactly `height` × `width`.
    ///
    /// The paper's "stride 0.5" layer is bilinear upsampling back to the
    /// encoder input's exact size (so an odd size survives the stride-2
    /// layer) followed by a 3×3 convolution. Downsampling works too.
    ///
    /// - Returns: `[N, C, height, width]` for `self` of `[N, C, H, W]`.
    /// - Precondition: rank 4; `height` and `width` are positive.
    public func upsampled(toHeight height: Int, width: Int, mode: UpsamplingMode = .bilinear()) -> Tensor {
        check(rank == 4, "upsampled(toHeight:width:): expected [N, C, H, W], got \(shape)")
        check(height > 0 && width > 0, "upsampled(toHeight:width:): target size \(height)×\(width) of \(shape) must be positive")
        let geometry = ResampleGeometry(planes: shape[0] * shape[1], inputHeight: shape[2], inputWidth: shape[3],
                                        outputHeight: height, outputWidth: width, mode: mode.resampleMode)
        let outputShape = [shape[0], shape[1], height, width]
        let output = TensorStorage<Scalar>(uninitializedCount: Shape.elementCount(outputShape))
        Scalar.kernels.resampleForward(storage.base, output.base, geometry, ComputeThreads.current)
        let inputShape = shape
        return Tensor.recordOperation("upsample", shape: outputShape, storage: output, inputs: [self]) { gradient, _ in
            let result = TensorStorage<Scalar>(uninitializedCount: Shape.elementCount(inputShape))
            Scalar.kernels.resampleAdjoint(gradient.storage.base, result.base, geometry, ComputeThreads.current)
            return [Tensor(shape: inputShape, storage: result)]
        }
    }

    /// This batch of images upsampled by an integer `factor` in both directions.
    ///
    /// - Precondition: rank 4; `factor ≥ 1`.
    public func upsampled(byFactor factor: Int, mode: UpsamplingMode = .bilinear()) -> Tensor {
        check(rank == 4 && factor >= 1, "upsampled(byFactor:): expected [N, C, H, W] and a factor ≥ 1, got \(shape) and \(factor)")
        return upsampled(toHeight: shape[2] * factor, width: shape[3] * factor, mode: mode)
    }
}
