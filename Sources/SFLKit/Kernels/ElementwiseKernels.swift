/// An elementwise function of one tensor.
enum UnaryOperation: Equatable, Sendable {
    case negate, square, squareRoot, exp, log, tanh, relu, sigmoid
    /// `x` for `x > 0`, `slope · x` otherwise.
    case leakyRelu(slope: Double)
    /// `|x|`; its gradient at 0 is taken as 0 (as PyTorch does).
    case absolute
    /// `xᵃ` for a fixed exponent `a` (`pow`); its gradient is `a · xᵃ⁻¹`.
    case power(exponent: Double)
}

/// An elementwise function of two tensors.
enum BinaryOperation: Equatable, Sendable {
    case add, subtract, multiply, divide
}

/// Elementwise loops are split into blocks of this many elements (a
/// multiple of every SIMD width) when they are large enough to share.
let elementwiseBlockSize = 1 << 15

/// Runs `body(range)` over `0..<count` in fixed blocks, in parallel when large.
@inline(__always)
func forEachElementBlock(_ count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    let blocks = (count + elementwiseBlockSize - 1) / elementwiseBlockSize
    if blocks <= 2 { body(0..<count); return }
    Parallel.forEachBlock(blocks, threads: threads) { block in
        body((block * elementwiseBlockSize)..<min(count, (block + 1) * elementwiseBlockSize))
    }
}

/// `output[i] = f(input[i])` for `i` in `range`, as a loop from zero that
/// the compiler vectorises (a loop over `range` itself, or with the pointers
/// not rebased, stays scalar).
@inline(__always)
func mapElements<S: TensorScalar>(_ range: Range<Int>, _ input: UnsafeMutablePointer<S>, _ output: UnsafeMutablePointer<S>,
                                  _ f: (S) -> S) {
    let x = input + range.lowerBound, y = output + range.lowerBound
    for i in 0..<range.count { y[i] = f(x[i]) }
}

/// `output[i] = f(a[i], b[i])` for `i` in `range`, as a loop from zero that
/// the compiler vectorises (see ``mapElements(_:_:_:_:)``).
@inline(__always)
func zipElements<S: TensorScalar>(_ range: Range<Int>, _ a: UnsafeMutablePointer<S>, _ b: UnsafeMutablePointer<S>,
                                  _ output: UnsafeMutablePointer<S>, _ f: (S, S) -> S) {
    let x = a + range.lowerBound, y = b + range.lowerBound, z = output + range.lowerBound
    for i in 0..<range.count { z[i] = f(x[i], y[i]) }
}

/// `output[i] = f(input[i])` for `f` the given operation.
func unaryKernel<S: TensorScalar>(_ operation: UnaryOperation, _ input: UnsafePointer<S>, _ output: UnsafeMutablePointer<S>, _ count: Int, threads: Int) {
    let input = SendablePointer(UnsafeMutablePointer(mutating: input)), output = SendablePointer(output)
    forEachElementBlock(count, threads: threads) { range in
        let x = input.base, y = output.base
        switch operation {
        case .negate: mapElements(range, x, y) { -$0 }
        case .square: mapElements(range, x, y) { $0 * $0 }
        case .squareRoot: mapElements(range, x, y) { $0.squareRoot() }
        case .exp: for i in range { y[i] = S.exponential(x[i]) }
        case .log: for i in range { y[i] = S.naturalLogarithm(x[i]) }
        case .tanh:
            if S.self == Float.self {   // vectorised (see VectorTanh.swift); Double keeps the C library's tanh
                tanhKernel(UnsafeRawPointer(x + range.lowerBound).assumingMemoryBound(to: Float.self),
                           UnsafeMutableRawPointer(y + range.lowerBound).assumingMemoryBound(to: Float.self), count: range.count)
            } else {
                for i in range { y[i] = S.hyperbolicTangent(x[i]) }
            }
        case .relu: mapElements(range, x, y) { v in v > 0 ? v : 0 }
        case .sigmoid: for i in range { y[i] = 1 / (1 + S.exponential(-x[i])) }
        case .leakyRelu(let slope):
            let a = S(slope)
            mapElements(range, x, y) { v in v > 0 ? v : a * v }
        case .absolute: mapElements(range, x, y) { $0.magnitude }
        case .power(let exponent):
            let a = S(exponent)
            for i in range { y[i] = S.power(x[i], a) }
        }
    }
}

