/// A canonical Huffman code (RFC 1951 §3.2.2) turned into lookup tables, so
/// that one symbol is decoded with one or two array reads.
///
/// The primary table is indexed by the next ``primaryBits`` bits of input
/// (least significant bit first, the order DEFLATE packs codes). Each entry
/// is a `UInt32`:
/// - a symbol: bits 0–15 the symbol, bits 16–23 the code length;
/// - a link (bit 31 set): bits 0–15 the offset of a secondary table, bits
///   16–23 the number of further bits that index it;
/// - zero: no code has this prefix (an incomplete code); decoding it is an error.
struct HuffmanDecodingTable: Sendable {
    static let primaryBits = 10
    static let linkFlag: UInt32 = 1 << 31

    /// Primary entries followed by all secondary tables.
    var entries: [UInt32]

    /// Builds the table for code lengths `lengths[symbol]` (0 = unused).
    ///
    /// Throws if the lengths are over-subscribed (more codes than the lengths
    /// allow) or longer than 15 bits. Incomplete codes are accepted; their
    /// missing codes decode as errors.
    init(lengths: UnsafeBufferPointer<UInt8>, name: String) throws(FormatProblem) {
        var countPerLength = [Int](repeating: 0, count: 16)
        var maxLength = 0
        for length in lengths where length != 0 {
            guard length <= 15 else { throw FormatProblem(.malformed, "\(name) code length over 15") }
            countPerLength[Int(length)] += 1
            maxLength = max(maxLength, Int(length))
        }
        // Kraft inequality: no more codes than the lengths leave room for.
        var available = 1
        for length in 1...15 {
            available = available * 2 - countPerLength[length]
            guard available >= 0 else {
                throw FormatProblem(.malformed, "\(name) Huffman code is over-subscribed")
            }
        }
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1...15 {
            code = (code + countPerLength[length - 1]) << 1
            nextCode[length] = code
        }
        nextCode[0] = 0

        let primary = Self.primaryBits
        let secondaryBits = max(0, maxLength - primary)
        var table = [UInt32](repeating: 0, count: 1 << primary)
        for symbol in 0..<lengths.count {
            let length = Int(lengths[symbol])
            if length == 0 { continue }
            let code = nextCode[length]
            nextCode[length] += 1
            let reversed = Self.reverse(code, bits: length)
            let entry = UInt32(symbol) | UInt32(length) << 16
            if length <= primary {
                var index = reversed
                while index < 1 << primary {
                    table[index] = entry
                    index += 1 << length
                }
            } else {
                let prefix = reversed & ((1 << primary) - 1)
                var link = table[prefix]
                if link == 0 {
                    link = Self.linkFlag | UInt32(secondaryBits) << 16 | UInt32(table.count)
                    table[prefix] = link
                    table.append(contentsOf: repeatElement(0, count: 1 << secondaryBits))
                }
                let offset = Int(link & 0xFFFF)
                let rest = reversed >> primary
                let restLength = length - primary
                var index = rest
                while index < 1 << secondaryBits {
                    table[offset + index] = entry
                    index += 1 << restLength
                }
            }
        }
        entries = table
    }

    /// `code` with its lowest `bits` bits in reverse order.
    static func reverse(_ code: Int, bits: Int) -> Int {
        var result = 0
        var value = code
        for _ in 0..<bits {
            result = result << 1 | (value & 1)
            value >>= 1
        }
        return result
    }
}
