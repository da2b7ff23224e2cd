import Testing
@testable import SFLKit

/// Naive seven-loop evaluations of the three convolution kernels, in the
/// definitions' own terms, to compare the fast kernels against.
private enum NaiveConvolution {
    /// Input value at padded coordinates, zero outside the image.
    static func inputValue(_ input: [Double], _ g: Conv2DGeometry, _ n: Int, _ c: Int, _ i: Int, _ j: Int) -> Double? {
        guard i >= 0, i < g.inputHeight, j >= 0, j < g.inputWidth else { return nil }
        return input[((n * g.inputChannels + c) * g.inputHeight + i) * g.inputWidth + j]
    }

    static func forward(_ input: [Double], _ weight: [Double], _ bias: [Double]?, _ g: Conv2DGeometry) -> [Double] {
        let ho = g.outputHeight, wo = g.outputWidth
        var out = [Double](repeating: 0, count: g.outputCount)
        for n in 0..<g.batch { for o in 0..<g.outputChannels { for y in 0..<ho { for x in 0..<wo {
            var sum = bias?[o] ?? 0
            for c in 0..<g.inputChannels { for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth {
                let i = y * g.strideY + ky - g.padTop, j = x * g.strideX + kx - g.padLeft
                if let v = inputValue(input, g, n, c, i, j) {
                    sum += v * weight[((o * g.inputChannels + c) * g.kernelHeight + ky) * g.kernelWidth + kx]
                }
            } } }
            out[((n * g.outputChannels + o) * ho + y) * wo + x] = sum
        } } } }
        return out
    }

    static func inputGradient(_ gradient: [Double], _ weight: [Double], _ g: Conv2DGeometry) -> [Double] {
        let ho = g.outputHeight, wo = g.outputWidth
        var result = [Double](repeating: 0, count: g.inputCount)
        for n in 0..<g.batch { for o in 0..<g.outputChannels { for y in 0..<ho { for x in 0..<wo {
            let d = gradient[((n * g.outputChannels + o) * ho + y) * wo + x]
            for c in 0..<g.inputChannels { for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth {
                let i = y * g.strideY + ky - g.padTop, j = x * g.strideX + kx - g.padLeft
                guard i >= 0, i < g.inputHeight, j >= 0, j < g.inputWidth else { continue }
                result[((n * g.inputChannels + c) * g.inputHeight + i) * g.inputWidth + j] +=
                    d * weight[((o * g.inputChannels + c) * g.kernelHeight + ky) * g.kernelWidth + kx]
            } } }
        } } } }
        return result
    }

    static func weightGradient(_ input: [Double], _ gradient: [Double], _ g: Conv2DGeometry) -> (weight: [Double], bias: [Double]) {
        let ho = g.outputHeight, wo = g.outputWidth
        var dw = [Double](repeating: 0, count: g.weightCount)
        var db = [Double](repeating: 0, count: g.outputChannels)
        for n in 0..<g.batch { for o in 0..<g.outputChannels { for y in 0..<ho { for x in 0..<wo {
            let d = gradient[((n * g.outputChannels + o) * ho + y) * wo + x]
            db[o] += d
            for c in 0..<g.inputChannels { for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth {
                let i = y * g.strideY + ky - g.padTop, j = x * g.strideX + kx - g.padLeft
                if let v = inputValue(input, g, n, c, i, j) {
                    dw[((o * g.inputChannels + c) * g.kernelHeight + ky) * g.kernelWidth + kx] += d * v
                }
            } } }
        } } } }
        return (dw, db)
    }
}

/// Deterministic pseudo-random values in [-1, 1) (a 64-bit LCG).
private func randomValues(_ count: Int, seed: UInt64) -> [Double] {
    var state = seed &* 6364136223846793005 &+ 1442695040888963407
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 52) - 1
    }
}

/// The results of the three fast kernels for one geometry and data set.
private struct KernelResults<S: TensorScalar> {
    var output: [S]
    var inputGradient: [S]
    var weightGradient: [S]
    var biasGradient: [S]

    init(_ g: Conv2DGeometry, input: [S], weight: [S], bias: [S], gradient: [S], threads: Int) {
        output = [S](repeating: .nan, count: g.outputCount)
        inputGradient = [S](repeating: .nan, count: g.inputCount)
        weightGradient = [S](repeating: .nan, count: g.weightCount)
        biasGradient = [S](repeating: .nan, count: g.outputChannels)
        conv2DForward(input: input, weight: weight, bias: bias, output: &output, geometry: g, threads: threads)
        conv2DInputGradient(outputGradient: gradient, weight: weight, inputGradient: &inputGradient,
                            geometry: g, threads: threads)
        conv2DWeightGradient(input: input, outputGradient: gradient, weightGradient: &weightGradient,
                             biasGradient: &biasGradient, geometry: g, threads: threads)
    }
}

/// Whether `a` and `b` hold the same values with the same signs (NaN matching NaN).
private func identical<S: TensorScalar>(_ a: [S], _ b: [S]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { x, y in (x == y && x.sign == y.sign) || (x.isNaN && y.isNaN) }
}

/// Largest |a − b| relative to the largest |b| (or 1 if that is smaller).
private func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    var scale = 1.0, error = 0.0
    for (x, y) in zip(a, b) {
        scale = max(scale, abs(y))
        error = max(error, x.isNaN ? .infinity : abs(x - y))
    }
    return error / scale
}