/// The vector–Jacobian product of a unary operation:
/// `output[i] = gradient[i] · f′(input[i])`, using `result[i] = f(input[i])`
/// where that is cheaper.
func unaryGradientKernel<S: TensorScalar>(
    _ operation: UnaryOperation, input: UnsafePointer<S>, result: UnsafePointer<S>, gradient: UnsafePointer<S>,
    output: UnsafeMutablePointer<S>, _ count: Int, threads: Int
) {
    let input = SendablePointer(UnsafeMutablePointer(mutating: input))
    let result = SendablePointer(UnsafeMutablePointer(mutating: result))
    let gradient = SendablePointer(UnsafeMutablePointer(mutating: gradient)), output = SendablePointer(output)
    forEachElementBlock(count, threads: threads) { range in
        let x = input.base, y = result.base, g = gradient.base, o = output.base
        switch operation {
        case .negate: mapElements(range, g, o) { -$0 }
        case .square: zipElements(range, x, g, o) { v, d in 2 * v * d }
        case .squareRoot: for i in range { o[i] = g[i] / (2 * y[i]) }
        case .exp: zipElements(range, g, y, o) { d, e in d * e }
        case .log: for i in range { o[i] = g[i] / x[i] }
        case .tanh: zipElements(range, y, g, o) { t, d in d * (1 - t * t) }
        case .relu: zipElements(range, x, g, o) { v, d in v > 0 ? d : 0 }
        case .sigmoid: for i in range { o[i] = g[i] * y[i] * (1 - y[i]) }
        case .leakyRelu(let slope):
            let a = S(slope)
            zipElements(range, x, g, o) { v, d in v > 0 ? d : a * d }
        case .absolute: zipElements(range, x, g, o) { v, d in v > 0 ? d : (v < 0 ? -d : 0) }
        case .power(let exponent):
            let a = S(exponent), b = S(exponent - 1)
            for i in range { o[i] = g[i] * a * S.power(x[i], b) }
        }
    }
}

/// `output[i] = a[i] ∘ b[i]` for operands of the same shape.
func binaryKernel<S: TensorScalar>(_ operation: BinaryOperation, _ a: UnsafePointer<S>, _ b: UnsafePointer<S>, _ output: UnsafeMutablePointer<S>, _ count: Int, threads: Int) {
    let a = SendablePointer(UnsafeMutablePointer(mutating: a)), b = SendablePointer(UnsafeMutablePointer(mutating: b))
    let output = SendablePointer(output)
    forEachElementBlock(count, threads: threads) { range in
        let x = a.base, y = b.base, o = output.base
        switch operation {
        case .add: zipElements(range, x, y, o) { $0 + $1 }
        case .subtract: zipElements(range, x, y, o) { $0 - $1 }
        case .multiply: zipElements(range, x, y, o) { $0 * $1 }
        case .divide: zipElements(range, x, y, o) { $0 / $1 }
        }
    }
}

/// `output[i] = a[i] ∘ scalar`, or `scalar ∘ a[i]` when `scalarFirst`.
func binaryScalarKernel<S: TensorScalar>(_ operation: BinaryOperation, _ a: UnsafePointer<S>, _ scalar: S, scalarFirst: Bool, _ output: UnsafeMutablePointer<S>, _ count: Int, threads: Int) {
    let a = SendablePointer(UnsafeMutablePointer(mutating: a)), output = SendablePointer(output)
    forEachElementBlock(count, threads: threads) { range in
        let x = a.base, o = output.base, s = scalar
        switch (operation, scalarFirst) {
        case (.add, _): mapElements(range, x, o) { $0 + s }
        case (.multiply, _): mapElements(range, x, o) { $0 * s }
        case (.subtract, false): mapElements(range, x, o) { $0 - s }
        case (.subtract, true): mapElements(range, x, o) { s - $0 }
        case (.divide, false): mapElements(range, x, o) { $0 / s }
        case (.divide, true): mapElements(range, x, o) { s / $0 }
        }
    }
}

