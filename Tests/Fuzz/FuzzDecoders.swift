import Foundation

// A libFuzzer entry point for SFLKit's decoders: PNG (and the zlib
// decompressor under it), PGM/PPM, JPEG (and its EXIF orientation reader) and
// checkpoints. Not part of the package build: `Tests/Fuzz/build.sh` compiles it
// with the library's sources as one module (see README.md).
//
// `SFL_FUZZ_FORMAT` (png, ppm, jpeg, checkpoint or all, the default) chooses
// the decoders every input goes to. With `SFL_FUZZ_WRITE_SEEDS=<folder>` the
// program writes its seed files (FuzzSeeds.swift) into the folder and exits.

/// The decoders an input goes to, read once from `SFL_FUZZ_FORMAT`.
enum FuzzFormat: String, CaseIterable {
    case png, ppm, jpeg, checkpoint, all

    static let chosen: FuzzFormat = {
        let name = ProcessInfo.processInfo.environment["SFL_FUZZ_FORMAT"] ?? "all"
        guard let format = FuzzFormat(rawValue: name) else {
            fatalError("SFL_FUZZ_FORMAT=\(name): expected one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return format
    }()

    func includes(_ format: FuzzFormat) -> Bool { self == .all || self == format }
}

/// Bounds that keep a single input's decoding small (libFuzzer's -rss_limit_mb
/// is the backstop).
let fuzzLimits = ImageDecodingLimits(maxPixels: 1 << 22, maxDecompressedBytes: 1 << 24)

/// Rewrites a checkpoint's trailing CRC-32 (little-endian, of every preceding
/// byte), so that mutations reach the header and tensor parsing.
func fixingCheckpointCRC(_ input: [UInt8]) -> [UInt8] {
    guard input.count >= 20 else { return input }
    var bytes = input
    let crc = CRC32.checksum(Array(bytes[..<(bytes.count - 4)]))
    for k in 0..<4 { bytes[bytes.count - 4 + k] = UInt8(truncatingIfNeeded: crc >> (8 * k)) }
    return bytes
}

func fuzzPNG(_ bytes: [UInt8]) {
    for candidate in [bytes, fixingPNGCRCs(bytes)] {
        if let image = try? PNGDecoder.decode(candidate, name: "fuzz", limits: fuzzLimits) {
            // Whatever decodes must re-encode and decode to itself.
            let again = try! PNGDecoder.decode(PNGEncoder.encode(image, level: .fast), name: "re-encoded")
            precondition(again == image, "PNG re-encode mismatch")
        }
    }
    _ = try? Zlib.decompress(bytes, limit: 1 << 24)
}

func fuzzPPM(_ bytes: [UInt8]) {
    if let image = try? PPM.decode(bytes, name: "fuzz", limits: fuzzLimits), image.channels != 2 {
        precondition(try! PPM.decode(PPM.encode(image), name: "re-encoded") == image, "PPM re-encode mismatch")
    }
}

func fuzzJPEG(_ bytes: [UInt8]) {
    if let (image, _) = try? JPEGDecoder.decodeWithOrientation(bytes, name: "fuzz", limits: fuzzLimits) {
        precondition(image.samples.count == image.width * image.height * image.channels, "JPEG sample count")
        precondition(image.samples.allSatisfy { $0 <= 255 }, "JPEG sample above 255")
    }
    // The header-only reader (it may legitimately disagree with the full
    // decode when an EXIF segment follows the first scan).
    _ = JPEGDecoder.orientation(of: bytes)
}

/// Whatever decodes must re-encode to a file that decodes and re-encodes to the same bytes.
func checkCheckpointRoundTrip<Scalar: TensorScalar>(_ checkpoint: Checkpoint<Scalar>) {
    let encoded = checkpoint.encoded()
    let again = try! Checkpoint<Scalar>(decoding: encoded, name: "re-encoded")
    precondition(again.encoded() == encoded, "checkpoint re-encode mismatch")
}

func fuzzCheckpoint(_ bytes: [UInt8]) {
    for candidate in [bytes, fixingCheckpointCRC(bytes)] {
        if let checkpoint = try? Checkpoint<Float>(decoding: candidate, name: "fuzz") { checkCheckpointRoundTrip(checkpoint) }
        if let checkpoint = try? Checkpoint<Double>(decoding: candidate, name: "fuzz") { checkCheckpointRoundTrip(checkpoint) }
    }
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>,
                           _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    if let folder = ProcessInfo.processInfo.environment["SFL_FUZZ_WRITE_SEEDS"] {
        do {
            let count = try FuzzSeeds.write(to: URL(fileURLWithPath: folder))
            print("wrote \(count) seed files to \(folder)")
            exit(0)
        } catch {
            print("cannot write the seeds to \(folder): \(error)")
            exit(1)
        }
    }
    print("fuzzing: \(FuzzFormat.chosen.rawValue)")
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let format = FuzzFormat.chosen
    if format.includes(.png) { fuzzPNG(bytes) }
    if format.includes(.ppm) { fuzzPPM(bytes) }
    if format.includes(.jpeg) { fuzzJPEG(bytes) }
    if format.includes(.checkpoint) { fuzzCheckpoint(bytes) }
    return 0
}