/// Geometries that cover kernel sizes, strides, paddings, odd and tiny images,
/// channel counts on both sides of the register blocks, and both the direct
/// and the Winograd paths (3×3, stride 1, at least 8 channels each way).
private let geometries: [Conv2DGeometry] = [
    Conv2DGeometry(batch: 1, inputChannels: 1, inputHeight: 1, inputWidth: 1, outputChannels: 1, kernelSize: 1),
    Conv2DGeometry(batch: 2, inputChannels: 3, inputHeight: 1, inputWidth: 1, outputChannels: 5, kernelSize: 3, padding: 1),
    Conv2DGeometry(batch: 1, inputChannels: 3, inputHeight: 7, inputWidth: 5, outputChannels: 16, kernelSize: 3, padding: 1),
    Conv2DGeometry(batch: 2, inputChannels: 16, inputHeight: 9, inputWidth: 13, outputChannels: 3, kernelSize: 3, stride: 2, padding: 1),
    Conv2DGeometry(batch: 1, inputChannels: 32, inputHeight: 9, inputWidth: 71, outputChannels: 16, kernelSize: 3, stride: 2, padding: 1),
    Conv2DGeometry(batch: 1, inputChannels: 3, inputHeight: 11, inputWidth: 37, outputChannels: 32, kernelSize: 5, padding: 2),
    Conv2DGeometry(batch: 2, inputChannels: 1, inputHeight: 13, inputWidth: 9, outputChannels: 1, kernelSize: 7, stride: 3, padding: 2),
    Conv2DGeometry(batch: 1, inputChannels: 5, inputHeight: 12, inputWidth: 17, outputChannels: 7, kernelSize: 7, stride: 1, padding: 0),
    Conv2DGeometry(batch: 1, inputChannels: 2, inputHeight: 10, inputWidth: 23, outputChannels: 6, kernelHeight: 3, kernelWidth: 5,
                   strideY: 2, strideX: 3, padTop: 0, padBottom: 2, padLeft: 1, padRight: 0),
    Conv2DGeometry(batch: 2, inputChannels: 4, inputHeight: 8, inputWidth: 33, outputChannels: 9, kernelHeight: 5, kernelWidth: 3,
                   strideY: 1, strideX: 2, padTop: 2, padBottom: 0, padLeft: 0, padRight: 2),
    Conv2DGeometry(batch: 1, inputChannels: 3, inputHeight: 6, inputWidth: 6, outputChannels: 4, kernelSize: 1, stride: 2),
    Conv2DGeometry(batch: 1, inputChannels: 2, inputHeight: 4, inputWidth: 3, outputChannels: 3, kernelSize: 5, stride: 3, padding: 2),
    Conv2DGeometry(batch: 1, inputChannels: 32, inputHeight: 8, inputWidth: 18, outputChannels: 3, kernelSize: 3, padding: 1),
    Conv2DGeometry(batch: 1, inputChannels: 1, inputHeight: 30, inputWidth: 31, outputChannels: 2, kernelSize: 27, padding: 13),
    Conv2DGeometry(batch: 2, inputChannels: 8, inputHeight: 7, inputWidth: 35, outputChannels: 9, kernelHeight: 3, kernelWidth: 3,
                   strideY: 1, strideX: 1, padTop: 0, padBottom: 2, padLeft: 1, padRight: 0),
    Conv2DGeometry(batch: 1, inputChannels: 8, inputHeight: 5, inputWidth: 4, outputChannels: 8, kernelSize: 3, padding: 3),
    Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 6, inputWidth: 37, outputChannels: 32, kernelSize: 3, padding: 1),
    Conv2DGeometry(batch: 1, inputChannels: 5, inputHeight: 8, inputWidth: 37, outputChannels: 4, kernelHeight: 4, kernelWidth: 5,
                   strideY: 2, strideX: 2, padTop: 2, padBottom: 1, padLeft: 2, padRight: 3),
    Conv2DGeometry(batch: 1, inputChannels: 2, inputHeight: 5, inputWidth: 20, outputChannels: 2, kernelHeight: 1, kernelWidth: 4,
                   strideY: 3, strideX: 4, padTop: 1, padBottom: 1, padLeft: 3, padRight: 0),
    // Winograd F(4×4, 3×3) blocks of several tile rows (18 tile rows, 16 blocks),
    // and channel counts that leave register blocks of 2 and 3 in wide builds.
    Conv2DGeometry(batch: 1, inputChannels: 8, inputHeight: 70, inputWidth: 9, outputChannels: 10, kernelSize: 3, padding: 1),
    Conv2DGeometry(batch: 1, inputChannels: 14, inputHeight: 6, inputWidth: 20, outputChannels: 11, kernelSize: 3, padding: 1),
    // Few output channels on rows of two 32-pixel blocks and a rest (the
    // forward pass's wide register blocks), and a 5 × 5 kernel whose rows
    // split 3 + 2 in the stride-1 pixel-vector weight gradient.
    Conv2DGeometry(batch: 2, inputChannels: 5, inputHeight: 6, inputWidth: 75, outputChannels: 3, kernelSize: 3, padding: 1),
    Conv2DGeometry(batch: 1, inputChannels: 3, inputHeight: 7, inputWidth: 40, outputChannels: 2, kernelSize: 5, padding: 2),
    // Several blocks of output channels summed over two or more sweeps of
    // input channels (4 per sweep in the baseline build, 16 in wide-register
    // builds); 7 outputs split 3 + 4 in wide builds, so the 3-channel block
    // takes the 32-pixel blocks' accumulate path.
    Conv2DGeometry(batch: 1, inputChannels: 6, inputHeight: 5, inputWidth: 40, outputChannels: 9, kernelSize: 3, padding: 1),
    Conv2DGeometry(batch: 1, inputChannels: 20, inputHeight: 7, inputWidth: 70, outputChannels: 7, kernelSize: 3, stride: 2, padding: 1),
    // The channel-vector weight gradient with lanes beyond Cout (13 of 16),
    // batch 2, and blocks of 5 rows swept 3 + 2 (its bias sums included).
    Conv2DGeometry(batch: 2, inputChannels: 3, inputHeight: 80, inputWidth: 300, outputChannels: 13, kernelSize: 3, stride: 2, padding: 1),
] + winogradGeometries

/// 3×3 stride-1 geometries on which the weight gradient takes the Winograd
/// path as well as the forward pass (12, 16 or 24 input channels, at least 8
/// output channels): odd and even output sizes, padding 0 to 3 and asymmetric, batch 2,
/// widths that are not multiples of 32, more than one block of 16 input
/// channels (the second partly filled), more tiles along a row than one sweep
/// holds, and a single tile.
private let winogradGeometries: [Conv2DGeometry] = [
    Conv2DGeometry(batch: 2, inputChannels: 12, inputHeight: 9, inputWidth: 45, outputChannels: 13, kernelSize: 3, padding: 0),
    Conv2DGeometry(batch: 1, inputChannels: 24, inputHeight: 10, inputWidth: 33, outputChannels: 12, kernelSize: 3, padding: 2),
    Conv2DGeometry(batch: 2, inputChannels: 16, inputHeight: 8, inputWidth: 70, outputChannels: 16, kernelHeight: 3, kernelWidth: 3,
                   strideY: 1, strideX: 1, padTop: 2, padBottom: 0, padLeft: 0, padRight: 1),
    Conv2DGeometry(batch: 1, inputChannels: 12, inputHeight: 5, inputWidth: 141, outputChannels: 12, kernelSize: 3, padding: 1),
    Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 4, inputWidth: 5, outputChannels: 12, kernelSize: 3, padding: 3),
    Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 1, inputWidth: 1, outputChannels: 8, kernelSize: 3, padding: 1),
    // 167 tiles along a row: two weight-gradient sweeps, several 64-scalar
    // stride-4 packing steps and a partial group of 16 F(4×4) tiles.
    Conv2DGeometry(batch: 1, inputChannels: 12, inputHeight: 3, inputWidth: 333, outputChannels: 9, kernelSize: 3, padding: 1),
]

