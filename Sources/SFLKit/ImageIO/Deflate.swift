/// How hard the DEFLATE encoder searches for matches.
public enum CompressionLevel: Sendable, Equatable {
    /// Stored blocks only: no compression (fast; for testing and incompressible data).
    case none
    /// Short match searches.
    case fast
    /// A balance of speed and size (the default).
    case balanced
    /// Long match searches.
    case best

    /// How many earlier positions with the same 3-byte hash to try; 0 for none.
    var chainLimit: Int {
        switch self {
        case .none: return 0
        case .fast: return 8
        case .balanced: return 64
        case .best: return 1024
        }
    }
}

/// A DEFLATE compressor (RFC 1951): LZ77 matching over a 32 KiB window with
/// hash chains and one-step lazy matching, then per block the cheapest of
/// dynamic Huffman, fixed Huffman or stored encoding.
enum Deflate {
    static let windowSize = 1 << 15
    static let minMatch = 3
    static let maxMatch = 258
    /// Tokens per block: each block gets its own Huffman codes.
    static let tokensPerBlock = 1 << 15

    /// Length 3…258 → length code index 0…28.
    static let lengthCodeIndex: [UInt8] = {
        var table = [UInt8](repeating: 0, count: maxMatch + 1)
        for code in 0..<29 {
            let base = Int(Inflate.lengthBase[code])
            let span = 1 << Int(Inflate.lengthExtraBits[code])
            for length in base..<min(base + span, maxMatch + 1) { table[length] = UInt8(code) }
        }
        table[258] = 28
        return table
    }()

    /// Distance 1…32768 → distance code 0…29.
    static let distanceCodeIndex: [UInt8] = {
        var table = [UInt8](repeating: 0, count: windowSize + 1)
        for code in 0..<30 {
            let base = Int(Inflate.distanceBase[code])
            let span = 1 << Int(Inflate.distanceExtraBits[code])
            for distance in base..<min(base + span, windowSize + 1) { table[distance] = UInt8(code) }
        }
        return table
    }()

    /// Compresses `input` into a raw DEFLATE stream.
    static func compress(_ input: [UInt8], level: CompressionLevel = .balanced) -> [UInt8] {
        var writer = BitWriter()
        if input.isEmpty || level == .none {
            writeStored(input[...], isFinal: true, into: &writer)
            return writer.finish()
        }
        input.withUnsafeBufferPointer { data in
            var matcher = Matcher(data: data, chainLimit: level.chainLimit)
            var blockStart = 0
            var tokens: [UInt32] = []
            tokens.reserveCapacity(tokensPerBlock)
            while matcher.position < data.count {
                let blockEnd = matcher.fill(&tokens, maxTokens: tokensPerBlock)
                let isFinal = blockEnd == data.count
                writeBlock(tokens, raw: data[blockStart..<blockEnd], isFinal: isFinal, into: &writer)
                blockStart = blockEnd
                tokens.removeAll(keepingCapacity: true)
            }
        }
        return writer.finish()
    }

    // MARK: Blocks

    /// A token: a literal byte (`distance == 0`, `value` = the byte) or a
    /// match (`value` = length 3…258). Packed as `distance << 16 | value`.
    @inline(__always) static func literal(_ byte: UInt8) -> UInt32 { UInt32(byte) }
    @inline(__always) static func match(length: Int, distance: Int) -> UInt32 { UInt32(distance) << 16 | UInt32(length) }

    static func writeStored(_ raw: ArraySlice<UInt8>, isFinal: Bool, into writer: inout BitWriter) {
        var start = raw.startIndex
        repeat {
            let end = min(start + 65535, raw.endIndex)
            writer.write(isFinal && end == raw.endIndex ? 1 : 0, bits: 1)
            writer.write(0, bits: 2)
            writer.alignToByte()
            let length = end - start
            writer.write(UInt32(length), bits: 16)
            writer.write(UInt32(length ^ 0xFFFF), bits: 16)
            writer.appendAligned(raw[start..<end])
            start = end
        } while start < raw.endIndex
    }

