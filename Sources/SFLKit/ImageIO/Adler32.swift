/// Adler-32, the checksum of a zlib stream (RFC 1950 §8.2): two sums modulo
/// 65521, `b << 16 | a`, starting from `a = 1`, `b = 0`.
enum Adler32 {
    private static let modulus: UInt32 = 65521
    /// The most bytes that can be summed before reducing without overflowing 32 bits.
    private static let blockLength = 5552

    /// Continues an Adler-32 (`adler` is the value for the preceding bytes, 1 for none).
    static func update(_ adler: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var a = adler & 0xFFFF
        var b = adler >> 16
        var index = 0
        while index < bytes.count {
            let end = min(index + blockLength, bytes.count)
            while index < end {
                a &+= UInt32(bytes[index])
                b &+= a
                index += 1
            }
            a %= modulus
            b %= modulus
        }
        return b << 16 | a
    }

    /// The Adler-32 of `bytes`.
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { update(1, $0) }
    }
}