/// The paper's conv3 at its full width (a band of 17 rows): Winograd
/// F(4×4, 3×3) forward and input gradient and F(2×2, 3×3) weight gradient must
/// keep Float within 1e-4 of the largest value over many tiles.
private let paperWidthGeometry = Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 17, inputWidth: 300,
                                                outputChannels: 32, kernelSize: 3, padding: 1)

/// The paper's conv4 (32 → 3) at its full width: the forward pass's
/// 32-pixel register blocks (wide-register builds) and the pixel-vector
/// weight gradient's full 3 × 3 register tile.
private let paperLastLayerGeometry = Conv2DGeometry(batch: 1, inputChannels: 32, inputHeight: 17, inputWidth: 300,
                                                    outputChannels: 3, kernelSize: 3, padding: 1)

/// Stride-1 geometries wide and tall enough for every route of the in-place
/// forward pass: register blocks read from the input (32-pixel blocks with
/// at most 3 output channels in wide-register builds, then 16-pixel ones),
/// the strips at both ends of the rows, the padded rows' middles, several
/// row blocks per image, and input channels in groups of 4 with a partial
/// last group (7 = 4 + 3, 9 = 4 + 4 + 1).
private let inPlaceForwardGeometries: [Conv2DGeometry] = [
    Conv2DGeometry(batch: 2, inputChannels: 7, inputHeight: 40, inputWidth: 101, outputChannels: 3, kernelSize: 5, padding: 2),
    Conv2DGeometry(batch: 1, inputChannels: 9, inputHeight: 35, inputWidth: 64, outputChannels: 2, kernelSize: 3, padding: 0),
    Conv2DGeometry(batch: 1, inputChannels: 6, inputHeight: 23, inputWidth: 90, outputChannels: 7, kernelHeight: 3, kernelWidth: 5,
                   strideY: 1, strideX: 1, padTop: 2, padBottom: 0, padLeft: 3, padRight: 1),
]

/// Strided geometries that take the channel-vector forward pass, covering
/// its routes: pixels read in place in register blocks of every size, the
/// strips at the left and right ends of the rows, whole rows through their
/// own strip where the taps reach the padding rows (top and bottom), images
/// too small for any pixel in place, several row blocks per image, two
/// blocks of output channels that do not fill their vectors (28 = 14 + 14), and
/// input channels in groups of 4 with a partial last group.
private let channelVectorForwardGeometries: [Conv2DGeometry] = [
    Conv2DGeometry(batch: 2, inputChannels: 32, inputHeight: 37, inputWidth: 71, outputChannels: 16, kernelSize: 3,
                   stride: 2, padding: 1),
    Conv2DGeometry(batch: 1, inputChannels: 7, inputHeight: 30, inputWidth: 50, outputChannels: 28, kernelHeight: 3, kernelWidth: 3,
                   strideY: 2, strideX: 2, padTop: 0, padBottom: 2, padLeft: 0, padRight: 1),
    Conv2DGeometry(batch: 1, inputChannels: 5, inputHeight: 26, inputWidth: 41, outputChannels: 16, kernelHeight: 3, kernelWidth: 5,
                   strideY: 2, strideX: 3, padTop: 2, padBottom: 1, padLeft: 3, padRight: 2),
    Conv2DGeometry(batch: 2, inputChannels: 3, inputHeight: 3, inputWidth: 4, outputChannels: 12, kernelSize: 5, stride: 2, padding: 2),
    Conv2DGeometry(batch: 1, inputChannels: 2, inputHeight: 9, inputWidth: 40, outputChannels: 16, kernelSize: 1, stride: 2),
    // 33 pixels in place (register blocks 6 × 5 + 3) and whole rows of 35.
    Conv2DGeometry(batch: 1, inputChannels: 32, inputHeight: 21, inputWidth: 69, outputChannels: 16, kernelSize: 3,
                   stride: 2, padding: 1),
    // Strided along one axis only.
    Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 11, inputWidth: 23, outputChannels: 16, kernelHeight: 3, kernelWidth: 3,
                   strideY: 2, strideX: 1, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1),
    // Padding wider than the kernel: outputs that read only padding.
    Conv2DGeometry(batch: 1, inputChannels: 3, inputHeight: 5, inputWidth: 6, outputChannels: 16, kernelHeight: 3, kernelWidth: 3,
                   strideY: 2, strideX: 2, padTop: 4, padBottom: 4, padLeft: 4, padRight: 5),
    // A stride larger than the kernel, with padding.
    Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 9, inputWidth: 10, outputChannels: 16, kernelSize: 1, stride: 3, padding: 1),
]

/// Strided geometries whose input gradient holds input channels in the
/// vector lanes: two blocks of channels (32) and a partial second block
/// (28 = 16 + 12), strides 2 and 3 with asymmetric padding, a kernel
/// smaller than the stride (phases with no taps: zero gradient), and
/// register blocks of every size along the rows.
private let channelVectorInputGradientGeometries: [Conv2DGeometry] = [
    Conv2DGeometry(batch: 2, inputChannels: 32, inputHeight: 19, inputWidth: 45, outputChannels: 16, kernelSize: 3,
                   stride: 2, padding: 1),
    Conv2DGeometry(batch: 1, inputChannels: 28, inputHeight: 17, inputWidth: 40, outputChannels: 5, kernelHeight: 3, kernelWidth: 5,
                   strideY: 2, strideX: 3, padTop: 1, padBottom: 2, padLeft: 2, padRight: 0),
    Conv2DGeometry(batch: 1, inputChannels: 12, inputHeight: 9, inputWidth: 20, outputChannels: 3, kernelSize: 1, stride: 2),
    Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 8, inputWidth: 37, outputChannels: 4, kernelHeight: 4, kernelWidth: 4,
                   strideY: 2, strideX: 2, padTop: 2, padBottom: 1, padLeft: 2, padRight: 3),
    // Column phases of 21 and 22 pixels (register blocks 6 × 3 + 3 and + 4).
    Conv2DGeometry(batch: 1, inputChannels: 32, inputHeight: 15, inputWidth: 43, outputChannels: 16, kernelSize: 3,
                   stride: 2, padding: 1),
    // Strided along one axis only; a stride larger than the kernel; an
    // image smaller than the kernel.
    Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 11, inputWidth: 23, outputChannels: 16, kernelHeight: 3, kernelWidth: 3,
                   strideY: 2, strideX: 1, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1),
    Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 9, inputWidth: 10, outputChannels: 16, kernelSize: 1, stride: 3, padding: 1),
    Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 3, inputWidth: 4, outputChannels: 5, kernelSize: 5, stride: 2, padding: 2),
]

