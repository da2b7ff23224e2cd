/// The kernels of one scalar type, as function values compiled for that type.
///
/// Graph code is generic over ``TensorScalar`` and is not specialised; it calls
/// its kernels through `Scalar.kernels`, which costs one indirect call per
/// operation. Each entry is a closure written in a concrete context
/// (`floatKernels`, `doubleKernels`), so the generic kernel it calls is
/// specialised for that type inside SFLKit and runs at full speed from any
/// module. Internal: users never see the table.
struct KernelTable<Scalar: TensorScalar>: Sendable {
    typealias Pointer = UnsafePointer<Scalar>
    typealias MutablePointer = UnsafeMutablePointer<Scalar>

    let unary: @Sendable (UnaryOperation, Pointer, MutablePointer, Int, Int) -> Void
    let unaryGradient: @Sendable (UnaryOperation, Pointer, Pointer, Pointer, MutablePointer, Int, Int) -> Void
    let binary: @Sendable (BinaryOperation, Pointer, Pointer, MutablePointer, Int, Int) -> Void
    let binaryScalar: @Sendable (BinaryOperation, Pointer, Scalar, Bool, MutablePointer, Int, Int) -> Void
    let broadcastBinary: @Sendable (BinaryOperation, Pointer, [Int], Pointer, [Int], MutablePointer, [Int]) -> Void
    let stridedCopy: @Sendable (Pointer, [Int], MutablePointer, [Int]) -> Void
    let fill: @Sendable (MutablePointer, Int, Scalar) -> Void
    let convertFromDouble: @Sendable (UnsafePointer<Double>, MutablePointer, Int) -> Void
    let convertToDouble: @Sendable (Pointer, UnsafeMutablePointer<Double>, Int) -> Void
    let reduceSum: @Sendable (Pointer, Int, Int, Int, MutablePointer, Int) -> Void
    let matrixMultiply: @Sendable (Pointer, Pointer, MutablePointer, Int, Int, Int, Int) -> Void
    /// Input, weight, bias, output, geometry, threads, whether to fuse a ReLU into the stores, and (with the ReLU)
    /// where to record the output's positive bits, or `nil`.
    let conv2DForward: @Sendable (Pointer, Pointer, Pointer?, MutablePointer, Conv2DGeometry, Int, Bool,
                                  UnsafeMutablePointer<PositiveBitsWord>?) -> Void
    /// Output gradient, weight, input, then the input, weight and bias gradients (each `nil` to skip it), geometry,
    /// threads, a fused ReLU's output as the gradient's mask, and the positive bits of the output of the fused ReLU that
    /// produced the input, as the input gradient's mask.
    let conv2DBackward: @Sendable (Pointer, Pointer, Pointer, MutablePointer?, MutablePointer?, MutablePointer?, Conv2DGeometry, Int,
                                   Pointer?, UnsafePointer<PositiveBitsWord>?) -> Void
    let resampleForward: @Sendable (Pointer, MutablePointer, ResampleGeometry, Int) -> Void
    let resampleAdjoint: @Sendable (Pointer, MutablePointer, ResampleGeometry, Int) -> Void
    let filterBankForward: @Sendable (Pointer, MutablePointer, FilterBankGeometry, [LoGKernel], FilterBankMethod, Int) -> Void
    let filterBankAdjoint: @Sendable (Pointer, MutablePointer, FilterBankGeometry, [LoGKernel], FilterBankMethod, Int) -> Void
    let separableFilterForward: @Sendable (Pointer, MutablePointer, SeparableFilterGeometry, Int) -> Void
    let separableFilterAdjoint: @Sendable (Pointer, MutablePointer, SeparableFilterGeometry, Int) -> Void
    /// Statistics, planes, plane size, C1, C2, output (SSIM means, then cs means), threads.
    let similarityMeans: @Sendable (SimilarityStatistics<Scalar>, Int, Int, Double, Double, MutablePointer, Int) -> Void
    /// Statistics, planes, plane size, C1, C2, gradient of the means, the five statistics' gradients, threads.
    let similarityMeansGradient: @Sendable (SimilarityStatistics<Scalar>, Int, Int, Double, Double, Pointer, [MutablePointer], Int) -> Void
    /// Real and imaginary spectra (overwritten with w·D), planes, plane size, weighting; returns Σ w·|D|².
    let focalFrequencySum: @Sendable (MutablePointer, MutablePointer, Int, Int, FocalWeighting) -> Double
    /// Real and imaginary input (nil: zero), real and imaginary output, planes, height, width, scale, threads.
    let fourierTransform2D: @Sendable (Pointer, Pointer?, MutablePointer, MutablePointer, Int, Int, Int, Double, Int) -> Void