/// `output = a ∘ b` with broadcasting: `shape` is the output shape and the
/// stride arrays read each operand as if it had that shape (0 along broadcast axes).
func broadcastBinaryKernel<S: TensorScalar>(
    _ operation: BinaryOperation, _ a: UnsafePointer<S>, aStrides: [Int], _ b: UnsafePointer<S>, bStrides: [Int],
    _ output: UnsafeMutablePointer<S>, shape: [Int]
) {
    let count = Shape.elementCount(shape)
    if count == 0 { return }
    let rank = shape.count
    if rank == 0 {
        binaryKernel(operation, a, b, output, 1, threads: 1)
        return
    }
    let inner = shape[rank - 1], sa = aStrides[rank - 1], sb = bStrides[rank - 1]
    var index = [Int](repeating: 0, count: rank)
    var offsetA = 0, offsetB = 0, offsetOut = 0
    while offsetOut < count {
        let x = a + offsetA, y = b + offsetB, o = output + offsetOut
        switch operation {
        case .add: for i in 0..<inner { o[i] = x[i * sa] + y[i * sb] }
        case .subtract: for i in 0..<inner { o[i] = x[i * sa] - y[i * sb] }
        case .multiply: for i in 0..<inner { o[i] = x[i * sa] * y[i * sb] }
        case .divide: for i in 0..<inner { o[i] = x[i * sa] / y[i * sb] }
        }
        offsetOut += inner
        // Advance the multi-index over the outer axes (odometer order).
        var axis = rank - 2
        while axis >= 0 {
            index[axis] += 1
            offsetA += aStrides[axis]
            offsetB += bStrides[axis]
            if index[axis] < shape[axis] { break }
            offsetA -= aStrides[axis] * shape[axis]
            offsetB -= bStrides[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
}

/// Copies a strided view into contiguous `output` of `shape`:
/// `output[i₀, …, iₙ] = input[Σ iₖ · strides[k]]`. Serves broadcasting
/// (stride 0) and permutation.
func stridedCopyKernel<S: TensorScalar>(_ input: UnsafePointer<S>, strides: [Int], _ output: UnsafeMutablePointer<S>, shape: [Int]) {
    let count = Shape.elementCount(shape)
    if count == 0 { return }
    let rank = shape.count
    if rank == 0 { output[0] = input[0]; return }
    let inner = shape[rank - 1], step = strides[rank - 1]
    var index = [Int](repeating: 0, count: rank)
    var offset = 0, written = 0
    while written < count {
        let x = input + offset, o = output + written
        if step == 1 {
            for i in 0..<inner { o[i] = x[i] }
        } else {
            for i in 0..<inner { o[i] = x[i * step] }
        }
        written += inner
        var axis = rank - 2
        while axis >= 0 {
            index[axis] += 1
            offset += strides[axis]
            if index[axis] < shape[axis] { break }
            offset -= strides[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
}

/// Sets `count` scalars to `value`.
func fillKernel<S: TensorScalar>(_ output: UnsafeMutablePointer<S>, _ count: Int, _ value: S) {
    output.update(repeating: value, count: count)
}

/// Converts `count` doubles to scalars (rounding to nearest for `Float`).
func convertFromDoubleKernel<S: TensorScalar>(_ input: UnsafePointer<Double>, _ output: UnsafeMutablePointer<S>, _ count: Int) {
    for i in 0..<count { output[i] = S(input[i]) }
}

/// Converts `count` scalars to doubles (exactly).
func convertToDoubleKernel<S: TensorScalar>(_ input: UnsafePointer<S>, _ output: UnsafeMutablePointer<Double>, _ count: Int) {
    for i in 0..<count { output[i] = Double(input[i]) }
}