/// Stride-1 geometries with few output channels, whose weight gradient
/// reads the input in place (`weightGradientStrideOneByPixelVectors`):
/// 1, 2, 3, 4 (3 + 1) and 7 (3 + 3 + 1) output channels; kernel heights 3,
/// 5 (kernel rows grouped 3 + 2), 7 (3 + 3 + 1) and 1; rows with and without
/// a partial last vector in both builds' vector widths (4 and 8 lanes) and
/// narrower than one vector; sweeps of 4 rows with a partial last sweep;
/// padding as wide as the kernel (rows and columns that meet only padding)
/// and none; an image shorter than the kernel with bottom rows that meet
/// only padding (2 outputs over 3 + 2 kernel rows); batch 2.
private let strideOnePixelVectorWeightGradientGeometries: [Conv2DGeometry] = [
    Conv2DGeometry(batch: 2, inputChannels: 32, inputHeight: 19, inputWidth: 37, outputChannels: 3, kernelSize: 3, padding: 1),
    Conv2DGeometry(batch: 1, inputChannels: 5, inputHeight: 13, inputWidth: 64, outputChannels: 4, kernelSize: 5, padding: 2),
    Conv2DGeometry(batch: 1, inputChannels: 3, inputHeight: 10, inputWidth: 21, outputChannels: 7, kernelHeight: 7, kernelWidth: 3,
                   strideY: 1, strideX: 1, padTop: 4, padBottom: 0, padLeft: 0, padRight: 3),
    Conv2DGeometry(batch: 1, inputChannels: 2, inputHeight: 6, inputWidth: 3, outputChannels: 1, kernelSize: 3, padding: 3),
    Conv2DGeometry(batch: 2, inputChannels: 9, inputHeight: 9, inputWidth: 300, outputChannels: 2, kernelHeight: 1, kernelWidth: 5,
                   strideY: 1, strideX: 1, padTop: 0, padBottom: 0, padLeft: 1, padRight: 3),
    Conv2DGeometry(batch: 1, inputChannels: 3, inputHeight: 2, inputWidth: 9, outputChannels: 5, kernelHeight: 5, kernelWidth: 3,
                   strideY: 1, strideX: 1, padTop: 1, padBottom: 6, padLeft: 2, padRight: 0),
]

@Suite("Conv2D kernels")
struct Conv2DKernelTests {
    @Test("Double kernels match the naive loops", arguments: geometries)
    func doubleMatchesNaive(_ g: Conv2DGeometry) {
        let input = randomValues(g.inputCount, seed: 1), weight = randomValues(g.weightCount, seed: 2)
        let bias = randomValues(g.outputChannels, seed: 3), gradient = randomValues(g.outputCount, seed: 4)
        let fast = KernelResults<Double>(g, input: input, weight: weight, bias: bias, gradient: gradient, threads: 2)
        let expectedWeight = NaiveConvolution.weightGradient(input, gradient, g)
        #expect(relativeError(fast.output, NaiveConvolution.forward(input, weight, bias, g)) < 1e-12)
        #expect(relativeError(fast.inputGradient, NaiveConvolution.inputGradient(gradient, weight, g)) < 1e-12)
        #expect(relativeError(fast.weightGradient, expectedWeight.weight) < 1e-12)
        #expect(relativeError(fast.biasGradient, expectedWeight.bias) < 1e-12)
    }

    @Test("Forward passes that read the input in place (stride 1; channel vectors) match the naive loops, with and without the fused ReLU, for any thread count",
          arguments: inPlaceForwardGeometries + channelVectorForwardGeometries)
    func inPlaceForwardMatchesNaive(_ g: Conv2DGeometry) {
        #expect(g.strideX == 1 && g.strideY == 1 ? !channelVectorForwardApplies(to: g) : channelVectorForwardApplies(to: g))
        let input = randomValues(g.inputCount, seed: 31), weight = randomValues(g.weightCount, seed: 32)
        let bias = randomValues(g.outputChannels, seed: 33)
        let expected = NaiveConvolution.forward(input, weight, bias, g)
        for rectify in [false, true] {
            var output = [Double](repeating: .nan, count: g.outputCount)
            conv2DForward(input: input, weight: weight, bias: bias, output: &output, geometry: g, threads: 2, rectify: rectify)
            #expect(relativeError(output, rectify ? expected.map { max($0, 0) } : expected) < 1e-12)
        }
        let single = (input.map(Float.init), weight.map(Float.init), bias.map(Float.init))
        var one = [Float](repeating: .nan, count: g.outputCount), three = one
        conv2DForward(input: single.0, weight: single.1, bias: single.2, output: &one, geometry: g, threads: 1, rectify: true)
        conv2DForward(input: single.0, weight: single.1, bias: single.2, output: &three, geometry: g, threads: 3, rectify: true)
        #expect(three.map(\.bitPattern) == one.map(\.bitPattern))
        #expect(relativeError(one.map(Double.init), expected.map { max($0, 0) }) < 1e-4)
    }

    @Test("A fused ReLU's forward pass records its output's positive bits on every kernel route, for any thread count",
          arguments: geometries + winogradGeometries + inPlaceForwardGeometries + channelVectorForwardGeometries)
    func forwardRecordsPositiveBits(_ g: Conv2DGeometry) {
        expectForwardRecordsPositiveBits(Double.self, g)
        expectForwardRecordsPositiveBits(Float.self, g)
    }

