/// The memory behind a ``Tensor``: a contiguous, 64-byte-aligned buffer of
/// scalars that kernels read and write through unsafe pointers.
///
/// A storage is written once, by the kernel that creates it, and read-only
/// afterwards; that is what makes sharing it between tensor values and threads
/// safe. Optimizers write new storage rather than updating in place.
final class TensorStorage<Scalar: TensorScalar>: @unchecked Sendable {
    /// The first scalar.
    let base: UnsafeMutablePointer<Scalar>
    /// The number of scalars.
    let count: Int

    /// Allocates uninitialised storage for `count` scalars; the caller writes
    /// every element before the storage is read.
    init(uninitializedCount count: Int) {
        check(count >= 0, "TensorStorage: negative element count \(count)")
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Scalar>.stride
        base = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            .bindMemory(to: Scalar.self, capacity: max(count, 1))
    }

    /// Allocates storage for `count` scalars, all zero.
    convenience init(zeroedCount count: Int) {
        self.init(uninitializedCount: count)
        UnsafeMutableRawPointer(base).initializeMemory(as: UInt8.self, repeating: 0, count: count * MemoryLayout<Scalar>.stride)
    }

    /// Copies `buffer` into new storage.
    convenience init(copying buffer: UnsafeBufferPointer<Scalar>) {
        self.init(uninitializedCount: buffer.count)
        if let source = buffer.baseAddress {
            UnsafeMutableRawPointer(base).copyMemory(from: source, byteCount: buffer.count * MemoryLayout<Scalar>.stride)
        }
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }

    /// The scalars as a read-only buffer.
    var buffer: UnsafeBufferPointer<Scalar> { UnsafeBufferPointer(start: base, count: count) }
}