    static func writeBlock(_ tokens: [UInt32], raw: Slice<UnsafeBufferPointer<UInt8>>, isFinal: Bool, into writer: inout BitWriter) {
        var literalFrequencies = [Int](repeating: 0, count: 286)
        var distanceFrequencies = [Int](repeating: 0, count: 30)
        var extraBits = 0
        for token in tokens {
            let distance = Int(token >> 16), value = Int(token & 0xFFFF)
            if distance == 0 {
                literalFrequencies[value] += 1
            } else {
                let lengthCode = Int(lengthCodeIndex[value])
                let distanceCode = Int(distanceCodeIndex[distance])
                literalFrequencies[257 + lengthCode] += 1
                distanceFrequencies[distanceCode] += 1
                extraBits += Int(Inflate.lengthExtraBits[lengthCode]) + Int(Inflate.distanceExtraBits[distanceCode])
            }
        }
        literalFrequencies[256] = 1

        let literalLengths = HuffmanCodeBuilder.lengths(for: literalFrequencies, limit: 15)
        let distanceLengths = HuffmanCodeBuilder.lengths(for: distanceFrequencies, limit: 15)
        let header = DynamicHeader(literalLengths: literalLengths, distanceLengths: distanceLengths)

        func cost(_ literal: [UInt8], _ distance: [UInt8]) -> Int {
            var bits = extraBits
            for (f, l) in zip(literalFrequencies, literal) { bits += f * Int(l) }
            for (f, l) in zip(distanceFrequencies, distance) { bits += f * Int(l) }
            return bits
        }
        let dynamicBits = 3 + header.bitCount + cost(literalLengths, distanceLengths)
        let fixedBits = 3 + cost(fixedLiteralLengths, fixedDistanceLengths)
        let storedBits = 8 * (raw.count + 5 * ((raw.count + 65534) / 65535)) + 10

        if storedBits < min(dynamicBits, fixedBits) {
            writeStored(ArraySlice(raw), isFinal: isFinal, into: &writer)
            return
        }
        writer.write(isFinal ? 1 : 0, bits: 1)
        if fixedBits <= dynamicBits {
            writer.write(1, bits: 2)
            writeTokens(tokens, literalLengths: fixedLiteralLengths, distanceLengths: fixedDistanceLengths, into: &writer)
        } else {
            writer.write(2, bits: 2)
            header.write(into: &writer)
            writeTokens(tokens, literalLengths: literalLengths, distanceLengths: distanceLengths, into: &writer)
        }
    }

    static let fixedLiteralLengths: [UInt8] = (0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 }
    static let fixedDistanceLengths = [UInt8](repeating: 5, count: 30)

    static func writeTokens(_ tokens: [UInt32], literalLengths: [UInt8], distanceLengths: [UInt8], into writer: inout BitWriter) {
        let literalCodes = HuffmanCodeBuilder.reversedCodes(for: literalLengths)
        let distanceCodes = HuffmanCodeBuilder.reversedCodes(for: distanceLengths)
        for token in tokens {
            let distance = Int(token >> 16), value = Int(token & 0xFFFF)
            if distance == 0 {
                writer.write(UInt32(literalCodes[value]), bits: Int(literalLengths[value]))
                continue
            }
            let lengthCode = Int(lengthCodeIndex[value])
            writer.write(UInt32(literalCodes[257 + lengthCode]), bits: Int(literalLengths[257 + lengthCode]))
            writer.write(UInt32(value - Int(Inflate.lengthBase[lengthCode])), bits: Int(Inflate.lengthExtraBits[lengthCode]))
            let distanceCode = Int(distanceCodeIndex[distance])
            writer.write(UInt32(distanceCodes[distanceCode]), bits: Int(distanceLengths[distanceCode]))
            writer.write(UInt32(distance - Int(Inflate.distanceBase[distanceCode])),
                         bits: Int(Inflate.distanceExtraBits[distanceCode]))
        }
        writer.write(UInt32(literalCodes[256]), bits: Int(literalLengths[256]))
    }
}