    private func expectForwardRecordsPositiveBits<S: TensorScalar>(_: S.Type, _ g: Conv2DGeometry) {
        let input = randomValues(g.inputCount, seed: 41).map { S($0) }, weight = randomValues(g.weightCount, seed: 42).map { S($0) }
        let bias = randomValues(g.outputChannels, seed: 43).map { S($0) }
        let rows = g.batch * g.outputChannels * g.outputHeight, layout = PositiveBitsLayout(width: g.outputWidth)
        for threads in [1, 3] {
            var output = [S](repeating: .nan, count: g.outputCount)
            var bits = [PositiveBitsWord](repeating: PositiveBitsWord(repeating: .max), count: layout.words(rows: rows))
            conv2DForward(input: input, weight: weight, bias: bias, output: &output, geometry: g, threads: threads, rectify: true,
                          positiveBits: &bits)
            let expected = naivePositiveBits(output, width: g.outputWidth)
            #expect(bits == expected, "\(S.self), \(threads) threads")
            if g.outputCount >= 20 { #expect(output.contains(0) && output.contains { $0 > 0 }) }
        }
    }

    @Test("Stride-1 pixel-vector weight gradient matches the naive loops, with a gradient mask, for any thread count",
          arguments: strideOnePixelVectorWeightGradientGeometries)
    func strideOnePixelVectorWeightGradientMatchesNaive(_ g: Conv2DGeometry) {
        #expect(g.strideX == 1 && g.strideY == 1 && !channelVectorWeightGradientApplies(to: g) && !winogradWeightGradientPays(for: g))
        expectWeightGradientMatchesNaive(g, seed: 51)
    }

    @Test("Channel-vector input gradient matches the naive loops, with a gradient mask, for any thread count",
          arguments: channelVectorInputGradientGeometries)
    func channelVectorInputGradientMatchesNaive(_ g: Conv2DGeometry) {
        #expect(channelVectorInputGradientApplies(to: g))
        let weight = randomValues(g.weightCount, seed: 41), gradient = randomValues(g.outputCount, seed: 42)
        var inputGradient = [Double](repeating: .nan, count: g.inputCount)
        conv2DInputGradient(outputGradient: gradient, weight: weight, inputGradient: &inputGradient, geometry: g, threads: 2)
        #expect(relativeError(inputGradient, NaiveConvolution.inputGradient(gradient, weight, g)) < 1e-12)
        expectMaskMatchesMaskedGradient(Double.self, g)
        expectMaskMatchesMaskedGradient(Float.self, g)
    }

    @Test("Channel-vector weight gradient matches the naive loops, with a gradient mask, for any thread count",
          arguments: channelVectorForwardGeometries + [
              Conv2DGeometry(batch: 1, inputChannels: 3, inputHeight: 40, inputWidth: 37, outputChannels: 32, kernelSize: 5, padding: 2),
          ])
    func channelVectorWeightGradientMatchesNaive(_ g: Conv2DGeometry) {
        #expect(!winogradWeightGradientPays(for: g) && channelVectorWeightGradientApplies(to: g))
        expectWeightGradientMatchesNaive(g, seed: 43)
    }

    /// The weight and bias gradients of `g` in Double (2 threads) within
    /// 1e-12 and in Float (1 thread) within 1e-4 of the naive loops, and
    /// with a gradient mask bit for bit those of the masked gradient.
    private func expectWeightGradientMatchesNaive(_ g: Conv2DGeometry, seed: UInt64) {
        let input = randomValues(g.inputCount, seed: seed), gradient = randomValues(g.outputCount, seed: seed + 1)
        var weightGradient = [Double](repeating: .nan, count: g.weightCount)
        var biasGradient = [Double](repeating: .nan, count: g.outputChannels)
        conv2DWeightGradient(input: input, outputGradient: gradient, weightGradient: &weightGradient, biasGradient: &biasGradient,
                             geometry: g, threads: 2)
        let expected = NaiveConvolution.weightGradient(input, gradient, g)
        #expect(relativeError(weightGradient, expected.weight) < 1e-12)
        #expect(relativeError(biasGradient, expected.bias) < 1e-12)
        var single = [Float](repeating: .nan, count: g.weightCount)
        conv2DWeightGradient(input: input.map(Float.init), outputGradient: gradient.map(Float.init), weightGradient: &single,
                             biasGradient: nil, geometry: g, threads: 1)
        #expect(relativeError(single.map(Double.init), expected.weight) < 1e-4)
        expectMaskMatchesMaskedGradient(Double.self, g)
        expectMaskMatchesMaskedGradient(Float.self, g)
    }

    @Test("Forward without bias adds nothing",
          arguments: [Conv2DGeometry(batch: 1, inputChannels: 3, inputHeight: 9, inputWidth: 21, outputChannels: 6, kernelSize: 3, padding: 1),
                      Conv2DGeometry(batch: 1, inputChannels: 5, inputHeight: 9, inputWidth: 21, outputChannels: 16, kernelSize: 3,
                                     stride: 2, padding: 1)])
    func forwardWithoutBias(_ g: Conv2DGeometry) {
        let input = randomValues(g.inputCount, seed: 5), weight = randomValues(g.weightCount, seed: 6)
        var output = [Double](repeating: .nan, count: g.outputCount)
        conv2DForward(input: input, weight: weight, bias: nil, output: &output, geometry: g, threads: 1)
        #expect(relativeError(output, NaiveConvolution.forward(input, weight, nil, g)) < 1e-12)
        var weightGradient = [Double](repeating: .nan, count: g.weightCount)
        conv2DWeightGradient(input: input, outputGradient: output, weightGradient: &weightGradient,
                             biasGradient: nil, geometry: g, threads: 1)
        #expect(relativeError(weightGradient, NaiveConvolution.weightGradient(input, output, g).weight) < 1e-12)
    }

    @Test("Float kernels agree with Double",
          arguments: [geometries[2], geometries[4], geometries[9], geometries[12], geometries[16],
                      winogradGeometries[0], winogradGeometries[3], paperWidthGeometry, paperLastLayerGeometry])
    func floatMatchesDouble(_ g: Conv2DGeometry) {
        let input = randomValues(g.inputCount, seed: 7), weight = randomValues(g.weightCount, seed: 8)
        let bias = randomValues(g.outputChannels, seed: 9), gradient = randomValues(g.outputCount, seed: 10)
        let exact = KernelResults<Double>(g, input: input, weight: weight, bias: bias, gradient: gradient, threads: 1)
        let single = KernelResults<Float>(g, input: input.map(Float.init), weight: weight.map(Float.init),
                                          bias: bias.map(Float.init), gradient: gradient.map(Float.init), threads: 1)
        #expect(relativeError(single.output.map(Double.init), exact.output) < 1e-4)
        #expect(relativeError(single.inputGradient.map(Double.init), exact.inputGradient) < 1e-4)
        #expect(relativeError(single.weightGradient.map(Double.init), exact.weightGradient) < 1e-4)
        #expect(relativeError(single.biasGradient.map(Double.init), exact.biasGradient) < 1e-4)
    }

    @Test("Results are bit-identical for 1, 2 and 3 threads",
          arguments: [Conv2DGeometry(batch: 2, inputChannels: 16, inputHeight: 11, inputWidth: 37, outputChannels: 12, kernelSize: 3, padding: 1),
                      Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 41, inputWidth: 37, outputChannels: 16, kernelSize: 3, padding: 1),
                      Conv2DGeometry(batch: 1, inputChannels: 9, inputHeight: 13, inputWidth: 30, outputChannels: 3, kernelSize: 3, stride: 2, padding: 1)])
    func threadCountDoesNotChangeResults(_ g: Conv2DGeometry) {
        let input = randomValues(g.inputCount, seed: 11).map(Float.init), weight = randomValues(g.weightCount, seed: 12).map(Float.init)
        let bias = randomValues(g.outputChannels, seed: 13).map(Float.init), gradient = randomValues(g.outputCount, seed: 14).map(Float.init)
        let one = KernelResults<Float>(g, input: input, weight: weight, bias: bias, gradient: gradient, threads: 1)
        for threads in [2, 3] {
            let many = KernelResults<Float>(g, input: input, weight: weight, bias: bias, gradient: gradient, threads: threads)
            #expect(many.output.map(\.bitPattern) == one.output.map(\.bitPattern))
            #expect(many.inputGradient.map(\.bitPattern) == one.inputGradient.map(\.bitPattern))
            #expect(many.weightGradient.map(\.bitPattern) == one.weightGradient.map(\.bitPattern))
            #expect(many.biasGradient.map(\.bitPattern) == one.biasGradient.map(\.bitPattern))
        }
    }

