/// A Huffman table of a JPEG file (ITU-T T.81, annex C), ready for decoding.
///
/// Codes of up to ``lookupBits`` bits are decoded with one table look-up; the
/// longer ones (rare) with the canonical `maxcode` / `valptr` procedure of
/// T.81 F.2.2.3. Storage is allocated once and freed with the table.
final class JPEGHuffmanTable {
    /// The number of leading bits resolved by the look-up table.
    static let lookupBits = 9

    /// For each `lookupBits`-bit prefix: `length << 8 | symbol`, or 0 when the code is longer.
    let lookup: UnsafeMutablePointer<UInt16>
    /// For AC tables: for each prefix whose code and magnitude bits both fit,
    /// `value << 16 | run << 8 | totalLength` with the value already sign-extended;
    /// 0 when the slow path is needed. Unused (all 0) for DC tables.
    let fastAC: UnsafeMutablePointer<Int32>
    /// For code lengths 1...16 (index 0 unused): the largest code of that length, or -1.
    let maxCode: UnsafeMutablePointer<Int32>
    /// For code lengths 1...16: the index in ``symbols`` of the first code of that length minus that code.
    let symbolOffset: UnsafeMutablePointer<Int32>
    /// The symbols in code order.
    let symbols: UnsafeMutablePointer<UInt8>
    /// Whether every symbol is at most 15, as a DC table's must be (libjpeg checks this too).
    let isValidForDC: Bool

    /// Builds the table from the 16 code-length counts and the symbols of a DHT segment.
    ///
    /// Throws when the counts overflow the code space of their length (T.81 C.2).
    init(counts: [Int], symbols values: [UInt8]) throws(FormatProblem) {
        lookup = .allocate(capacity: 1 << Self.lookupBits)
        lookup.initialize(repeating: 0, count: 1 << Self.lookupBits)
        fastAC = .allocate(capacity: 1 << Self.lookupBits)
        fastAC.initialize(repeating: 0, count: 1 << Self.lookupBits)
        maxCode = .allocate(capacity: 18)
        maxCode.initialize(repeating: -1, count: 18)
        symbolOffset = .allocate(capacity: 18)
        symbolOffset.initialize(repeating: 0, count: 18)
        symbols = .allocate(capacity: 256)
        symbols.initialize(repeating: 0, count: 256)
        for (i, value) in values.prefix(256).enumerated() { symbols[i] = value }
        isValidForDC = values.allSatisfy { $0 <= 15 }

        var code = 0
        var index = 0
        for length in 1...16 {
            let count = counts[length - 1]
            // The codes of this length must fit in `length` bits without the
            // all-ones code (T.81 C.2; libjpeg rejects such tables too);
            // checked before any is stored.
            if count > 0, code + count >= (1 << length) {
                throw FormatProblem(.malformed, "bad Huffman table: the code lengths overflow the code space")
            }
            if count > 0 {
                symbolOffset[length] = Int32(index - code)
                for _ in 0..<count {
                    if length <= Self.lookupBits {
                        let shift = Self.lookupBits - length
                        let entry = UInt16(length << 8) | UInt16(values[index])
                        for fill in 0..<(1 << shift) { lookup[(code << shift) | fill] = entry }
                    }
                    code += 1
                    index += 1
                }
                maxCode[length] = Int32(code - 1)
            }
            code <<= 1
        }
        maxCode[17] = Int32.max
        buildFastAC()
    }

    /// Fills ``fastAC``: run, size and extended value for codes whose magnitude bits fit too.
    private func buildFastAC() {
        let bits = Self.lookupBits
        for prefix in 0..<(1 << bits) {
            let entry = lookup[prefix]
            if entry == 0 { continue }
            let length = Int(entry >> 8)
            let symbol = Int(entry & 0xFF)
            let run = symbol >> 4
            let size = symbol & 15
            if size == 0 || length + size > bits { continue }
            let raw = (prefix >> (bits - length - size)) & ((1 << size) - 1)
            let value = raw < (1 << (size - 1)) ? raw - (1 << size) + 1 : raw
            fastAC[prefix] = Int32(value) << 16 | Int32(run << 8) | Int32(length + size)
        }
    }

    deinit {
        lookup.deallocate()
        fastAC.deallocate()
        maxCode.deallocate()
        symbolOffset.deallocate()
        symbols.deallocate()
    }
}

/// The storage of a ``JPEGHuffmanTable`` as plain pointers, so that the hot
/// loops use a table without reference counting. Valid while the table lives.
struct JPEGHuffmanCode {
    let lookup: UnsafeMutablePointer<UInt16>
    let fastAC: UnsafeMutablePointer<Int32>
    let maxCode: UnsafeMutablePointer<Int32>
    let symbolOffset: UnsafeMutablePointer<Int32>
    let symbols: UnsafeMutablePointer<UInt8>

    init(_ table: JPEGHuffmanTable) {
        lookup = table.lookup
        fastAC = table.fastAC
        maxCode = table.maxCode
        symbolOffset = table.symbolOffset
        symbols = table.symbols
    }
}

/// Reads the entropy-coded data of one scan, most significant bit first
/// (T.81 F.2.2.5), removing the stuffed zero byte after each `0xFF`.
///
/// On reaching a marker (or the end of the data) it supplies zero bits, as
/// libjpeg does, but counts them: ``overran`` tells whether any of them were
/// consumed, which valid data never does, so the decoder reports an error.
struct JPEGBitReader {
    /// The whole file.
    let bytes: UnsafePointer<UInt8>
    /// The file's length.
    let end: Int
    /// The next byte to read; at a marker, the index of its `0xFF`.
    var position: Int
    /// The unread bits, left-aligned.
    var buffer: UInt64 = 0
    /// How many bits of ``buffer`` are valid.
    var count = 0
    /// Whether reading stopped at a marker or at the end of the data.
    var stopped = false
    /// How many zero bits were supplied after the data stopped.
    var paddedBits = 0

