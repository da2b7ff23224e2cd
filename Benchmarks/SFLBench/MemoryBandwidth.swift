import Dispatch

/// Streaming bandwidth of main memory as `threads` threads see it: one
/// buffer read or written per pass, the threads taking contiguous parts of
/// it, and the passes walking a ring of buffers larger than any last-level
/// cache of this class of machine, so that every pass goes to memory.
///
/// The buffers are as large as the paper's 32-channel feature maps, the
/// largest tensors that one convolution reads or writes, so the figures
/// are the bandwidth those tensors meet. Writes are plain stores (Swift has
/// no streaming stores): each line written is first read into the cache, as
/// in the kernels.
struct MemoryBandwidth {
    /// Bytes per second read, median of the passes.
    let readBytesPerSecond: Double
    /// Bytes per second written, median of the passes.
    let writeBytesPerSecond: Double

    /// Seconds that moving `read` bytes from memory and `written` bytes to it
    /// takes at these rates, one after the other: the least time an
    /// operation that touches those bytes once can take when its arithmetic
    /// does not overlap its memory traffic.
    func seconds(reading read: Int, writing written: Int) -> Double {
        Double(read) / readBytesPerSecond + Double(written) / writeBytesPerSecond
    }
}

/// Bytes that the ring of buffers of ``measureMemoryBandwidth(threads:bufferBytes:laps:)``
/// spans at least: three times the 32 MiB last-level cache of the EPYC hosts
/// measured in the README, and it is shared with the VM's neighbours.
private let ringBytes = 96 << 20

/// Measures ``MemoryBandwidth`` with buffers of `bufferBytes` (rounded up to
/// whole 64-byte vectors), `laps` times around the ring for each direction.
func measureMemoryBandwidth(threads: Int, bufferBytes: Int, laps: Int) -> MemoryBandwidth {
    let vectorsPerBuffer = (bufferBytes + 63) / 64
    let buffers = max(2, (ringBytes + bufferBytes - 1) / bufferBytes)
    let ring = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: buffers * vectorsPerBuffer)
    defer { ring.deallocate() }
    ring.initialize(repeating: SIMD16(repeating: 1), count: buffers * vectorsPerBuffer)   // pages mapped before timing
    let sums = UnsafeMutablePointer<Float>.allocate(capacity: threads)
    defer { sums.deallocate() }
    let base = SendableVectors(ring), sink = SinkPointer(sums)

    func medianRate(_ pass: @escaping @Sendable (_ buffer: UnsafeMutablePointer<SIMD16<Float>>, _ vectors: Range<Int>, _ thread: Int) -> Void) -> Double {
        var times: [Double] = []
        for step in 0..<(laps * buffers) {
            let buffer = base.base + (step % buffers) * vectorsPerBuffer
            let buffered = SendableVectors(buffer)
            times.append(seconds {
                DispatchQueue.concurrentPerform(iterations: threads) { thread in
                    pass(buffered.base, (thread * vectorsPerBuffer / threads)..<((thread + 1) * vectorsPerBuffer / threads), thread)
                }
            })
        }
        times.sort()
        return Double(vectorsPerBuffer * 64) / times[times.count / 2]
    }
    let read = medianRate { buffer, vectors, thread in
        sink.base[thread] = sumVectors(buffer, vectors)
    }
    let write = medianRate { buffer, vectors, thread in
        fillVectors(buffer, vectors, value: Float(thread) + 1.5)
    }
    precondition((0..<threads).allSatisfy { sums[$0].isFinite }, "bandwidth probe result lost")
    return MemoryBandwidth(readBytesPerSecond: read, writeBytesPerSecond: write)
}

/// The sum of the vectors `vectors` of `buffer`, in two chains so that the
/// loads, not the additions' latency, set the pace.
@inline(never)
private func sumVectors(_ buffer: UnsafeMutablePointer<SIMD16<Float>>, _ vectors: Range<Int>) -> Float {
    var even = SIMD16<Float>(), odd = SIMD16<Float>()
    var index = vectors.lowerBound
    while index + 1 < vectors.upperBound {
        even += buffer[index]
        odd += buffer[index + 1]
        index += 2
    }
    if index < vectors.upperBound { even += buffer[index] }
    return (even + odd).sum()
}

/// Stores `value` into the vectors `vectors` of `buffer` (a value whose
/// bytes differ, so that the loop stays stores and does not become `memset`,
/// which may switch to streaming stores).
@inline(never)
private func fillVectors(_ buffer: UnsafeMutablePointer<SIMD16<Float>>, _ vectors: Range<Int>, value: Float) {
    let vector = SIMD16<Float>(repeating: value)
    for index in vectors { buffer[index] = vector }
}

/// A vector buffer that each bandwidth thread touches a distinct part of.
private struct SendableVectors: @unchecked Sendable {
    let base: UnsafeMutablePointer<SIMD16<Float>>
    init(_ base: UnsafeMutablePointer<SIMD16<Float>>) { self.base = base }
}