    @Test("Winograd weight gradient matches the direct kernel and the naive loops",
          arguments: winogradGeometries + [geometries[14], geometries[15], geometries[16]])
    func winogradWeightGradientMatchesDirect(_ g: Conv2DGeometry) {
        let input = randomValues(g.inputCount, seed: 15), gradient = randomValues(g.outputCount, seed: 16)
        var winograd = [Double](repeating: .nan, count: g.weightCount)
        conv2DWeightGradientWinograd4x4(input: input, outputGradient: gradient, weightGradient: &winograd, geometry: g, threads: 2)
        // With a bias gradient (summed from the kernel's gradient copies), the same weights.
        var withBias = [Double](repeating: .nan, count: g.weightCount), bias = [Double](repeating: .nan, count: g.outputChannels)
        conv2DWeightGradientWinograd4x4(input: input, outputGradient: gradient, weightGradient: &withBias, biasGradient: &bias,
                                     geometry: g, threads: 3)
        #expect(withBias.map(\.bitPattern) == winograd.map(\.bitPattern))
        #expect(relativeError(bias, NaiveConvolution.weightGradient(input, gradient, g).bias) < 1e-12)
        // The direct kernel on the same sums: a 3×4 kernel with one more
        // column of right padding has the same output, its first three
        // columns of taps are the 3×3 taps, and it never takes the Winograd path.
        var wide = g
        wide.kernelWidth = 4
        wide.padRight += 1
        #expect(wide.outputWidth == g.outputWidth && !winogradApplies(to: wide))
        var direct = [Double](repeating: .nan, count: wide.weightCount)
        conv2DWeightGradient(input: input, outputGradient: gradient, weightGradient: &direct, biasGradient: nil,
                             geometry: wide, threads: 2)
        let directTaps = (0..<g.weightCount).map { direct[($0 / 3) * 4 + $0 % 3] }
        #expect(relativeError(winograd, directTaps) < 1e-12)
        #expect(relativeError(winograd, NaiveConvolution.weightGradient(input, gradient, g).weight) < 1e-12)

        let single = input.map(Float.init), singleGradient = gradient.map(Float.init)
        var winogradFloat = [Float](repeating: .nan, count: g.weightCount)
        conv2DWeightGradientWinograd4x4(input: single, outputGradient: singleGradient, weightGradient: &winogradFloat,
                                     geometry: g, threads: 1)
        #expect(relativeError(winogradFloat.map(Double.init), winograd) < 1e-4)
        for threads in [2, 3] {
            var many = [Float](repeating: .nan, count: g.weightCount)
            conv2DWeightGradientWinograd4x4(input: single, outputGradient: singleGradient, weightGradient: &many,
                                         geometry: g, threads: threads)
            #expect(many.map(\.bitPattern) == winogradFloat.map(\.bitPattern))
        }
    }

