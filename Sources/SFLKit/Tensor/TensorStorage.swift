/// The memory behind a ``Tensor``: a contiguous, 64-byte-aligned buffer of
/// scalars that kernels read and write through unsafe pointers.
///
/// Buffers of 64 KiB or more come from the ``ScratchBuffers`` cache and go
/// back to it, so that a training step reuses the pages of the previous one
/// instead of paying a page fault and a page clear per 4 KiB (a fresh 8 MiB
/// activation costs more to map than the 3→32 convolution that fills it).
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
        if TensorStorage.isPooled(count: count) {
            base = ScratchBuffers.take(Scalar.self, count: count)
        } else {
            base = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Scalar>.stride, alignment: 64)
                .bindMemory(to: Scalar.self, capacity: max(count, 1))
        }
    }

    /// Whether storage of `count` scalars comes from (and goes back to) the
    /// ``ScratchBuffers`` cache.
    private static func isPooled(count: Int) -> Bool {
        count * MemoryLayout<Scalar>.stride >= ScratchBuffers.minimumCachedBytes
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

    deinit {
        if TensorStorage.isPooled(count: count) {
            ScratchBuffers.give(base)
        } else {
            UnsafeMutableRawPointer(base).deallocate()
        }
    }

    /// The scalars as a read-only buffer.
    var buffer: UnsafeBufferPointer<Scalar> { UnsafeBufferPointer(start: base, count: count) }
}