    /// Builds the table for `Scalar` from the generic kernels; called only
    /// from a concrete context, so each kernel is specialised.
    @inline(__always)
    static func specialized() -> KernelTable<Scalar> {
        KernelTable(
            unary: { unaryKernel($0, $1, $2, $3, threads: $4) },
            unaryGradient: { unaryGradientKernel($0, input: $1, result: $2, gradient: $3, output: $4, $5, threads: $6) },
            binary: { binaryKernel($0, $1, $2, $3, $4, threads: $5) },
            binaryScalar: { binaryScalarKernel($0, $1, $2, scalarFirst: $3, $4, $5, threads: $6) },
            broadcastBinary: { broadcastBinaryKernel($0, $1, aStrides: $2, $3, bStrides: $4, $5, shape: $6) },
            stridedCopy: { stridedCopyKernel($0, strides: $1, $2, shape: $3) },
            fill: { fillKernel($0, $1, $2) },
            convertFromDouble: { convertFromDoubleKernel($0, $1, $2) },
            convertToDouble: { convertToDoubleKernel($0, $1, $2) },
            reduceSum: { reduceSumKernel($0, outer: $1, length: $2, inner: $3, $4, threads: $5) },
            matrixMultiply: { matrixMultiplyKernel($0, $1, $2, m: $3, k: $4, n: $5, threads: $6) },
            conv2DForward: {
                SFLKit.conv2DForward(input: $0, weight: $1, bias: $2, output: $3, geometry: $4, threads: $5, rectify: $6, positiveBits: $7)
            },
            conv2DBackward: {
                SFLKit.conv2DBackward(outputGradient: $0, weight: $1, input: $2, inputGradient: $3, weightGradient: $4, biasGradient: $5,
                                      geometry: $6, threads: $7, gradientMask: $8, inputMask: $9)
            },
            resampleForward: { SFLKit.resampleForward(input: $0, output: $1, geometry: $2, threads: $3) },
            resampleAdjoint: { SFLKit.resampleAdjoint(outputGradient: $0, inputGradient: $1, geometry: $2, threads: $3) },
            filterBankForward: { SFLKit.filterBankForward(input: $0, output: $1, geometry: $2, kernels: $3, method: $4, threads: $5) },
            filterBankAdjoint: {
                SFLKit.filterBankAdjoint(outputGradient: $0, inputGradient: $1, geometry: $2, kernels: $3, method: $4, threads: $5)
            },
            separableFilterForward: { SFLKit.separableFilterForward(input: $0, output: $1, geometry: $2, threads: $3) },
            separableFilterAdjoint: { SFLKit.separableFilterAdjoint(outputGradient: $0, inputGradient: $1, geometry: $2, threads: $3) },
            similarityMeans: { SFLKit.similarityMeans($0, planes: $1, planeSize: $2, c1: $3, c2: $4, output: $5, threads: $6) },
            similarityMeansGradient: {
                SFLKit.similarityMeansGradient($0, planes: $1, planeSize: $2, c1: $3, c2: $4, gradient: $5, meanX: $6[0], meanY: $6[1],
                                               squareX: $6[2], squareY: $6[3], product: $6[4], threads: $7)
            },
            focalFrequencySum: { SFLKit.focalFrequencySum(real: $0, imaginary: $1, planes: $2, planeSize: $3, weighting: $4) },
            fourierTransform2D: {
                SFLKit.fourierTransform2D(real: $0, imaginary: $1, outputReal: $2, outputImaginary: $3, planes: $4, height: $5, width: $6,
                                          scale: $7, threads: $8)
            }
        )
    }
}

/// The kernels specialised for `Float`.
let floatKernels = KernelTable<Float>.specialized()

/// The kernels specialised for `Double`.
let doubleKernels = KernelTable<Double>.specialized()
