import Foundation
import Testing
@testable import SFLKit

@Suite("ImageIO checksums, inflate and deflate")
struct ImageIODeflateTests {
    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    @Test func crc32KnownValues() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
        #expect(CRC32.checksum(Array("IEND".utf8)) == 0xAE42_6082)
        // Every length up to 9 exercises the 4-byte and the tail loops together.
        let data = Array("The quick brown fox".utf8)
        var crc: UInt32 = 0
        for chunk in [data[0..<3], data[3..<11], data[11...]] {
            crc = Array(chunk).withUnsafeBytes { CRC32.update(crc, $0) }
        }
        #expect(crc == CRC32.checksum(data))
    }

    @Test func adler32KnownValues() {
        #expect(Adler32.checksum(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(Adler32.checksum([]) == 1)
        // Long runs of 0xFF check the modulo reduction between blocks.
        #expect(Adler32.checksum([UInt8](repeating: 0xFF, count: 100_000)) == Self.naiveAdler([UInt8](repeating: 0xFF, count: 100_000)))
    }

    static func naiveAdler(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return b << 16 | a
    }

    @Test func inflatesStreamsFromZlib() throws {
        let text = Array("hello hello hello hello, deflate!".utf8)
        // Made with Python's zlib: default (fixed codes chosen), Z_FIXED, level 0 (stored).
        for hex in ["789ccb48cdc9c957c8402775145252d372124b521501cff30bf3",
                    "7801cb48cdc9c957c8402775145252d372124b521501cff30bf3",
                    "7801012100deff68656c6c6f2068656c6c6f2068656c6c6f2068656c6c6f2c206465666c61746521cff30bf3"] {
            #expect(try Zlib.decompress(Self.bytes(hex: hex)) == text)
        }
        // A dynamic-Huffman block (zlib level 9 on 300 random letters).
        let dynamic = "78da1d8f410200510442afd2d542e5fe27187f1616a83c5daaddcdd432e16aca24c14c88d9c57866c5a05a6504232d4e3a491baebd0de2e552e9c6708009ecd5e5a05fc7350659c7044e3c8d2e8855cf37aaf6550b7df1dead0b736eaee71ea6d9fbae63e7521daa87aa923aea239eed87ed9acc5684a523f6b8ffa023c2bd53bc33472943b64bcf774fa70ede953a892cd4ea18c89b70265dfb0148fe6abd"
        let out = try Zlib.decompress(Self.bytes(hex: dynamic))
        #expect(out.count == 300)
        #expect(String(decoding: out.prefix(24), as: UTF8.self) == "cbebhhhgdbhaggahedbfaaa ")
    }

    @Test func rejectsBadStreams() {
        let good = Self.bytes(hex: "789ccb48cdc9c957c8402775145252d372124b521501cff30bf3")
        var badAdler = good
        badAdler[badAdler.count - 1] ^= 1
        #expect(throws: FormatProblem.self) { try Zlib.decompress(badAdler) }
        for cut in 0..<good.count {
            #expect(throws: FormatProblem.self) { try Zlib.decompress(Array(good.prefix(cut))) }
        }
        // Block type 3 is reserved.
        #expect(throws: FormatProblem.self) { try Inflate.decompress([0x07, 0x00]) }
        // A fixed block whose first code is a match: distance before the start.
        var writer = BitWriter()
        writer.write(1, bits: 1); writer.write(1, bits: 2)
        writer.write(UInt32(HuffmanDecodingTable.reverse(0b0000001, bits: 7)), bits: 7)  // length 3
        writer.write(0, bits: 5)  // distance 1
        #expect(throws: FormatProblem.self) { try Inflate.decompress(writer.finish()) }
        // Stored length and complement disagree.
        #expect(throws: FormatProblem.self) { try Inflate.decompress([0x01, 0x05, 0x00, 0x00, 0x00]) }
    }

    @Test func boundsDecompressionBombs() throws {
        let zeros = [UInt8](repeating: 0, count: 4_000_000)
        let bomb = Zlib.compress(zeros, level: .fast)
        #expect(bomb.count < 20_000)
        do {
            _ = try Zlib.decompress(bomb, limit: 1_000_000)
            Issue.record("a 4 MB stream passed a 1 MB limit")
        } catch {
            #expect(error.kind == .limitExceeded)
        }
        #expect(try Zlib.decompress(bomb, limit: 4_000_000) == zeros)
    }

    static func sampleInputs() -> [[UInt8]] {
        var rng = SplitMix64(seed: 42)
        let random = (0..<70_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let text = Array(String(repeating: "the spatial frequency loss for autoencoders; ", count: 900).utf8)
        let skewed = (0..<50_000).map { _ in UInt8(min(255, Int(abs(Double.random(in: -1...1, using: &rng)) * 12))) }
        let periodic = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 % 251 + $0 / 1000) }
        return [[], [7], [1, 2], Array(repeating: 0, count: 300_000), random, text, skewed, periodic]
    }

    @Test(arguments: [CompressionLevel.none, .fast, .balanced, .best])
    func deflateRoundTrips(level: CompressionLevel) throws {
        for input in Self.sampleInputs() {
            let compressed = Zlib.compress(input, level: level)
            #expect(try Zlib.decompress(compressed) == input, "\(input.count) bytes at \(level)")
        }
    }

    @Test func deflateReallyCompresses() throws {
        let inputs = Self.sampleInputs()
        let text = inputs[5], random = inputs[4], skewed = inputs[6]
        #expect(Zlib.compress(text).count * 50 < text.count)
        // Incompressible data falls back to stored blocks: little overhead.
        #expect(Zlib.compress(random).count < random.count + random.count / 100 + 32)
        // Entropy coding alone (few repeats) still gains on skewed bytes.
        #expect(Zlib.compress(skewed).count * 10 < skewed.count * 6)  // zlib -6 gets 0.55, entropy 0.46
    }

    @Test func huffmanLengthsRespectLimit() {
        // Fibonacci frequencies force a deep unbounded tree.
        var frequencies = [1, 1]
        while frequencies.count < 30 { frequencies.append(frequencies[frequencies.count - 1] + frequencies[frequencies.count - 2]) }
        let lengths = HuffmanCodeBuilder.lengths(for: frequencies, limit: 15)
        #expect(lengths.max()! == 15)
        let kraft = lengths.reduce(0.0) { $0 + pow(2.0, -Double($1)) }
        #expect(kraft == 1.0)
        let single = HuffmanCodeBuilder.lengths(for: [0, 0, 5, 0], limit: 7)
        #expect(single.filter { $0 > 0 }.count == 2)
    }
}
