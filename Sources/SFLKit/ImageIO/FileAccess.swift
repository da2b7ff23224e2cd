import Foundation

/// Reads an image file, reporting failures as ``ImageIOError`` naming its path.
///
/// Only a regular file is read (a link is followed): a FIFO, a device or a
/// directory is refused without reading it. The size is checked against
/// ``ImageDecodingLimits/maxFileBytes`` before reading, and the signature in
/// the first bytes before reading the rest: a file of another format is
/// refused after reading 8 bytes.
///
/// - Parameters:
///   - url: the file.
///   - format: the format the caller decodes, or nil for any that SFLKit reads.
///   - limits: the file size limit.
func readImageFile(_ url: URL, format: ImageFileFormat?, limits: ImageDecodingLimits) throws(ImageIOError) -> [UInt8] {
    do {
        let file = try RegularFile(openingForReading: url.path)
        try file.checkSize(atMost: limits.maxFileBytes, limitName: "ImageDecodingLimits.maxFileBytes")
        let signatureLength = PNGDecoder.signature.count   // the longest signature
        var bytes = try file.read(upTo: signatureLength)
        // A file no longer than a signature goes whole to the decoder, which says what is wrong.
        if bytes.count == signatureLength, file.size > signatureLength {
            let found = ImageFileFormat(sniffing: bytes)
            guard found != nil, format == nil || found == format else {
                throw ImageIOError(source: url.path, kind: .badSignature, problem: signatureMismatch(expecting: format))
            }
            bytes.reserveCapacity(file.size)
            try file.read(upTo: file.size - signatureLength, appendingTo: &bytes)
        }
        return bytes
    } catch let failure as FileReadFailure {
        let kind: ImageIOError.Kind = failure.kind == .tooLarge ? .limitExceeded : .fileSystem
        throw ImageIOError(source: url.path, kind: kind, problem: failure.reason)
    } catch let error as ImageIOError {
        throw error
    } catch {
        throw ImageIOError(source: url.path, kind: .fileSystem, problem: "cannot be read (\(error))")
    }
}

/// What is wrong with data whose signature is not that of `format` (nil:
/// not that of any format SFLKit reads), as the decoders word it.
func signatureMismatch(expecting format: ImageFileFormat?) -> String {
    switch format {
    case nil: "not a PNG, PGM or PPM file, nor a JPEG (unknown signature)"
    case .png: "not a PNG file (wrong signature)"
    case .ppm: "not a binary PGM/PPM file (expected P5 or P6)"
    case .jpeg: "not a JPEG file (no SOI marker)"
    }
}

/// Writes `bytes` to `url` atomically (see `writeAtomically(_:to:)`),
/// reporting failures as ``ImageIOError``.
func writeFileAtomically(_ bytes: [UInt8], to url: URL) throws(ImageIOError) {
    do {
        try writeAtomically(bytes, to: url)
    } catch {
        throw ImageIOError(source: url.path, kind: .fileSystem, problem: error.reason)
    }
}
