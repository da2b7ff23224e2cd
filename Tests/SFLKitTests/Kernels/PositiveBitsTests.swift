import Testing
@testable import SFLKit

/// The positive bits of `values` (rows of `width`), bit by bit from the
/// layout's definition (``PositiveBitsLayout``), independently of the kernels.
func naivePositiveBits<S: TensorScalar>(_ values: [S], width: Int) -> [PositiveBitsWord] {
    let layout = PositiveBitsLayout(width: width), rows = values.count / width
    var words = [PositiveBitsWord](repeating: PositiveBitsWord(), count: layout.words(rows: rows))
    for r in 0..<rows {
        for x in 0..<width where values[r * width + x] > 0 {
            words[r * layout.wordsPerRow + x / 512][x % 16] |= 1 << UInt32(x % 512 / 16)
        }
    }
    return words
}

@Suite("Positive bits: a fused ReLU's mask as one bit per scalar")
struct PositiveBitsTests {
    /// Row widths around the vector (16) and word (512) boundaries, and the paper's 300.
    static let widths = [1, 5, 15, 16, 17, 300, 511, 512, 513, 1040]

    /// Three rows of `width` values: every special case a ReLU's output or
    /// its input may hold (zeros of both signs, NaNs of both signs,
    /// infinities, the smallest subnormals), then values of both signs.
    private func values<S: TensorScalar>(_: S.Type, width: Int) -> [S] {
        let special: [S] = [0, -0.0, .nan, -.nan, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                            .greatestFiniteMagnitude, 1, -1]
        var state: UInt64 = 12345 &+ UInt64(width)
        return (0..<(3 * width)).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return i % 7 == 2 ? special[(i / 7) % special.count] : S(Double(state >> 11) / Double(1 << 52) - 1)
        }
    }

    @Test("The lane test of positivity is `> 0` on every boundary bit pattern and on random ones, Float and Double")
    func laneTestIsGreaterThanZero() {
        var state: UInt64 = 99
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state }
        let floatEdges: [UInt32] = [0, 1, 2, 0x007F_FFFF, 0x0080_0000, 0x3F80_0000, 0x7F7F_FFFF, 0x7F80_0000, 0x7F80_0001,
                                    0x7FC0_0000, 0x7FFF_FFFF, 0x8000_0000, 0x8000_0001, 0xFF80_0000, 0xFF80_0001, 0xFFFF_FFFF]
        let floats = floatEdges + (0..<4096).map { _ in UInt32(truncatingIfNeeded: next() >> 32) }
        for start in stride(from: 0, to: floats.count - 15, by: 16) {
            let lanes = SIMD16<UInt32>((0..<16).map { floats[start + $0] })
            let outside = notPositiveLanes(unsafeBitCast(lanes, to: SIMD16<Int32>.self))
            for i in 0..<16 {
                #expect((outside[i] == 0) == (Float(bitPattern: lanes[i]) > 0) && (outside[i] == 0 || outside[i] == -1),
                        "Float bits \(String(lanes[i], radix: 16))")
            }
        }
        let doubleEdges: [UInt64] = [0, 1, 0x7FEF_FFFF_FFFF_FFFF, 0x7FF0_0000_0000_0000, 0x7FF0_0000_0000_0001,
                                     0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0x8000_0000_0000_0001, 0xFFF0_0000_0000_0000,
                                     0xFFF0_0000_0000_0001, 0xFFFF_FFFF_FFFF_FFFF, 0x3FF0_0000_0000_0000, 2, 3, 4, 5]
        let doubles = doubleEdges + (0..<4096).map { _ in next() }
        for start in stride(from: 0, to: doubles.count - 15, by: 16) {
            let lanes = SIMD16<UInt64>((0..<16).map { doubles[start + $0] })
            let outside = notPositiveLanes(unsafeBitCast(lanes, to: SIMD16<Int64>.self))
            for i in 0..<16 {
                #expect((outside[i] == 0) == (Double(bitPattern: lanes[i]) > 0) && (outside[i] == 0 || outside[i] == -1),
                        "Double bits \(String(lanes[i], radix: 16))")
            }
        }
    }

    @Test("Recorded bits are those of the layout: set exactly for the positive scalars, zero past each row",
          arguments: widths)
    func recordsTheLayout(width: Int) {
        expectRecordsTheLayout(Float.self, width: width)
        expectRecordsTheLayout(Double.self, width: width)
    }

    private func expectRecordsTheLayout<S: TensorScalar>(_: S.Type, width: Int) {
        let values = values(S.self, width: width), layout = PositiveBitsLayout(width: width)
        #expect(layout.wordsPerRow == (width + 511) / 512)
        for threads in [0, 1, 3] {   // 0: the single-block form
            var words = [PositiveBitsWord](repeating: PositiveBitsWord(repeating: .max), count: layout.words(rows: 3))
            values.withUnsafeBufferPointer { source in
                words.withUnsafeMutableBufferPointer { words in
                    if threads == 0 {
                        recordPositiveBits(source.baseAddress!, rows: 3, width: width, into: words.baseAddress!)
                    } else {
                        recordPositiveBits(source.baseAddress!, rows: 3, width: width, into: words.baseAddress!, threads: threads)
                    }
                }
            }
            #expect(words == naivePositiveBits(values, width: width), "\(S.self), width \(width), threads \(threads)")
        }
        if width >= 20 { #expect(values.contains { $0 > 0 } && values.contains { !($0 > 0) }) }
    }

    @Test("Masking with the bits equals masking with the ReLU's output, bit for bit (kept scalars unchanged, the others +0)",
          arguments: widths)
    func maskingMatchesTheOutputMask(width: Int) {
        expectMaskingMatchesTheOutputMask(Float.self, width: width)
        expectMaskingMatchesTheOutputMask(Double.self, width: width)
    }

    private func expectMaskingMatchesTheOutputMask<S: TensorScalar>(_: S.Type, width: Int) {
        let mask = values(S.self, width: width)
        let gradient = values(S.self, width: width).reversed().map { -$0 }   // NaNs, zeros and infinities in other places
        var expected = [S](repeating: 0, count: gradient.count)
        gradient.withUnsafeBufferPointer { source in
            mask.withUnsafeBufferPointer { mask in
                copyGradient(source.baseAddress!, mask: mask.baseAddress!, count: source.count, to: &expected)
            }
        }
        let bits = naivePositiveBits(mask, width: width)
        for threads in [0, 1, 3] {
            var masked = gradient
            masked.withUnsafeMutableBufferPointer { values in
                bits.withUnsafeBufferPointer { bits in
                    if threads == 0 {
                        maskGradient(values.baseAddress!, rows: 3, width: width, byPositiveBits: bits.baseAddress!)
                    } else {
                        maskGradient(values.baseAddress!, rows: 3, width: width, byPositiveBits: bits.baseAddress!, threads: threads)
                    }
                }
            }
            let same = zip(masked, expected).allSatisfy { a, b in (a == b && a.sign == b.sign) || (a.isNaN && b.isNaN) }
            #expect(same, "\(S.self), width \(width), threads \(threads)")
        }
        // The reference itself: a scalar passes exactly where the mask is positive.
        #expect(zip(expected, zip(gradient, mask)).allSatisfy { e, gm in gm.1 > 0 ? (e == gm.0 || e.isNaN) : e == 0 && e.sign == .plus })
    }

    @Test("The rows of one image's channels, masked block by block, equal the whole tensor masked at once")
    func rowBlocksMatchTheWholeTensor() {
        let channels = 3, height = 7, width = 300
        let mask = (0..<(2 * channels)).flatMap { _ in values(Float.self, width: width) }   // 2 images × 3 channels × 3 rows…
        let all = Array((mask + mask + mask).prefix(2 * channels * height * width))          // …repeated to 7 rows
        let bits = naivePositiveBits(all, width: width)
        let gradient = all.map { $0 + 0.5 }
        var whole = gradient, blocks = gradient
        whole.withUnsafeMutableBufferPointer { values in
            maskGradient(values.baseAddress!, rows: 2 * channels * height, width: width, byPositiveBits: bits, threads: 1)
        }
        blocks.withUnsafeMutableBufferPointer { values in
            for image in 0..<2 {
                for rows in [0..<3, 3..<4, 4..<7] {
                    maskGradientRows(values.baseAddress!, byPositiveBits: bits, image: image, channels: channels, height: height,
                                     width: width, rows: rows)
                }
            }
        }
        #expect(whole.map(\.bitPattern) == blocks.map(\.bitPattern))
        #expect(whole.map(\.bitPattern) != gradient.map(\.bitPattern), "some scalars were zeroed")
    }
}
