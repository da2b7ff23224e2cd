/// A DEFLATE decompressor (RFC 1951): stored, fixed-Huffman and
/// dynamic-Huffman blocks, decoded with lookup tables over a 64-bit bit buffer.
///
/// Output is bounded: the caller gives either the exact size it expects (PNG
/// knows it from the header) or a limit, and decoding stops with an error as
/// soon as the output would pass it — so a decompression bomb costs at most
/// the limit in memory and a pass over its input in time.
enum Inflate {
    /// The result of decompressing a raw DEFLATE stream.
    struct Result {
        /// The decompressed bytes.
        var output: [UInt8]
        /// How many input bytes the stream used, up to the byte after its last block.
        var consumed: Int
    }

    /// Decompresses the raw DEFLATE stream at the start of `input`.
    ///
    /// - Parameters:
    ///   - expectedSize: if given, the output must be exactly this long.
    ///   - limit: the most bytes the output may hold.
    static func decompress(
        _ input: UnsafeBufferPointer<UInt8>, expectedSize: Int?, limit: Int
    ) throws(FormatProblem) -> Result {
        let cap = expectedSize.map { min($0, limit) } ?? limit
        if let expectedSize, expectedSize > limit {
            throw FormatProblem(.limitExceeded,
                "decompressed size \(expectedSize) bytes exceeds the limit of \(limit) bytes")
        }
        let initialCapacity = expectedSize ?? min(limit, max(4096, input.count * 4))
        var state = InflateState(input: input, capacity: initialCapacity, limit: cap,
                                 exactSize: expectedSize != nil)
        defer { state.output.deallocate() }
        try state.run()
        if let expectedSize, state.outputCount != expectedSize {
            throw FormatProblem(.truncated,
                "compressed data ends after \(state.outputCount) of \(expectedSize) bytes")
        }
        let output = Array(UnsafeBufferPointer(start: state.output, count: state.outputCount))
        return Result(output: output, consumed: state.position - state.bitCount / 8)
    }

    /// Decompresses the whole raw DEFLATE stream `bytes` (a convenience for tests).
    static func decompress(_ bytes: [UInt8], limit: Int = 1 << 30) throws(FormatProblem) -> [UInt8] {
        let result: Result
        do {
            result = try bytes.withUnsafeBufferPointer { try decompress($0, expectedSize: nil, limit: limit) }
        } catch let problem as FormatProblem {
            throw problem
        } catch {
            throw FormatProblem(.malformed, "\(error)")
        }
        return result.output
    }

    // MARK: Static tables (RFC 1951 §3.2.5)

    static let lengthBase: [UInt16] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
        35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    static let lengthExtraBits: [UInt8] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
        3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    static let distanceBase: [UInt16] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
        257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    static let distanceExtraBits: [UInt8] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
        7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    /// The order in which code-length code lengths are stored (§3.2.7).
    static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// The fixed literal/length code of block type 1.
    static let fixedLiteralTable: HuffmanDecodingTable = {
        var lengths = [UInt8](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        return lengths.withUnsafeBufferPointer { try! HuffmanDecodingTable(lengths: $0, name: "fixed") }
    }()

    /// The fixed distance code of block type 1.
    static let fixedDistanceTable: HuffmanDecodingTable = {
        let lengths = [UInt8](repeating: 5, count: 32)
        return lengths.withUnsafeBufferPointer { try! HuffmanDecodingTable(lengths: $0, name: "fixed") }
    }()
}

/// The working state of one decompression: input cursor, bit buffer and output buffer.
private struct InflateState {
    let input: UnsafeBufferPointer<UInt8>
    var position = 0
    var bitBuffer: UInt64 = 0
    var bitCount = 0

    var output: UnsafeMutablePointer<UInt8>
    var outputCount = 0
    var outputCapacity: Int
    let outputLimit: Int
    let exactSize: Bool

    init(input: UnsafeBufferPointer<UInt8>, capacity: Int, limit: Int, exactSize: Bool) {
        self.input = input
        self.outputCapacity = max(capacity, 1)
        self.output = .allocate(capacity: max(capacity, 1))
        self.outputLimit = limit
        self.exactSize = exactSize
    }

    static let truncated = FormatProblem(.truncated, "truncated zlib stream")