    /// F(4×4)'s transforms scale by up to 15 and its `G` by down to 1/24, and
    /// the weight gradient sums over every tile of an image: on the paper's
    /// conv3 channels (16 → 32) with a ReLU's positive input and a
    /// half-masked gradient, the Float result must stay close to the exact
    /// sums, within a small factor of the direct kernel's Float error. (The
    /// image is 64 × 96 because the tests run the kernels unspecialised; at
    /// the paper's 225 × 300 the errors were 3.7e-6 and 8.3e-7.)
    @Test("Winograd weight gradient in Float is about as accurate as the direct kernel on conv3's channels")
    func winogradWeightGradientAccuracyOnConv3Channels() {
        let g = Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 64, inputWidth: 96, outputChannels: 32,
                               kernelSize: 3, padding: 1)
        let input = randomValues(g.inputCount, seed: 21).map { max($0, 0) }
        let mask = randomValues(g.outputCount, seed: 22), gradient = randomValues(g.outputCount, seed: 23)
        let maskedGradient = zip(gradient, mask).map { $1 > 0 ? $0 : 0 }
        var exact = [Double](repeating: .nan, count: g.weightCount)
        conv2DWeightGradientWinograd4x4(input: input, outputGradient: maskedGradient, weightGradient: &exact, geometry: g,
                                        threads: 2)
        var winograd = [Float](repeating: .nan, count: g.weightCount)
        conv2DWeightGradientWinograd4x4(input: input.map(Float.init), outputGradient: gradient.map(Float.init),
                                        weightGradient: &winograd, geometry: g, threads: 2,
                                        gradientMask: mask.map(Float.init))
        // The direct kernel in Float on the same sums (3×4 taps, see above).
        var wide = g
        wide.kernelWidth = 4
        wide.padRight += 1
        var direct = [Float](repeating: .nan, count: wide.weightCount)
        conv2DWeightGradient(input: input.map(Float.init), outputGradient: maskedGradient.map(Float.init),
                             weightGradient: &direct, biasGradient: nil, geometry: wide, threads: 2)
        let directTaps = (0..<g.weightCount).map { Double(direct[($0 / 3) * 4 + $0 % 3]) }
        let winogradError = relativeError(winograd.map(Double.init), exact)
        let directError = relativeError(directTaps, exact)
        // Measured: 1.9e-6 against the direct kernel's 2.5e-7 (default build).
        #expect(winogradError < 1e-5)
        #expect(winogradError < 20 * directError)
    }

    @Test("Weight gradient takes the Winograd path exactly where it pays")
    func winogradWeightGradientDispatch() {
        for g in winogradGeometries { #expect(winogradWeightGradientPays(for: g)) }
        let conv3 = Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 225, inputWidth: 300, outputChannels: 32,
                                   kernelSize: 3, padding: 1)
        #expect(winogradWeightGradientPays(for: conv3))
        #expect(!winogradWeightGradientPays(for: geometries[14]))  // 8 input channels
        #expect(!winogradWeightGradientPays(for: paperLastLayerGeometry))  // 32 → 3: the direct 3 × 3 register tile
        var fourOutputs = paperLastLayerGeometry
        fourOutputs.outputChannels = 4
        #expect(winogradWeightGradientPays(for: fourOutputs))
        var twentyChannels = conv3
        twentyChannels.inputChannels = 20
        #expect(!winogradWeightGradientPays(for: twentyChannels))
        var strided = conv3
        strided.strideX = 2
        #expect(!winogradWeightGradientPays(for: strided))
    }

    @Test("Output size follows PyTorch's formula")
    func outputSize() {
        let g = Conv2DGeometry(batch: 1, inputChannels: 1, inputHeight: 225, inputWidth: 300, outputChannels: 1, kernelSize: 3, stride: 2, padding: 1)
        #expect(g.outputHeight == 113 && g.outputWidth == 150)
        #expect(g.isValid)
        #expect(!Conv2DGeometry(batch: 1, inputChannels: 1, inputHeight: 2, inputWidth: 2, outputChannels: 1, kernelSize: 5).isValid)
    }

    @Test("A gradient mask gives, bit for bit, the results on the masked gradient (any thread count)", arguments: geometries)
    func gradientMaskMatchesMaskedGradient(_ g: Conv2DGeometry) {
        expectMaskMatchesMaskedGradient(Double.self, g)
        expectMaskMatchesMaskedGradient(Float.self, g)
    }

    /// Runs both backward kernels with `gradientMask` (a ReLU output: zeros,
    /// positive values, `+∞`) and on the gradient masked beforehand, and
    /// expects identical bits.
    private func expectMaskMatchesMaskedGradient<S: TensorScalar>(_: S.Type, _ g: Conv2DGeometry) {
        let input = randomValues(g.inputCount, seed: 17).map { S($0) }, weight = randomValues(g.weightCount, seed: 18).map { S($0) }
        let gradient = randomValues(g.outputCount, seed: 19).map { S($0) }
        let mask = randomValues(g.outputCount, seed: 20).enumerated().map { index, value -> S in
            index % 23 == 5 ? .infinity : S(max(value, 0))
        }
        let masked = zip(mask, gradient).map { m, d in m > 0 ? d : 0 }
        var expectedInput = [S](repeating: .nan, count: g.inputCount), expectedWeight = [S](repeating: .nan, count: g.weightCount)
        var expectedBias = [S](repeating: .nan, count: g.outputChannels)
        conv2DInputGradient(outputGradient: masked, weight: weight, inputGradient: &expectedInput, geometry: g, threads: 1)
        conv2DWeightGradient(input: input, outputGradient: masked, weightGradient: &expectedWeight, biasGradient: &expectedBias,
                             geometry: g, threads: 1)
        for threads in [1, 3] {
            var inputGradient = [S](repeating: .nan, count: g.inputCount), weightGradient = [S](repeating: .nan, count: g.weightCount)
            var biasGradient = [S](repeating: .nan, count: g.outputChannels)
            mask.withUnsafeBufferPointer { mask in
                conv2DInputGradient(outputGradient: gradient, weight: weight, inputGradient: &inputGradient, geometry: g,
                                    threads: threads, gradientMask: mask.baseAddress)
                conv2DWeightGradient(input: input, outputGradient: gradient, weightGradient: &weightGradient,
                                     biasGradient: &biasGradient, geometry: g, threads: threads, gradientMask: mask.baseAddress)
            }
            #expect(identical(inputGradient, expectedInput), "input gradient, \(S.self), \(threads) threads")
            #expect(identical(weightGradient, expectedWeight), "weight gradient, \(S.self), \(threads) threads")
            #expect(identical(biasGradient, expectedBias), "bias gradient, \(S.self), \(threads) threads")
        }
    }

    @Test("An input mask (a ReLU output's positive bits) stores, bit for bit, the input gradient masked afterwards (any thread count)",
          arguments: geometries)
    func inputMaskMatchesMaskingAfterwards(_ g: Conv2DGeometry) {
        expectInputMaskMatchesMaskingAfterwards(Double.self, g)
        expectInputMaskMatchesMaskingAfterwards(Float.self, g)
    }

    /// Runs the input gradient with `inputMask` (a ReLU output: zeros,
    /// positive values, `+∞`), with and without a gradient mask, and expects
    /// the bits of the unmasked result with every entry zeroed where the
    /// mask is not positive.
    private func expectInputMaskMatchesMaskingAfterwards<S: TensorScalar>(_: S.Type, _ g: Conv2DGeometry) {
        let weight = randomValues(g.weightCount, seed: 21).map { S($0) }
        let gradient = randomValues(g.outputCount, seed: 22).map { S($0) }
        let gradientMask = randomValues(g.outputCount, seed: 23).map { S(max($0, 0)) }
        let inputMask = randomValues(g.inputCount, seed: 24).enumerated().map { index, value -> S in
            index % 19 == 3 ? .infinity : S(max(value, 0))
        }
        if g.inputCount >= 20 { #expect(inputMask.contains(0) && inputMask.contains { $0 > 0 }) }
        let inputBits = naivePositiveBits(inputMask, width: g.inputWidth)
        for useGradientMask in [false, true] {
            var unmasked = [S](repeating: .nan, count: g.inputCount)
            gradientMask.withUnsafeBufferPointer { gradientMask in
                conv2DInputGradient(outputGradient: gradient, weight: weight, inputGradient: &unmasked, geometry: g, threads: 1,
                                    gradientMask: useGradientMask ? gradientMask.baseAddress : nil)
            }
            let expected = zip(inputMask, unmasked).map { m, v in m > 0 ? v : 0 }
            for threads in [1, 3] {
                var inputGradient = [S](repeating: .nan, count: g.inputCount)
                gradientMask.withUnsafeBufferPointer { gradientMask in
                    conv2DInputGradient(outputGradient: gradient, weight: weight, inputGradient: &inputGradient, geometry: g,
                                        threads: threads, gradientMask: useGradientMask ? gradientMask.baseAddress : nil,
                                        inputMask: inputBits)
                }
                #expect(identical(inputGradient, expected),
                        "input gradient, \(S.self), \(threads) threads, gradient mask \(useGradientMask)")
            }
        }
    }
}