/// The code-length section of a dynamic block header (RFC 1951 §3.2.7):
/// both code length lists, run-length encoded with symbols 16, 17 and 18,
/// themselves Huffman coded.
private struct DynamicHeader {
    let literalCount: Int
    let distanceCount: Int
    /// Run-length symbols, each with its extra-bit value.
    let runs: [(symbol: Int, extra: Int)]
    let codeLengthLengths: [UInt8]
    let storedCodeLengthCount: Int

    init(literalLengths: [UInt8], distanceLengths: [UInt8]) {
        literalCount = max(257, (literalLengths.lastIndex { $0 != 0 } ?? 0) + 1)
        distanceCount = max(1, (distanceLengths.lastIndex { $0 != 0 } ?? 0) + 1)
        let all = Array(literalLengths[0..<literalCount]) + Array(distanceLengths[0..<distanceCount])
        var runs: [(symbol: Int, extra: Int)] = []
        var i = 0
        while i < all.count {
            let value = all[i]
            var run = 1
            while i + run < all.count && all[i + run] == value { run += 1 }
            i += run
            if value == 0 {
                while run >= 11 { let n = min(run, 138); runs.append((18, n - 11)); run -= n }
                if run >= 3 { runs.append((17, run - 3)); run = 0 }
                while run > 0 { runs.append((0, 0)); run -= 1 }
            } else {
                runs.append((Int(value), 0))
                run -= 1
                while run >= 3 { let n = min(run, 6); runs.append((16, n - 3)); run -= n }
                while run > 0 { runs.append((Int(value), 0)); run -= 1 }
            }
        }
        self.runs = runs
        var frequencies = [Int](repeating: 0, count: 19)
        for run in runs { frequencies[run.symbol] += 1 }
        let lengths = HuffmanCodeBuilder.lengths(for: frequencies, limit: 7)
        codeLengthLengths = lengths
        let lastUsed = Inflate.codeLengthOrder.lastIndex { lengths[$0] != 0 } ?? 0
        storedCodeLengthCount = max(4, lastUsed + 1)
    }

    static let runExtraBits = [16: 2, 17: 3, 18: 7]

    var bitCount: Int {
        var bits = 5 + 5 + 4 + 3 * storedCodeLengthCount
        for run in runs { bits += Int(codeLengthLengths[run.symbol]) + (Self.runExtraBits[run.symbol] ?? 0) }
        return bits
    }

    func write(into writer: inout BitWriter) {
        writer.write(UInt32(literalCount - 257), bits: 5)
        writer.write(UInt32(distanceCount - 1), bits: 5)
        writer.write(UInt32(storedCodeLengthCount - 4), bits: 4)
        for i in 0..<storedCodeLengthCount {
            writer.write(UInt32(codeLengthLengths[Inflate.codeLengthOrder[i]]), bits: 3)
        }
        let codes = HuffmanCodeBuilder.reversedCodes(for: codeLengthLengths)
        for run in runs {
            writer.write(UInt32(codes[run.symbol]), bits: Int(codeLengthLengths[run.symbol]))
            if let extra = Self.runExtraBits[run.symbol] { writer.write(UInt32(run.extra), bits: extra) }
        }
    }
}

/// Finds LZ77 matches with hash chains over a 32 KiB window.
private struct Matcher {
    let data: UnsafeBufferPointer<UInt8>
    let chainLimit: Int
    /// Stop searching once a match this long is found.
    let niceLength = 128
    var position = 0
    /// Most recent position for each 15-bit hash of three bytes (−1: none).
    var head = [Int32](repeating: -1, count: 1 << 15)
    /// The previous position with the same hash, indexed by position mod window.
    var previous = [Int32](repeating: -1, count: Deflate.windowSize)
    /// Positions below this are in the chains.
    var inserted = 0

