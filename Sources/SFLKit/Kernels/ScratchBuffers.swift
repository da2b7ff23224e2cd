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

/// Scratch memory for kernels and tensor storage: ``take(_:count:)`` hands out a buffer of at
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

    /// One buffer: the address handed out and its usable bytes, and the
    /// allocation it lies in (a few cache lines before it, see `take`) with
    /// its size, which is what counts against the limit.
    private struct Buffer {
        let address: UnsafeMutableRawPointer
        let bytes: Int
        let allocation: UnsafeMutableRawPointer
        let allocatedBytes: Int
    }

    private let lock = NSLock()
    /// Returned buffers, oldest first.
    private var free: [Buffer] = []
    /// The buffers handed out, by address.
    private var inUse: [UnsafeMutableRawPointer: Buffer] = [:]
    private var retained = 0
    /// Counts new buffers, to stagger their start within a page.
    private var allocations = 0

    /// A cache that keeps returned buffers of `minimumCachedBytes` or more,
    /// `retainedByteLimit` bytes of them at most.
    init(minimumCachedBytes: Int, retainedByteLimit: Int) {
        self.minimumCachedBytes = minimumCachedBytes
        self.retainedByteLimit = retainedByteLimit
    }

    deinit {
        for buffer in free { buffer.allocation.deallocate() }
    }

    /// Bytes currently kept for reuse.
    var retainedBytes: Int { lock.withLock { retained } }

    /// A buffer of at least `bytes` bytes, 64-byte aligned, uninitialised.
    func take(bytes: Int) -> UnsafeMutableRawPointer {
        lock.lock()
        defer { lock.unlock() }
        // The smallest free buffer that fits and wastes at most half of itself;
        // of equal sizes the most recently returned, whose lines are likeliest
        // still in the cache (the oldest made memory-bound ops up to 40 % slower).
        if bytes >= minimumCachedBytes {
            var best: Int?
            for index in free.indices.reversed() where free[index].bytes >= bytes && free[index].bytes <= 2 * bytes {
                if best == nil || free[index].bytes < free[best!].bytes { best = index }
            }
            if let best {
                let buffer = free.remove(at: best)
                retained -= buffer.allocatedBytes
                inUse[buffer.address] = buffer
                return buffer.address
            }
        }
        // Large allocations are page-aligned mappings; starting every buffer at
        // the same offset in its page made a kernel's input and output rows
        // alias in the level-1 cache (4 KiB aliasing: bilinear upsampling and
        // conv4 forward 45 % slower). New cached buffers start 0, 64, …,
        // 4032 bytes in.
        var size = bytes, stagger = 0
        if bytes >= minimumCachedBytes {
            stagger = (allocations % 64) * 64
            allocations += 1
            size = (bytes + 4095) & ~4095
        }
        let allocation = UnsafeMutableRawPointer.allocate(byteCount: size + stagger, alignment: 64)
        let buffer = Buffer(address: allocation + stagger, bytes: size, allocation: allocation, allocatedBytes: size + stagger)
        inUse[buffer.address] = buffer
        return buffer.address
    }

    /// Returns a buffer from ``take(bytes:)`` to the cache (or frees it).
    func give(_ address: UnsafeMutableRawPointer) {
        lock.lock()
        defer { lock.unlock() }
        guard let buffer = inUse.removeValue(forKey: address) else {
            preconditionFailure("ScratchBuffers.give: \(address) was not handed out by this cache")
        }
        if buffer.bytes < minimumCachedBytes {
            buffer.allocation.deallocate()
            return
        }
        free.append(buffer)
        retained += buffer.allocatedBytes
        while retained > retainedByteLimit, !free.isEmpty {
            let oldest = free.removeFirst()
            retained -= oldest.allocatedBytes
            oldest.allocation.deallocate()
        }
    }
}