    init(bytes: UnsafePointer<UInt8>, end: Int, position: Int) {
        self.bytes = bytes
        self.end = end
        self.position = position
    }

    /// Whether bits past the end of the scan's data have been consumed.
    var overran: Bool { paddedBits > count }

    /// Whether the data stopped at the end of the file rather than at a marker.
    var reachedEndOfData: Bool { position >= end }

    /// Tops up ``buffer`` to at least 57 bits.
    @inline(__always)
    mutating func fill() {
        // Fast path: eight plain bytes at once when none of them is 0xFF.
        if !stopped, count <= 56, position + 8 <= end {
            let word = UnsafeRawPointer(bytes + position).loadUnaligned(as: UInt64.self)
            // A byte is 0xFF exactly when adding 1 to it carries out of it.
            let hasFF = ((word & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x0101_0101_0101_0101) & word & 0x8080_8080_8080_8080
            if hasFF == 0 {
                let take = (64 - count) >> 3
                let big = word.byteSwapped
                // The first `take` bytes, placed just below the valid bits.
                buffer |= (big >> UInt64(64 - take * 8)) << UInt64(64 - count - take * 8)
                position += take
                count += take * 8
                return
            }
        }
        fillSlow()
    }

    @inline(never)
    mutating func fillSlow() {
        while count <= 56 {
            var byte: UInt64 = 0
            if !stopped, position < end {
                let b = bytes[position]
                if b != 0xFF {
                    position += 1
                    byte = UInt64(b)
                } else {
                    var next = position + 1
                    while next < end, bytes[next] == 0xFF { next += 1 }
                    if next < end, bytes[next] == 0 {
                        position = next + 1
                        byte = 0xFF
                    } else {
                        stopped = true
                        position = next < end ? next - 1 : end
                        paddedBits += 8
                    }
                }
            } else {
                stopped = true
                paddedBits += 8
            }
            buffer |= byte << UInt64(56 - count)
            count += 8
        }
    }

    /// Decodes one Huffman-coded symbol.
    @inline(__always)
    mutating func decode(_ table: JPEGHuffmanCode) throws(FormatProblem) -> Int {
        if count < 16 { fill() }
        let entry = table.lookup[Int(truncatingIfNeeded: buffer &>> UInt64(64 - JPEGHuffmanTable.lookupBits))]
        if entry != 0 {
            let length = Int(entry &>> 8)
            buffer &<<= UInt64(length)
            count &-= length
            return Int(entry & 0xFF)
        }
        return try decodeLong(table)
    }

    @inline(never)
    mutating func decodeLong(_ table: JPEGHuffmanCode) throws(FormatProblem) -> Int {
        var length = JPEGHuffmanTable.lookupBits + 1
        while length <= 16 {
            let code = Int32(truncatingIfNeeded: buffer >> UInt64(64 - length))
            if code <= table.maxCode[length] {
                buffer <<= UInt64(length)
                count -= length
                return Int(table.symbols[Int(code + table.symbolOffset[length]) & 0xFF])
            }
            length += 1
        }
        throw FormatProblem(.malformed, "bad Huffman code in the entropy-coded data")
    }

    /// Reads `n` bits (1...16) as an unsigned number.
    @inline(__always)
    mutating func bits(_ n: Int) -> Int {
        if count < n { fill() }
        let value = Int(truncatingIfNeeded: buffer &>> UInt64(64 &- n))
        buffer &<<= UInt64(n)
        count &-= n
        return value
    }

    /// Reads one bit.
    @inline(__always)
    mutating func bit() -> Int {
        if count < 1 { fill() }
        let value = Int(truncatingIfNeeded: buffer >> 63)
        buffer <<= 1
        count -= 1
        return value
    }

    /// Reads `n` (1...16) magnitude bits and sign-extends them (T.81 F.2.2.1, EXTEND).
    @inline(__always)
    mutating func receiveExtend(_ n: Int) -> Int {
        let value = bits(n)
        return value < (1 &<< (n &- 1)) ? value &- (1 &<< n) &+ 1 : value
    }

    /// Discards the buffered bits and continues after the restart marker that
    /// must come next; throws when it is missing or out of sequence.
    mutating func restart(expecting number: Int) throws(FormatProblem) {
        if overran { throw overrunProblem() }
        buffer = 0
        count = 0
        paddedBits = 0
        if !stopped {
            // Skip any bytes left before the marker (libjpeg skips them too).
            while position < end, bytes[position] != 0xFF { position += 1 }
        }
        while position + 1 < end, bytes[position] == 0xFF, bytes[position + 1] == 0xFF { position += 1 }
        guard position + 1 < end else {
            throw FormatProblem(.truncated, "data ends where a restart marker should be")
        }
        let marker = Int(bytes[position + 1])
        guard marker == 0xD0 + number else {
            throw FormatProblem(.malformed, String(format: "expected restart marker RST%d, found marker 0x%02X", number, marker))
        }
        position += 2
        stopped = false
    }

    /// The problem of a scan whose data ran out before its last block.
    func overrunProblem() -> FormatProblem {
        reachedEndOfData
            ? FormatProblem(.truncated, "data ends inside a scan (truncated entropy-coded data)")
            : FormatProblem(.malformed, "a scan's entropy-coded data ends before its last block")
    }
}