    init(data: UnsafeBufferPointer<UInt8>, chainLimit: Int) {
        self.data = data
        self.chainLimit = chainLimit
    }

    @inline(__always)
    func hash(_ at: Int) -> Int {
        let v = Int(data[at]) << 16 | Int(data[at + 1]) << 8 | Int(data[at + 2])
        return (v &* 0x9E37_79B1) >> 17 & 0x7FFF
    }

    /// Adds positions up to (not including) `end` to the hash chains.
    mutating func insert(upTo end: Int) {
        let last = min(end, data.count - Deflate.minMatch + 1)
        while inserted < last {
            let h = hash(inserted)
            previous[inserted & (Deflate.windowSize - 1)] = head[h]
            head[h] = Int32(inserted)
            inserted += 1
        }
        inserted = max(inserted, end)
    }

    /// The longest earlier match for the bytes at `at`: (length, distance), length 0 if none.
    func longestMatch(at: Int) -> (length: Int, distance: Int) {
        let available = min(Deflate.maxMatch, data.count - at)
        guard available >= Deflate.minMatch else { return (0, 0) }
        var candidate = Int(head[hash(at)])
        var bestLength = Deflate.minMatch - 1, bestDistance = 0
        var chain = chainLimit
        let lowest = at - Deflate.windowSize
        while candidate >= 0 && candidate > lowest - 1 && candidate < at && chain > 0 {
            if data[candidate + bestLength] == data[at + bestLength] {
                var length = 0
                while length < available && data[candidate + length] == data[at + length] { length += 1 }
                if length > bestLength {
                    bestLength = length
                    bestDistance = at - candidate
                    if length >= niceLength || length == available { break }
                }
            }
            let next = Int(previous[candidate & (Deflate.windowSize - 1)])
            if next >= candidate { break }  // the slot was reused by a newer position
            candidate = next
            chain -= 1
        }
        return bestLength >= Deflate.minMatch ? (bestLength, bestDistance) : (0, 0)
    }

    /// Appends tokens from `position` until `maxTokens` are held or the data
    /// ends; returns the new position.
    mutating func fill(_ tokens: inout [UInt32], maxTokens: Int) -> Int {
        while position < data.count && tokens.count < maxTokens {
            insert(upTo: position)
            var found = longestMatch(at: position)
            if found.length == 0 {
                tokens.append(Deflate.literal(data[position]))
                position += 1
                continue
            }
            // Lazy matching: prefer a literal here if the next byte starts a longer match.
            if found.length < 32 && position + 1 < data.count {
                insert(upTo: position + 1)
                let next = longestMatch(at: position + 1)
                if next.length > found.length {
                    tokens.append(Deflate.literal(data[position]))
                    position += 1
                    found = next
                    if tokens.count >= maxTokens { continue }
                }
            }
            tokens.append(Deflate.match(length: found.length, distance: found.distance))
            position += found.length
        }
        insert(upTo: position)
        return position
    }
}

/// Packs bits least significant first into bytes.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var count = 0

    /// Appends the low `bits` bits of `value`.
    @inline(__always)
    mutating func write(_ value: UInt32, bits: Int) {
        buffer |= UInt64(value) << UInt64(count)
        count += bits
        while count >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            count -= 8
        }
    }

    /// Pads with zero bits to a byte boundary.
    mutating func alignToByte() {
        if count > 0 { write(0, bits: 8 - count) }
    }

    /// Appends whole bytes; the writer must be byte-aligned.
    mutating func appendAligned(_ raw: ArraySlice<UInt8>) {
        precondition(count == 0, "appendAligned needs a byte boundary")
        bytes.append(contentsOf: raw)
    }

    /// Flushes the last partial byte and returns everything written.
    mutating func finish() -> [UInt8] {
        alignToByte()
        return bytes
    }
}
