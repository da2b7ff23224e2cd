/// The kernels of one scalar type, as function values compiled for that type.
///
/// Graph code is generic over ``TensorScalar`` and is not specialised; it calls
/// its kernels through `Scalar.kernels`, which costs one indirect call per
/// operation. Each entry is a closure written in a concrete context
/// (`floatKernels`, `doubleKernels`), so the generic kernel it calls is
/// specialised for that type inside SFLKit and runs at full speed from any
/// module. Users never see the entries.
public struct KernelTable<Scalar: TensorScalar>: Sendable {
}

/// The kernels specialised for `Float`.
let floatKernels = KernelTable<Float>()

/// The kernels specialised for `Double`.
let doubleKernels = KernelTable<Double>()