/// The one backward entry point against the two kernels it stands for.
@Suite("conv2DBackward: input, weight and bias gradients in one call") struct Conv2DBackwardTests {
    /// Geometries on which the two Winograd passes run interleaved, besides
    /// those of ``geometries`` (checked by ``interleavingAppliesWhereTheBlocksAgree()``).
    static let interleavedGeometries: [Conv2DGeometry] = [
        // 18 tile rows in 16 blocks, so some blocks take two tile rows and carry their rings from one to the next.
        Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 70, inputWidth: 37, outputChannels: 32, kernelSize: 3, padding: 1),
        // Two images of 3 tile rows each (both passes split each image into 3 blocks).
        Conv2DGeometry(batch: 2, inputChannels: 12, inputHeight: 9, inputWidth: 45, outputChannels: 13, kernelSize: 3, padding: 1),
    ]

    @Test("Interleaving applies where both passes are Winograd and split the images alike")
    func interleavingAppliesWhereTheBlocksAgree() {
        let paperConv3 = Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 225, inputWidth: 300, outputChannels: 32,
                                        kernelSize: 3, padding: 1)
        #expect(interleavedWinogradBackwardApplies(to: paperConv3))
        for g in Self.interleavedGeometries { #expect(interleavedWinogradBackwardApplies(to: g), "\(g)") }
        // Two images of 18 tile rows: the input gradient takes 16 blocks per image, the weight gradient 8.
        #expect(!interleavedWinogradBackwardApplies(to: Conv2DGeometry(batch: 2, inputChannels: 16, inputHeight: 70, inputWidth: 37,
                                                                        outputChannels: 32, kernelSize: 3, padding: 1)))
        // No padding: the input gradient has more rows (3 tile rows) than the output (2).
        #expect(!interleavedWinogradBackwardApplies(to: Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 9, inputWidth: 20,
                                                                        outputChannels: 16, kernelSize: 3, padding: 0)))
        // The paper's last layer (32 → 3): the weight gradient is not Winograd.
        #expect(!interleavedWinogradBackwardApplies(to: paperLastLayerGeometry))
    }

    @Test("The weight gradient reads the input gradient's planes where they hold its rows and tiles")
    func weightGradientReadsSharedPlanesWhereTheyFit() {
        let g = Conv2DGeometry(batch: 1, inputChannels: 16, inputHeight: 225, inputWidth: 300, outputChannels: 32,
                               kernelSize: 3, padding: 1)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 1)   // never read: only the planes' layout is checked
        defer { scratch.deallocate() }
        let sums = Winograd4WeightGradientSums(input: scratch, outputGradient: scratch, geometry: g, gradientMask: nil,
                                               summingBias: false)
        defer { sums.release() }
        // The input gradient's planes of tile row 5 (padded rows 20 ..< 26, 81 columns of 75 tiles plus the padding).
        func rows(planeWidth: Int = 81, padTop: Int = 1, firstRow: Int = 20) -> Winograd4PackedRows<Float> {
            Winograd4PackedRows(planes: scratch, channelStride: 0, phaseStride: 0, rowStride: 0, ringRows: 8,
                                planeWidth: planeWidth, padTop: padTop, padLeft: 1, firstRow: firstRow, rows: 6)
        }
        #expect(sums.canRead(rows(), tileRow: 5))
        #expect(!sums.canRead(rows(planeWidth: 80), tileRow: 5), "the last tiles' phase 3 reads column 80")
        #expect(!sums.canRead(rows(firstRow: 24), tileRow: 5), "rows of the next tile row")
        #expect(!sums.canRead(rows(padTop: 3), tileRow: 5), "gradient rows 20 ..< 24 would be padded rows 23 ..< 27")
    }

    @Test("Equals the separate input and weight gradient kernels bit for bit, masks and bias included",
          arguments: winogradGeometries + interleavedGeometries + [geometries[2], geometries[4], paperLastLayerGeometry])
    func matchesSeparateKernels(_ g: Conv2DGeometry) {
        expectMatchesSeparateKernels(Double.self, g)
        expectMatchesSeparateKernels(Float.self, g)
    }

    private func expectMatchesSeparateKernels<S: TensorScalar>(_: S.Type, _ g: Conv2DGeometry) {
        let input = randomValues(g.inputCount, seed: 31).map { S($0) }
        let weight = randomValues(g.weightCount, seed: 32).map { S($0) }
        let gradient = randomValues(g.outputCount, seed: 33).map { S($0) }
        let gradientMask = randomValues(g.outputCount, seed: 34).map { S(max($0, 0)) }
        let inputMask = naivePositiveBits(randomValues(g.inputCount, seed: 35).map { S(max($0, 0)) }, width: g.inputWidth)
        for (useGradientMask, useInputMask) in [(false, false), (true, true), (true, false)] {
            gradientMask.withUnsafeBufferPointer { gradientMask in
                inputMask.withUnsafeBufferPointer { inputMask in
                    let gm = useGradientMask ? gradientMask.baseAddress : nil, im = useInputMask ? inputMask.baseAddress : nil
                    var expectedInput = [S](repeating: .nan, count: g.inputCount)
                    var expectedWeight = [S](repeating: .nan, count: g.weightCount)
                    var expectedBias = [S](repeating: .nan, count: g.outputChannels)
                    conv2DInputGradient(outputGradient: gradient, weight: weight, inputGradient: &expectedInput, geometry: g,
                                        threads: 1, gradientMask: gm, inputMask: im)
                    conv2DWeightGradient(input: input, outputGradient: gradient, weightGradient: &expectedWeight,
                                         biasGradient: &expectedBias, geometry: g, threads: 1, gradientMask: gm)
                    for threads in [1, 3] {
                        var inputGradient = [S](repeating: .nan, count: g.inputCount)
                        var weightGradient = [S](repeating: .nan, count: g.weightCount)
                        var biasGradient = [S](repeating: .nan, count: g.outputChannels)
                        conv2DBackward(outputGradient: gradient, weight: weight, input: input, inputGradient: &inputGradient,
                                       weightGradient: &weightGradient, biasGradient: &biasGradient, geometry: g, threads: threads,
                                       gradientMask: gm, inputMask: im)
                        let context = "\(S.self), \(threads) threads, masks \(useGradientMask)/\(useInputMask)"
                        #expect(identical(inputGradient, expectedInput), "input gradient, \(context)")
                        #expect(identical(weightGradient, expectedWeight), "weight gradient, \(context)")
                        #expect(identical(biasGradient, expectedBias), "bias gradient, \(context)")
                        // Without the bias, and each gradient alone.
                        var weightOnly = [S](repeating: .nan, count: g.weightCount)
                        var inputOnly = [S](repeating: .nan, count: g.inputCount)
                        conv2DBackward(outputGradient: gradient, weight: weight, input: input, inputGradient: &inputOnly,
                                       weightGradient: &weightOnly, biasGradient: nil, geometry: g, threads: threads,
                                       gradientMask: gm, inputMask: im)
                        #expect(identical(weightOnly, expectedWeight) && identical(inputOnly, expectedInput), "no bias, \(context)")
                        weightOnly = [S](repeating: .nan, count: g.weightCount)
                        conv2DBackward(outputGradient: gradient, weight: weight, input: input, inputGradient: nil,
                                       weightGradient: &weightOnly, biasGradient: nil, geometry: g, threads: threads,
                                       gradientMask: gm, inputMask: im)
                        #expect(identical(weightOnly, expectedWeight), "weight gradient alone, \(context)")
                    }
                }
            }
        }
    }
}