    /// Tops the bit buffer up to at least 57 bits, or to the end of the input.
    @inline(__always)
    mutating func refill() {
        if position + 8 <= input.count {
            // Fast path: load eight bytes, keep as many whole bytes as fit.
            let word = UInt64(littleEndian: UnsafeRawPointer(input.baseAddress! + position)
                .loadUnaligned(as: UInt64.self))
            bitBuffer |= word << UInt64(bitCount)
            let taken = (63 - bitCount) >> 3
            position += taken
            bitCount += taken << 3
        } else {
            while bitCount <= 56, position < input.count {
                bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
                position += 1
                bitCount += 8
            }
        }
    }

    /// Reads `count` (≤ 32) bits, least significant first.
    @inline(__always)
    mutating func bits(_ count: Int) throws(FormatProblem) -> Int {
        if bitCount < count {
            refill()
            if bitCount < count { throw Self.truncated }
        }
        let value = Int(truncatingIfNeeded: bitBuffer & ((1 << UInt64(count)) &- 1))
        bitBuffer >>= UInt64(count)
        bitCount -= count
        return value
    }

    /// Decodes one symbol with `table`.
    @inline(__always)
    mutating func symbol(_ table: UnsafeBufferPointer<UInt32>) throws(FormatProblem) -> Int {
        if bitCount < 15 { refill() }
        var entry = table[Int(truncatingIfNeeded: bitBuffer & 0x3FF)]
        if entry & HuffmanDecodingTable.linkFlag != 0 {
            let subBits = UInt64((entry >> 16) & 0xFF)
            let index = Int(entry & 0xFFFF)
                + Int(truncatingIfNeeded: (bitBuffer >> 10) & ((1 << subBits) - 1))
            entry = table[index]
        }
        let length = Int((entry >> 16) & 0xFF)
        if length == 0 { throw FormatProblem(.malformed, "invalid Huffman code in deflate data") }
        if length > bitCount { throw Self.truncated }
        bitBuffer >>= UInt64(length)
        bitCount -= length
        return Int(entry & 0xFFFF)
    }

    /// Makes room for `count` more output bytes, within the limit.
    @inline(__always)
    mutating func reserve(_ count: Int) throws(FormatProblem) {
        if outputCount + count <= outputCapacity { return }
        try grow(count)
    }

    mutating func grow(_ count: Int) throws(FormatProblem) {
        let needed = outputCount + count
        guard needed <= outputLimit else {
            if exactSize {
                throw FormatProblem(.malformed,
                    "compressed data holds more than the expected \(outputLimit) bytes")
            }
            throw FormatProblem(.limitExceeded,
                "decompressed data exceeds the limit of \(outputLimit) bytes")
        }
        let newCapacity = min(outputLimit, max(needed, outputCapacity * 2))
        let newOutput = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newOutput.update(from: output, count: outputCount)
        output.deallocate()
        output = newOutput
        outputCapacity = newCapacity
    }

    mutating func run() throws(FormatProblem) {
        var isFinal = false
        while !isFinal {
            isFinal = try bits(1) == 1
            switch try bits(2) {
            case 0:
                try storedBlock()
            case 1:
                try Inflate.fixedLiteralTable.entries.withUnsafeBufferPointer { literals throws(FormatProblem) in
                    try Inflate.fixedDistanceTable.entries.withUnsafeBufferPointer { distances throws(FormatProblem) in
                        try huffmanBlock(literals: literals, distances: distances)
                    }
                }
            case 2:
                let (literalTable, distanceTable) = try dynamicTables()
                try literalTable.entries.withUnsafeBufferPointer { literals throws(FormatProblem) in
                    try distanceTable.entries.withUnsafeBufferPointer { distances throws(FormatProblem) in
                        try huffmanBlock(literals: literals, distances: distances)
                    }
                }
            default:
                throw FormatProblem(.malformed, "invalid deflate block type 3")
            }
        }
        // Drop the bits of the partial last byte.
        let partial = bitCount & 7
        bitBuffer >>= UInt64(partial)
        bitCount -= partial
    }

    mutating func storedBlock() throws(FormatProblem) {
        let partial = bitCount & 7
        bitBuffer >>= UInt64(partial)
        bitCount -= partial
        let length = try bits(16)
        let complement = try bits(16)
        guard length == complement ^ 0xFFFF else {
            throw FormatProblem(.malformed, "stored block length \(length) does not match its complement")
        }
        // Return the whole bytes still in the bit buffer to the input.
        position -= bitCount / 8
        bitBuffer = 0
        bitCount = 0
        guard position + length <= input.count else { throw Self.truncated }
        try reserve(length)
        (output + outputCount).update(from: input.baseAddress! + position, count: length)
        outputCount += length
        position += length
    }

