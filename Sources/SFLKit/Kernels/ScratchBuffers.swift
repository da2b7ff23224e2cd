// A cache of the large buffers every training step needs afresh: the
// convolution kernels' scratch (phase planes, padded gradients, Winograd
// tiles) and the storage of large tensors (activations and their gradients:
// megabytes each).
//
// Allocated afresh, such a buffer comes from `mmap` and goes back with
// `munmap`, so every call pays a page fault and a page clear per 4 KiB on
// first touch: measured 10 % of a native-build training epoch for the
// scratch alone. Reusing the buffers keeps their pages mapped. With tensor
// storage in the cache, a 20-image epoch of the paper's network takes 55 000
// page faults instead of 180 000, and its peak memory falls from ~280 to
// ~235 MiB (less fragmentation of the heap).

import Foundation

/// Scratch memory for kernels: ``take(_:count:)`` hands out a buffer of at
/// least `count` elements (uninitialised, 64-byte aligned) and
/// ``give(_:)`` returns it for reuse. Buffers under 64 KiB bypass the cache.
/// Up to 256 MiB of returned buffers are kept; beyond that the oldest are
/// freed. Thread-safe.
enum ScratchBuffers {
    /// Buffers smaller than this many bytes are allocated and freed directly.
    static let minimumCachedBytes = 1 << 16

    /// Bytes of returned buffers kept for reuse at most.
    static let retainedByteLimit = 256 << 20

    private static let cache = ScratchCache(minimumCachedBytes: minimumCachedBytes, retainedByteLimit: retainedByteLimit)

    /// A buffer for `count` values of `type`, uninitialised; return it with
    /// ``give(_:)``.
    static func take<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let bytes = max(count, 1) * MemoryLayout<T>.stride
        let raw = cache.take(bytes: bytes)
        return raw.bindMemory(to: T.self, capacity: max(count, 1))
    }

    /// Returns a buffer from ``take(_:count:)``; it must not be used afterwards.
    static func give<T>(_ pointer: UnsafeMutablePointer<T>) {
        cache.give(UnsafeMutableRawPointer(pointer))
    }

    /// Bytes currently kept for reuse (for tests).
    static var retainedBytes: Int { cache.retainedBytes }
}

/// The lock-protected state of ``ScratchBuffers``: a cache of freed buffers
/// that hands out the smallest one that fits without wasting more than half
/// of itself.
final class ScratchCache: @unchecked Sendable {
    /// Buffers smaller than this many bytes are allocated and freed directly.
    let minimumCachedBytes: Int
    /// Bytes of returned buffers kept for reuse at most.
    let retainedByteLimit: Int

    private let lock = NSLock()
    /// Returned buffers, oldest first.
    private var free: [(address: UnsafeMutableRawPointer, bytes: Int)] = []
    /// Sizes of the buffers handed out, by address.
    private var inUse: [UnsafeMutableRawPointer: Int] = [:]
    private var retained = 0

    /// A cache that keeps returned buffers of `minimumCachedBytes` or more,
    /// `retainedByteLimit` bytes of them at most.
    init(minimumCachedBytes: Int, retainedByteLimit: Int) {
        self.minimumCachedBytes = minimumCachedBytes
        self.retainedByteLimit = retainedByteLimit
    }

    deinit {
        for buffer in free { buffer.address.deallocate() }
    }

    /// Bytes currently kept for reuse.
    var retainedBytes: Int { lock.withLock { retained } }

    /// A buffer of at least `bytes` bytes, 64-byte aligned, uninitialised.

    func take(bytes: Int) -> UnsafeMutableRawPointer {
        lock.lock()
        defer { lock.unlock() }
        // The smallest free buffer that fits and wastes at most half of itself.
        if bytes >= minimumCachedBytes,
           let best = free.indices.filter({ free[$0].bytes >= bytes && free[$0].bytes <= 2 * bytes })
                                  .min(by: { free[$0].bytes < free[$1].bytes }) {
            let buffer = free.remove(at: best)
            retained -= buffer.bytes
            inUse[buffer.address] = buffer.bytes
            return buffer.address
        }
        let size = (bytes + 4095) & ~4095
        let address = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        inUse[address] = size
        return address
    }

    /// Returns a buffer from ``take(bytes:)`` to the cache (or frees it).
    func give(_ address: UnsafeMutableRawPointer) {
        lock.lock()
        defer { lock.unlock() }
        guard let bytes = inUse.removeValue(forKey: address) else {
            preconditionFailure("ScratchBuffers.give: \(address) was not handed out by ScratchBuffers.take")
        }
        if bytes < minimumCachedBytes {
            address.deallocate()
            return
        }
        free.append((address, bytes))
        retained += bytes
        while retained > retainedByteLimit, !free.isEmpty {
            let oldest = free.removeFirst()
            retained -= oldest.bytes
            oldest.address.deallocate()
        }
    }
}
