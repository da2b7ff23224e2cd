/// What a separable filter reads beyond the edges of an image
/// (``Tensor/filteredSeparably(verticalTaps:horizontalTaps:padding:stride:)``).
public enum FilterPadding: Equatable, Sendable {
    /// No padding: only the positions where the whole window lies inside the
    /// image, so each axis shrinks by `taps − 1` (PyTorch's `padding=0`).
    case valid
    /// The edge pixels repeated, `(taps − 1) / 2` before and `taps / 2` after
    /// on each axis, so a stride-1 output has the input's size (PyTorch's
    /// `padding_mode="replicate"`).
    case replicate
    /// `height` rows of zeros above and below and `width` columns of zeros
    /// left and right (PyTorch's `padding=(height, width)`).
    case zeros(height: Int, width: Int)
}

extension Tensor {
    /// Correlates every channel of a batch of images, separately, with the
    /// separable kernel `verticalTaps ⊗ horizontalTaps` (a depthwise
    /// convolution in PyTorch's sense, `groups = C`), recording the op.
    ///
    /// `output[n, c, i, j] = Σ_a Σ_b verticalTaps[a] · horizontalTaps[b] · input[n, c, i·stride + a − top, j·stride + b − left]`,
    /// with the positions outside the image read as `padding` says. The
    /// taps carry no gradient. This is the Gaussian window of SSIM (`.valid`),
    /// the binomial blur of a Laplacian pyramid (`.replicate`) and, with taps
    /// `[½, ½]` and stride 2, average pooling.
    ///
    /// - Returns: `[N, C, H′, W′]` for `self` of `[N, C, H, W]`, where
    ///   `H′ = ⌊(H + top + bottom − verticalTaps.count) / stride⌋ + 1`, likewise `W′`.
    /// - Precondition: rank 4; both tap lists non-empty; `stride ≥ 1`; zero
    ///   padding non-negative; the output is not empty.
    public func filteredSeparably(verticalTaps: [Double], horizontalTaps: [Double], padding: FilterPadding = .valid,
                                  stride: Int = 1) -> Tensor {
        let name = "filteredSeparably"
        check(rank == 4, "\(name): expected [N, C, H, W], got \(shape)")
        check(!verticalTaps.isEmpty && !horizontalTaps.isEmpty,
              "\(name): empty taps (vertical \(verticalTaps.count), horizontal \(horizontalTaps.count)) for \(shape)")
        check(stride >= 1, "\(name): stride \(stride) must be at least 1 (input \(shape))")
        func axis(_ taps: [Double], zeros: Int) -> FilterAxis {
            switch padding {
            case .valid: return FilterAxis(taps: taps, padBefore: 0, padAfter: 0, stride: stride, replicatesEdges: false)
            case .replicate:
                return FilterAxis(taps: taps, padBefore: (taps.count - 1) / 2, padAfter: taps.count / 2, stride: stride, replicatesEdges: true)
            case .zeros: return FilterAxis(taps: taps, padBefore: zeros, padAfter: zeros, stride: stride, replicatesEdges: false)
            }
        }
        var zeroRows = 0, zeroColumns = 0
        if case .zeros(let height, let width) = padding {
            check(height >= 0 && width >= 0, "\(name): negative zero padding \(height)×\(width) for \(shape)")
            zeroRows = height
            zeroColumns = width
        }
        let geometry = SeparableFilterGeometry(planes: shape[0] * shape[1], height: shape[2], width: shape[3],
                                               vertical: axis(verticalTaps, zeros: zeroRows), horizontal: axis(horizontalTaps, zeros: zeroColumns))
        check(shape[2] > 0 && shape[3] > 0 && geometry.outputHeight > 0 && geometry.outputWidth > 0,
              "\(name): a \(verticalTaps.count)×\(horizontalTaps.count) window with padding \(padding) and stride \(stride) does not fit \(shape)")
        let outputShape = [shape[0], shape[1], geometry.outputHeight, geometry.outputWidth]
        let output = TensorStorage<Scalar>(uninitializedCount: Shape.elementCount(outputShape))
        Scalar.kernels.separableFilterForward(storage.base, output.base, geometry, ComputeThreads.current)
        let inputShape = shape
        return Tensor.recordOperation(name, shape: outputShape, storage: output, inputs: [self]) { gradient, _ in
            let result = TensorStorage<Scalar>(uninitializedCount: Shape.elementCount(inputShape))
            Scalar.kernels.separableFilterAdjoint(gradient.storage.base, result.base, geometry, ComputeThreads.current)
            return [Tensor(shape: inputShape, storage: result)]
        }
    }

    /// Average pooling of every channel over `size × size` windows, with
    /// zero padding counted in the mean (PyTorch's
    /// `F.avg_pool2d(x, size, stride, padding)` with its default
    /// `count_include_pad=True`, `ceil_mode=False`): every output is the sum of
    /// its window divided by `size²`.
    ///
    /// - Parameters:
    ///   - size: the window's side.
    ///   - stride: the step between windows; `nil` for `size`.
    ///   - paddingHeight: zero rows added above and below.
    ///   - paddingWidth: zero columns added left and right.
    /// - Returns: `[N, C, ⌊(H + 2·paddingHeight − size) / stride⌋ + 1, ⌊(W + 2·paddingWidth − size) / stride⌋ + 1]`.
    /// - Precondition: rank 4; `size ≥ 1`; the window fits the padded image.
    public func averagePooled(size: Int, stride: Int? = nil, paddingHeight: Int = 0, paddingWidth: Int = 0) -> Tensor {
        check(size >= 1, "averagePooled: window size \(size) must be at least 1 (input \(shape))")
        let taps = [Double](repeating: 1 / Double(size), count: size)
        return filteredSeparably(verticalTaps: taps, horizontalTaps: taps, padding: .zeros(height: paddingHeight, width: paddingWidth),
                                 stride: stride ?? size)
    }

    /// Every `stride`-th row and column of every channel, starting with the
    /// first (`x[:, :, ::stride, ::stride]`).
    ///
    /// - Returns: `[N, C, ⌈H / stride⌉, ⌈W / stride⌉]`.
    /// - Precondition: rank 4; `stride ≥ 1`.
    public func subsampled(stride: Int) -> Tensor {
        filteredSeparably(verticalTaps: [1], horizontalTaps: [1], padding: .valid, stride: stride)
    }
}
