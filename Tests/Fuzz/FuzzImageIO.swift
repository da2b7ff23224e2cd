import Foundation

/// Rewrites every chunk CRC that the chunk structure reaches, so that
/// mutations get past the CRC check and exercise inflate and unfiltering.
func fixingCRCs(_ input: [UInt8]) -> [UInt8] {
    var bytes = input
    var position = 8
    while position + 12 <= bytes.count {
        let length = Int(bytes[position]) << 24 | Int(bytes[position + 1]) << 16 | Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
        guard length <= bytes.count - position - 12 else { break }
        let crc = CRC32.checksum(Array(bytes[(position + 4)..<(position + 8 + length)]))
        let at = position + 8 + length
        bytes[at] = UInt8(crc >> 24); bytes[at + 1] = UInt8((crc >> 16) & 0xFF)
        bytes[at + 2] = UInt8((crc >> 8) & 0xFF); bytes[at + 3] = UInt8(crc & 0xFF)
        position = at + 4
    }
    return bytes
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = ImageDecodingLimits(maxPixels: 1 << 22, maxDecompressedBytes: 1 << 24)
    for candidate in [bytes, fixingCRCs(bytes)] {
        if let image = try? PNGDecoder.decode(candidate, name: "fuzz", limits: limits) {
            // Whatever decodes must re-encode and decode to itself.
            let again = try! PNGDecoder.decode(PNGEncoder.encode(image, level: .fast), name: "re-encoded")
            precondition(again == image, "re-encode mismatch")
        }
    }
    if let image = try? PPM.decode(bytes, name: "fuzz", limits: limits), image.channels != 2 {
        precondition(try! PPM.decode(PPM.encode(image), name: "re-encoded") == image, "PPM re-encode mismatch")
    }
    if let image = try? JPEGDecoder.decode(bytes, name: "fuzz", limits: limits) {
        precondition(image.samples.count == image.width * image.height * image.channels, "JPEG sample count")
        precondition(image.samples.allSatisfy { $0 <= 255 }, "JPEG sample above 255")
    }
    _ = JPEGDecoder.orientation(of: bytes)
    _ = try? Zlib.decompress(bytes, limit: 1 << 24)
    return 0
}
