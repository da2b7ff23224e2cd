/// The vector type of the convolution kernels: sixteen lanes (one AVX-512
/// register of `Float`, four SSE registers in the baseline x86-64 build).
typealias KernelVector<S: TensorScalar> = SIMD16<S>

/// Lanes of ``KernelVector``.
let kernelVectorWidth = 16

/// Loads 16 consecutive scalars starting at `pointer`, which need not be
/// aligned.
///
/// - Requires: `pointer[0..<16]` is readable.
@inline(__always)
func loadVector<S: TensorScalar>(_ pointer: UnsafePointer<S>) -> SIMD16<S> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<S>.self)
}

/// Stores the 16 lanes of `vector` to `pointer[0..<16]`, which need not be
/// aligned.
@inline(__always)
func storeVector<S: TensorScalar>(_ vector: SIMD16<S>, to pointer: UnsafeMutablePointer<S>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: SIMD16<S>.self)
}

/// Stores the first `count` lanes of `vector` to `pointer[0..<count]`; a full
/// vector store when `count == 16`.
///
/// - Requires: `0 <= count <= 16`.
@inline(__always)
func storeVector<S: TensorScalar>(_ vector: SIMD16<S>, to pointer: UnsafeMutablePointer<S>, count: Int) {
    if count == 16 {
        storeVector(vector, to: pointer)
    } else {
        for lane in 0..<count { pointer[lane] = vector[lane] }
    }
}

/// Loads the first `count` scalars at `pointer` into the low lanes of a
/// vector whose other lanes are zero; a full vector load when `count == 16`.
///
/// - Requires: `0 <= count <= 16`.
@inline(__always)
func loadVector<S: TensorScalar>(_ pointer: UnsafePointer<S>, count: Int) -> SIMD16<S> {
    if count == 16 { return loadVector(pointer) }
    var vector = SIMD16<S>()
    for lane in 0..<count { vector[lane] = pointer[lane] }
    return vector
}

/// Rounds `value` up to a multiple of `multiple` (both non-negative,
/// `multiple > 0`).
@inline(__always)
func roundUp(_ value: Int, toMultipleOf multiple: Int) -> Int {
    (value + multiple - 1) / multiple * multiple
}

/// Stores the first `count` of the 32 scalars `a[0], b[0], a[1], b[1], …,
/// a[15], b[15]` to `pointer`.
///
/// - Requires: `0 <= count <= 32`.
@inline(__always)
func storeInterleaved<S: TensorScalar>(_ a: SIMD16<S>, _ b: SIMD16<S>, to pointer: UnsafeMutablePointer<S>, count: Int) {
    if count >= 32 {
        for i in 0..<16 {
            pointer[2 * i] = a[i]
            pointer[2 * i + 1] = b[i]
        }
    } else {
        for i in 0..<count { pointer[i] = i % 2 == 0 ? a[i / 2] : b[i / 2] }
    }
}

/// Stores the first `count` of the 64 scalars `a[0], b[0], c[0], d[0], a[1],
/// …, d[15]` to `pointer`.
///
/// - Requires: `0 <= count <= 64`.
@inline(__always)
func storeInterleaved4<S: TensorScalar>(_ a: SIMD16<S>, _ b: SIMD16<S>, _ c: SIMD16<S>, _ d: SIMD16<S>,
                                        to pointer: UnsafeMutablePointer<S>, count: Int) {
    if count >= 64 {
        for i in 0..<16 {
            pointer[4 * i] = a[i]
            pointer[4 * i + 1] = b[i]
            pointer[4 * i + 2] = c[i]
            pointer[4 * i + 3] = d[i]
        }
    } else {
        for i in 0..<count {
            switch i % 4 {
            case 0: pointer[i] = a[i / 4]
            case 1: pointer[i] = b[i / 4]
            case 2: pointer[i] = c[i / 4]
            default: pointer[i] = d[i / 4]
            }
        }
    }
}
