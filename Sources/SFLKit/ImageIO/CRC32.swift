/// CRC-32 as used by PNG chunks, zlib's gzip and Ethernet (ISO 3309):
/// polynomial 0xEDB88320 (reflected), initial value and final XOR 0xFFFFFFFF.
///
/// Computed four bytes at a time with four 256-entry tables ("slicing by 4").
enum CRC32 {
    /// Table `k` (entries `256k ..< 256k + 256`) gives the CRC contribution of
    /// a byte followed by `k` zero bytes.
    static let tables: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 1024)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 {
                c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
            }
            table[n] = c
        }
        for k in 1..<4 {
            for n in 0..<256 {
                let previous = table[256 * (k - 1) + n]
                table[256 * k + n] = table[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return table
    }()

    /// Continues a CRC (`crc` is the value returned for the preceding bytes,
    /// 0 for none) over `bytes`.
    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        tables.withUnsafeBufferPointer { t in
            var index = 0
            let count = bytes.count
            while index + 4 <= count {
                c ^= UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8
                    | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24
                c = t[768 + Int(c & 0xFF)] ^ t[512 + Int((c >> 8) & 0xFF)]
                    ^ t[256 + Int((c >> 16) & 0xFF)] ^ t[Int(c >> 24)]
                index += 4
            }
            while index < count {
                c = t[Int((c ^ UInt32(bytes[index])) & 0xFF)] ^ (c >> 8)
                index += 1
            }
        }
        return ~c
    }

    /// The CRC-32 of `bytes`.
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { update(0, $0) }
    }
}
