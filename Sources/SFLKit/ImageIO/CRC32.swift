/// CRC-32 as used by PNG chunks, zlib's gzip and Ethernet (ISO 3309):
/// polynomial 0xEDB88320 (reflected), initial value and final XOR 0xFFFFFFFF.
enum CRC32 {
    /// The 256-entry lookup table for one byte at a time.
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 {
            c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
        }
        return c
    }

    /// Continues a CRC (`crc` is the value returned for the preceding bytes,
    /// 0 for none) over `bytes`.
    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        table.withUnsafeBufferPointer { t in
            for b in bytes {
                c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8)
            }
        }
        return ~c
    }

    /// The CRC-32 of `bytes`.
    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var array = Array(bytes)
        return array.withUnsafeMutableBytes { update(0, UnsafeRawBufferPointer($0)) }
    }
}
