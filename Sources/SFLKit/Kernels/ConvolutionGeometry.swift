/// Geometry of a 2-D cross-correlation with PyTorch `conv2d` semantics, in
/// NCHW layout.
///
/// The input is `[batch, inputChannels, inputHeight, inputWidth]`, the weight
/// `[outputChannels, inputChannels, kernelHeight, kernelWidth]` and the output
/// `[batch, outputChannels, outputHeight, outputWidth]`, all contiguous
/// row-major. The input is conceptually surrounded by `padTop`, `padBottom`,
/// `padLeft` and `padRight` rows and columns of zeros; output pixel `(y, x)`
/// reads the padded window whose top-left corner is `(y·strideY, x·strideX)`:
///
///     out[n][o][y][x] = bias[o] + Σ_{c, ky, kx} w[o][c][ky][kx] ·
///                       in[n][c][y·strideY + ky − padTop][x·strideX + kx − padLeft]
///
/// Rows and columns of the padded input that no window reaches (when the
/// stride does not divide the padded size) are ignored, as in PyTorch.
struct Conv2DGeometry: Equatable, Sendable {
    /// Number of images, `N`.
    var batch: Int
    /// Channels of each input image, `Cin`.
    var inputChannels: Int
    /// Rows of each input image, `H`.
    var inputHeight: Int
    /// Columns of each input image, `W`.
    var inputWidth: Int
    /// Channels of each output image, `Cout`.
    var outputChannels: Int
    /// Rows of the kernel, `kh`.
    var kernelHeight: Int
    /// Columns of the kernel, `kw`.
    var kernelWidth: Int
    /// Vertical step between neighbouring output rows, in input rows.
    var strideY: Int
    /// Horizontal step between neighbouring output columns, in input columns.
    var strideX: Int
    /// Rows of zeros above the input.
    var padTop: Int
    /// Rows of zeros below the input.
    var padBottom: Int
    /// Columns of zeros left of the input.
    var padLeft: Int
    /// Columns of zeros right of the input.
    var padRight: Int

    /// Creates a geometry from every size, stride and padding.
    init(batch: Int, inputChannels: Int, inputHeight: Int, inputWidth: Int,
         outputChannels: Int, kernelHeight: Int, kernelWidth: Int,
         strideY: Int = 1, strideX: Int = 1,
         padTop: Int = 0, padBottom: Int = 0, padLeft: Int = 0, padRight: Int = 0) {
        self.batch = batch
        self.inputChannels = inputChannels
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.outputChannels = outputChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideY = strideY
        self.strideX = strideX
        self.padTop = padTop
        self.padBottom = padBottom
        self.padLeft = padLeft
        self.padRight = padRight
    }

    /// Creates a geometry with a square kernel, equal strides and the same
    /// padding on all four sides.
    init(batch: Int, inputChannels: Int, inputHeight: Int, inputWidth: Int,
         outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0) {
        self.init(batch: batch, inputChannels: inputChannels, inputHeight: inputHeight,
                  inputWidth: inputWidth, outputChannels: outputChannels,
                  kernelHeight: kernelSize, kernelWidth: kernelSize,
                  strideY: stride, strideX: stride,
                  padTop: padding, padBottom: padding, padLeft: padding, padRight: padding)
    }

    /// Rows of each output image: `(H + padTop + padBottom − kh) / strideY + 1`.
    var outputHeight: Int { (inputHeight + padTop + padBottom - kernelHeight) / strideY + 1 }

    /// Columns of each output image: `(W + padLeft + padRight − kw) / strideX + 1`.
    var outputWidth: Int { (inputWidth + padLeft + padRight - kernelWidth) / strideX + 1 }

    /// Whether every size is positive, every padding non-negative and the
    /// kernel fits inside the padded input (so the output has at least one
    /// pixel). The kernels require it.
    var isValid: Bool {
        batch >= 1 && inputChannels >= 1 && inputHeight >= 1 && inputWidth >= 1
            && outputChannels >= 1 && kernelHeight >= 1 && kernelWidth >= 1
            && strideY >= 1 && strideX >= 1
            && padTop >= 0 && padBottom >= 0 && padLeft >= 0 && padRight >= 0
            && inputHeight + padTop + padBottom >= kernelHeight
            && inputWidth + padLeft + padRight >= kernelWidth
    }

    /// Number of scalars in the input tensor, `N·Cin·H·W`.
    var inputCount: Int { batch * inputChannels * inputHeight * inputWidth }

    /// Number of scalars in the weight tensor, `Cout·Cin·kh·kw`.
    var weightCount: Int { outputChannels * inputChannels * kernelHeight * kernelWidth }

    /// Number of scalars in the output tensor, `N·Cout·Ho·Wo`.
    var outputCount: Int { batch * outputChannels * outputHeight * outputWidth }

    /// The output rows whose taps all read image rows (no padding row).
    var insideOutputRows: Range<Int> {
        Self.insideRange(pad: padTop, stride: strideY, kernel: kernelHeight, size: inputHeight, outputs: outputHeight)
    }

    /// The output columns whose taps all read image columns (no padding column).
    var insideOutputColumns: Range<Int> {
        Self.insideRange(pad: padLeft, stride: strideX, kernel: kernelWidth, size: inputWidth, outputs: outputWidth)
    }

    /// Outputs `x` in `0..<outputs` with `[x·stride − pad, x·stride − pad + kernel)`
    /// inside `0..<size` (one contiguous range, possibly empty).
    private static func insideRange(pad: Int, stride: Int, kernel: Int, size: Int, outputs: Int) -> Range<Int> {
        let first = min(outputs, (pad + stride - 1) / stride)
        let end = size - kernel + pad >= 0 ? (size - kernel + pad) / stride + 1 : 0
        return first..<max(first, min(outputs, end))
    }

    /// Multiply-adds of one direct evaluation of the forward pass,
    /// `N·Cout·Ho·Wo·Cin·kh·kw` (the input and weight gradients cost the same).
    var multiplyAdds: Int { outputCount * inputChannels * kernelHeight * kernelWidth }
}
