import Testing
@testable import SFLKit

@Suite("Vector access")
struct VectorAccessTests {
    private func lanes(_ base: Int) -> SIMD16<Float> {
        var vector = SIMD16<Float>()
        for lane in 0..<16 { vector[lane] = Float(base + lane) }
        return vector
    }

    @Test("Interleaved stores of two vectors write a0, b0, a1, b1, … and nothing past count", arguments: [32, 31, 17, 1])
    func interleavedTwo(count: Int) {
        let a = lanes(100), b = lanes(200)
        var memory = [Float](repeating: -1, count: 40)
        memory.withUnsafeMutableBufferPointer { storeInterleaved(a, b, to: $0.baseAddress!, count: count) }
        for i in 0..<count { #expect(memory[i] == (i % 2 == 0 ? a[i / 2] : b[i / 2]), "scalar \(i)") }
        #expect(memory[count...].allSatisfy { $0 == -1 })
    }

    @Test("Interleaved stores of four vectors write a0, b0, c0, d0, a1, … and nothing past count", arguments: [64, 63, 33, 2])
    func interleavedFour(count: Int) {
        let vectors = [lanes(100), lanes(200), lanes(300), lanes(400)]
        var memory = [Float](repeating: -1, count: 72)
        memory.withUnsafeMutableBufferPointer {
            storeInterleaved4(vectors[0], vectors[1], vectors[2], vectors[3], to: $0.baseAddress!, count: count)
        }
        for i in 0..<count { #expect(memory[i] == vectors[i % 4][i / 4], "scalar \(i)") }
        #expect(memory[count...].allSatisfy { $0 == -1 })
    }

    @Test("Whole interleaved stores of four vectors, in Float (whole-register shuffles) and Double")
    func interleavedFourWhole() {
        var generator = SeededGenerator(seed: 5)
        let vectors = (0..<4).map { _ in SIMD16<Float>((0..<16).map { _ in Float.random(in: -1...1, using: &generator) }) }
        let shuffled = interleaved4(vectors[0], vectors[1], vectors[2], vectors[3])
        let parts = [shuffled.0, shuffled.1, shuffled.2, shuffled.3]
        for i in 0..<64 { #expect(parts[i / 16][i % 16] == vectors[i % 4][i / 4], "scalar \(i)") }
        var memory = [Float](repeating: -1, count: 72)
        memory.withUnsafeMutableBufferPointer {
            storeInterleaved4(vectors[0], vectors[1], vectors[2], vectors[3], toWhole: $0.baseAddress!)
        }
        for i in 0..<64 { #expect(memory[i] == vectors[i % 4][i / 4], "scalar \(i)") }
        #expect(memory[64...].allSatisfy { $0 == -1 })
        let doubles = vectors.map { v in SIMD16<Double>((0..<16).map { Double(v[$0]) }) }
        var doubleMemory = [Double](repeating: -1, count: 64)
        doubleMemory.withUnsafeMutableBufferPointer {
            storeInterleaved4(doubles[0], doubles[1], doubles[2], doubles[3], toWhole: $0.baseAddress!)
        }
        for i in 0..<64 { #expect(doubleMemory[i] == doubles[i % 4][i / 4], "Double scalar \(i)") }
    }

    @Test("A 16×16 transpose between strided rows, with missing source rows read as zeros, in Float and Double",
          arguments: [16, 13, 1])
    func transpose16(rows: Int) {
        checkTranspose16(Float.self, rows: rows)
        checkTranspose16(Double.self, rows: rows)
    }

    private func checkTranspose16<S: TensorScalar>(_: S.Type, rows: Int) {
        let sourceStride = 21, destinationStride = 19
        let source = (0..<(16 * sourceStride)).map { S($0) }
        var destination = [S](repeating: -1, count: 16 * destinationStride)
        source.withUnsafeBufferPointer { input in
            destination.withUnsafeMutableBufferPointer {
                transpose16x16(input.baseAddress!, sourceStride: sourceStride, rows: rows, to: $0.baseAddress!, destinationStride: destinationStride)
            }
        }
        for j in 0..<16 {
            for k in 0..<16 {
                #expect(destination[j * destinationStride + k] == (k < rows ? source[k * sourceStride + j] : 0), "\(S.self) (\(j), \(k))")
            }
            #expect(destination[(j * destinationStride + 16)..<(j * destinationStride + destinationStride)].allSatisfy { $0 == -1 })
        }
    }

    @Test("Two 4×4 transposes in the halves of 8-lane rows, in Float and Double")
    func transposePairs() {
        checkTransposePairs(Float.self)
        checkTransposePairs(Double.self)
    }

    private func checkTransposePairs<S: TensorScalar>(_: S.Type) {
        let rows = (0..<4).map { r in SIMD8<S>((0..<8).map { S(10 * r + $0) }) }
        let t = transpose4Pairs(rows[0], rows[1], rows[2], rows[3])
        let columns = [t.0, t.1, t.2, t.3]
        for k in 0..<4 {
            for r in 0..<4 {
                #expect(columns[k][r] == rows[r][k], "\(S.self) low block, column \(k), row \(r)")
                #expect(columns[k][4 + r] == rows[r][4 + k], "\(S.self) high block, column \(k), row \(r)")
            }
        }
    }

    @Test("Channels interleaved pixel by pixel, zero beyond the channel count, with a tail of pixels",
          arguments: [(channels: 16, count: 37), (channels: 5, count: 16), (channels: 12, count: 7)])
    func interleavedChannels(channels: Int, count: Int) {
        let channelStride = 41
        let source = (0..<(16 * channelStride)).map { Float($0) }
        var destination = [Float](repeating: -1, count: 16 * count + 3)
        source.withUnsafeBufferPointer { input in
            destination.withUnsafeMutableBufferPointer {
                interleaveChannels(input.baseAddress!, channelStride: channelStride, channels: channels, count: count, into: $0.baseAddress!)
            }
        }
        for p in 0..<count {
            for c in 0..<16 {
                #expect(destination[16 * p + c] == (c < channels ? source[c * channelStride + p] : 0), "pixel \(p), channel \(c)")
            }
        }
        #expect(destination[(16 * count)...].allSatisfy { $0 == -1 })
    }
}