    mutating func dynamicTables() throws(FormatProblem) -> (HuffmanDecodingTable, HuffmanDecodingTable) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw FormatProblem(.malformed,
                "dynamic block declares \(literalCount) literal/length and \(distanceCount) distance codes")
        }
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for i in 0..<codeLengthCount {
            codeLengthLengths[Inflate.codeLengthOrder[i]] = UInt8(try bits(3))
        }
        let codeLengthTable = try codeLengthLengths.withUnsafeBufferPointer { lengths throws(FormatProblem) in
            try HuffmanDecodingTable(lengths: lengths, name: "code length")
        }
        let total = literalCount + distanceCount
        var lengths = [UInt8](repeating: 0, count: total)
        var index = 0
        try codeLengthTable.entries.withUnsafeBufferPointer { table throws(FormatProblem) in
            while index < total {
                let symbol = try self.symbol(table)
                var value: UInt8 = 0
                var repeatCount: Int
                switch symbol {
                case 0..<16:
                    lengths[index] = UInt8(symbol)
                    index += 1
                    continue
                case 16:
                    guard index > 0 else {
                        throw FormatProblem(.malformed, "code length repeat with no previous length")
                    }
                    value = lengths[index - 1]
                    repeatCount = 3 + (try bits(2))
                case 17:
                    repeatCount = 3 + (try bits(3))
                default:
                    repeatCount = 11 + (try bits(7))
                }
                guard index + repeatCount <= total else {
                    throw FormatProblem(.malformed, "code lengths overflow the declared count")
                }
                for _ in 0..<repeatCount {
                    lengths[index] = value
                    index += 1
                }
            }
        }
        guard lengths[256] != 0 else {
            throw FormatProblem(.malformed, "dynamic block has no end-of-block code")
        }
        return try lengths.withUnsafeBufferPointer { all throws(FormatProblem) in
            let literals = try HuffmanDecodingTable(
                lengths: UnsafeBufferPointer(rebasing: all[0..<literalCount]), name: "literal/length")
            let distances = try HuffmanDecodingTable(
                lengths: UnsafeBufferPointer(rebasing: all[literalCount..<total]), name: "distance")
            return (literals, distances)
        }
    }

    mutating func huffmanBlock(
        literals: UnsafeBufferPointer<UInt32>, distances: UnsafeBufferPointer<UInt32>
    ) throws(FormatProblem) {
        try Inflate.lengthBase.withUnsafeBufferPointer { lengthBase throws(FormatProblem) in
        try Inflate.lengthExtraBits.withUnsafeBufferPointer { lengthExtra throws(FormatProblem) in
        try Inflate.distanceBase.withUnsafeBufferPointer { distanceBase throws(FormatProblem) in
        try Inflate.distanceExtraBits.withUnsafeBufferPointer { distanceExtra throws(FormatProblem) in
            if try fastLoop(literals: literals, distances: distances, lengthBase: lengthBase, lengthExtra: lengthExtra,
                            distanceBase: distanceBase, distanceExtra: distanceExtra) {
                return
            }
            while true {
                let symbol = try self.symbol(literals)
                if symbol < 256 {
                    if outputCount == outputCapacity { try grow(1) }
                    output[outputCount] = UInt8(truncatingIfNeeded: symbol)
                    outputCount += 1
                    continue
                }
                if symbol == 256 { return }
                let lengthCode = symbol - 257
                guard lengthCode < 29 else {
                    throw FormatProblem(.malformed, "invalid length symbol \(symbol) in deflate data")
                }
                let length = Int(lengthBase[lengthCode]) + (try bits(Int(lengthExtra[lengthCode])))
                let distanceCode = try self.symbol(distances)
                guard distanceCode < 30 else {
                    throw FormatProblem(.malformed, "invalid distance symbol \(distanceCode) in deflate data")
                }
                let distance = Int(distanceBase[distanceCode]) + (try bits(Int(distanceExtra[distanceCode])))
                guard distance <= outputCount else {
                    throw FormatProblem(.malformed,
                        "deflate distance \(distance) reaches before the start of the data")
                }
                try reserve(length)
                let destination = output + outputCount
                let source = destination - distance
                if distance >= length {
                    destination.update(from: source, count: length)
                } else {
                    for i in 0..<length { destination[i] = source[i] }
                }
                outputCount += length
            }
        }
        }
        }
        }
    }

    /// Decodes symbols while at least 8 input bytes and 258 bytes of output
    /// room remain, with the state in locals and one refill per symbol pair
    /// (at most 48 bits: a 15-bit length code with 5 extra bits and a 15-bit
    /// distance code with 13). Returns true at the end of the block; false
    /// when it stops near the end of the input or output, leaving the rest
    /// to the careful loop.
    @inline(__always)
    mutating func fastLoop(
        literals: UnsafeBufferPointer<UInt32>, distances: UnsafeBufferPointer<UInt32>,
        lengthBase: UnsafeBufferPointer<UInt16>, lengthExtra: UnsafeBufferPointer<UInt8>,
        distanceBase: UnsafeBufferPointer<UInt16>, distanceExtra: UnsafeBufferPointer<UInt8>
    ) throws(FormatProblem) -> Bool {
        let inputBase = UnsafeRawPointer(input.baseAddress!)
        let inputLimit = input.count - 8
        let outputLimit = outputCapacity - Deflate.maxMatch
        let out = output
        var buffer = bitBuffer, count = bitCount, at = position, written = outputCount
        defer {
            bitBuffer = buffer
            bitCount = count
            position = at
            outputCount = written
        }
        while at <= inputLimit && written <= outputLimit {
            buffer |= UInt64(littleEndian: (inputBase + at).loadUnaligned(as: UInt64.self)) << UInt64(count)
            let taken = (63 - count) >> 3
            at += taken
            count += taken << 3

            var entry = literals[Int(truncatingIfNeeded: buffer & 0x3FF)]
            if entry & HuffmanDecodingTable.linkFlag != 0 {
                let subBits = UInt64((entry >> 16) & 0xFF)
                entry = literals[Int(entry & 0xFFFF) + Int(truncatingIfNeeded: (buffer >> 10) & ((1 << subBits) - 1))]
            }
            var codeLength = UInt64((entry >> 16) & 0xFF)
            if codeLength == 0 { throw FormatProblem(.malformed, "invalid Huffman code in deflate data") }
            buffer >>= codeLength
            count -= Int(codeLength)
            let symbol = Int(entry & 0xFFFF)
            if symbol < 256 {
                out[written] = UInt8(truncatingIfNeeded: symbol)
                written += 1
                continue
            }
            if symbol == 256 { return true }
            let lengthCode = symbol - 257
            guard lengthCode < 29 else {
                throw FormatProblem(.malformed, "invalid length symbol \(symbol) in deflate data")
            }
            let lengthBits = UInt64(lengthExtra[lengthCode])
            let length = Int(lengthBase[lengthCode]) + Int(truncatingIfNeeded: buffer & ((1 << lengthBits) - 1))
            buffer >>= lengthBits
            count -= Int(lengthBits)

            entry = distances[Int(truncatingIfNeeded: buffer & 0x3FF)]
            if entry & HuffmanDecodingTable.linkFlag != 0 {
                let subBits = UInt64((entry >> 16) & 0xFF)
                entry = distances[Int(entry & 0xFFFF) + Int(truncatingIfNeeded: (buffer >> 10) & ((1 << subBits) - 1))]
            }
            codeLength = UInt64((entry >> 16) & 0xFF)
            if codeLength == 0 { throw FormatProblem(.malformed, "invalid Huffman code in deflate data") }
            buffer >>= codeLength
            count -= Int(codeLength)
            let distanceCode = Int(entry & 0xFFFF)
            guard distanceCode < 30 else {
                throw FormatProblem(.malformed, "invalid distance symbol \(distanceCode) in deflate data")
            }
            let distanceBits = UInt64(distanceExtra[distanceCode])
            let distance = Int(distanceBase[distanceCode]) + Int(truncatingIfNeeded: buffer & ((1 << distanceBits) - 1))
            buffer >>= distanceBits
            count -= Int(distanceBits)
            guard distance <= written else {
                throw FormatProblem(.malformed, "deflate distance \(distance) reaches before the start of the data")
            }
            let destination = out + written
            let source = destination - distance
            if distance >= length {
                destination.update(from: source, count: length)
            } else {
                for i in 0..<length { destination[i] = source[i] }
            }
            written += length
        }
        return false
    }
}
