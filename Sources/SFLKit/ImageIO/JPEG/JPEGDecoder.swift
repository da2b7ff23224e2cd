import Foundation

/// Decodes JPEG files (ITU-T T.81 | ISO/IEC 10918-1) to exactly the samples
/// libjpeg-turbo's `djpeg` gives with its defaults.
///
/// Reads baseline and extended sequential (8- or 16-bit quantisation
/// tables) and progressive (spectral selection and successive approximation)
/// Huffman-coded files with 8-bit samples, one component (grey) or three
/// (YCbCr, or RGB when an Adobe marker or the component identifiers say so),
/// any sampling factors from 1 to 4, interleaved or not, with restart
/// intervals. The samples are those of libjpeg's accurate integer inverse
/// DCT, its fancy (triangle) upsampling and its fixed-point YCbCr → RGB
/// conversion (see `JPEGColor.swift`), so they match `djpeg` (and Pillow) bit
/// for bit.
///
/// JFIF, EXIF, ICC, comment and other APPn segments are skipped, except that
/// the EXIF orientation is read (``decodeWithOrientation(_:name:limits:)``);
/// the pixels are always returned as stored. Fill bytes before markers and
/// data after the end-of-image marker are ignored.
///
/// Arithmetic coding, 12-bit samples, lossless and hierarchical JPEG and
/// 4-component (CMYK/YCCK) files are refused with an ``ImageIOError`` of kind
/// `.unsupported` naming the feature. Truncated or corrupt data throws an
/// ``ImageIOError`` naming the input and the problem; the frame size is
/// checked against ``ImageDecodingLimits`` before any storage is allocated.
public enum JPEGDecoder {
    /// The first bytes of every JPEG file: the SOI marker and the start of the next marker.
    public static let signature: [UInt8] = [0xFF, 0xD8, 0xFF]

    /// Decodes JPEG data held in memory; pixels as stored (no orientation applied).
    ///
    /// - Parameters:
    ///   - data: the whole file.
    ///   - name: names the data in errors (a path or any label).
    ///   - limits: bounds on the image size and on the decoder's storage.
    public static func decode(_ data: [UInt8], name: String, limits: ImageDecodingLimits = .default) throws(ImageIOError) -> Image {
        try decodeWithOrientation(data, name: name, limits: limits).image
    }

    /// Reads and decodes the JPEG file at `url`; errors name its path.
    ///
    /// Only a regular file within ``ImageDecodingLimits/maxFileBytes`` is read,
    /// and only past its first 8 bytes if they start like a JPEG.
    public static func decode(contentsOf url: URL, limits: ImageDecodingLimits = .default) throws(ImageIOError) -> Image {
        try decode(try readImageFile(url, format: .jpeg, limits: limits), name: url.path, limits: limits)
    }

    /// Decodes JPEG data and returns the pixels as stored together with the
    /// EXIF orientation (``ImageOrientation/identity`` when the file has none).
    ///
    /// Apply it with ``Image/applyingOrientation(_:)`` to get the image as displayed.
    public static func decodeWithOrientation(_ data: [UInt8], name: String, limits: ImageDecodingLimits = .default)
        throws(ImageIOError) -> (image: Image, orientation: ImageOrientation) {
        try attachingSource(name) {
            try data.withUnsafeBufferPointer { bytes throws(FormatProblem) in
                var decoder = JPEGFileDecoder(bytes: bytes, limits: limits)
                let image = try decoder.decode()
                return (image, decoder.orientation)
            }
        }
    }

    /// The EXIF orientation of JPEG data, read from its header segments only;
    /// ``ImageOrientation/identity`` when absent or unreadable.
    public static func orientation(of data: [UInt8]) -> ImageOrientation {
        data.withUnsafeBufferPointer { bytes in
            var decoder = JPEGFileDecoder(bytes: bytes, limits: .default)
            decoder.headersOnly = true
            _ = try? decoder.decode()
            return decoder.orientation
        }
    }
}

/// The marker-level parser of one JPEG file (T.81 annex B): reads the
/// segments in order, keeps the tables, and runs each scan.
struct JPEGFileDecoder {
    let bytes: UnsafeBufferPointer<UInt8>
    let limits: ImageDecodingLimits
    var position = 0
    var frame: JPEGFrame?
    var buffers: JPEGImageBuffers?
    var quantTables: [[Int32]?] = [nil, nil, nil, nil]
    var dcTables: [JPEGHuffmanTable?] = [nil, nil, nil, nil]
    var acTables: [JPEGHuffmanTable?] = [nil, nil, nil, nil]
    var restartInterval = 0
    var orientation = ImageOrientation.identity
    var sawJFIF = false
    var adobeTransform: Int?
    var scanCount = 0
    /// Stop at the first SOF or SOS (used to read the orientation alone).
    var headersOnly = false

    init(bytes: UnsafeBufferPointer<UInt8>, limits: ImageDecodingLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// Reads the marker code at ``position`` (after any 0xFF fill bytes).
    mutating func readMarker() throws(FormatProblem) -> UInt8 {
        guard position < bytes.count else {
            throw FormatProblem(.truncated, "data ends before the end-of-image marker")
        }
        guard bytes[position] == 0xFF else {
            throw FormatProblem(.malformed, String(format: "expected a marker at byte %d, found 0x%02X", position, bytes[position]))
        }
        let start = position
        while position < bytes.count, bytes[position] == 0xFF { position += 1 }
        guard position < bytes.count else {
            throw FormatProblem(.truncated, "data ends before the end-of-image marker")
        }
        let marker = bytes[position]
        position += 1
        guard marker != 0 else {
            throw FormatProblem(.malformed, String(format: "expected a marker at byte %d, found 0xFF 0x00 (not JPEG segment structure)", start))
        }
        return marker
    }

    /// Reads a segment's length field and returns its payload, advancing past it.
    mutating func readSegment(_ marker: UInt8) throws(FormatProblem) -> UnsafeBufferPointer<UInt8> {
        guard position + 2 <= bytes.count else {
            throw FormatProblem(.truncated, String(format: "data ends inside the length of marker 0x%02X", marker))
        }
        let length = Int(bytes[position]) << 8 | Int(bytes[position + 1])
        guard length >= 2 else { throw FormatProblem(.malformed, String(format: "bad segment length %d for marker 0x%02X", length, marker)) }
        guard position + length <= bytes.count else {
            throw FormatProblem(.truncated, String(format: "data ends inside the segment of marker 0x%02X (%@)", marker, Self.name(of: marker)))
        }
        let payload = UnsafeBufferPointer(rebasing: bytes[(position + 2)..<(position + length)])
        position += length
        return payload
    }

    static func name(of marker: UInt8) -> String {
        switch marker {
        case 0xC0...0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC: return "SOF\(marker - 0xC0)"
        case 0xC4: return "DHT"
        case 0xCC: return "DAC"
        case 0xDA: return "SOS"
        case 0xDB: return "DQT"
        case 0xDD: return "DRI"
        case 0xE0...0xEF: return "APP\(marker - 0xE0)"
        case 0xFE: return "COM"
        default: return String(format: "0x%02X", marker)
        }
    }

    /// Decodes the whole file.
    mutating func decode() throws(FormatProblem) -> Image {
        guard !bytes.isEmpty else { throw FormatProblem(.truncated, "empty file (no JPEG data)") }
        guard bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
            throw FormatProblem(.badSignature, "not a JPEG file (no SOI marker)")
        }
        position = 2
        while true {
            let marker = try readMarker()
            switch marker {
            case 0xD9:
                return try finish(sawEnd: true)
            case 0xC4:
                try parseHuffmanTables(try readSegment(marker))
            case 0xDB:
                try parseQuantTables(try readSegment(marker))
            case 0xDD:
                let payload = try readSegment(marker)
                guard payload.count >= 2 else { throw FormatProblem(.malformed, "DRI segment too short") }
                restartInterval = Int(payload[0]) << 8 | Int(payload[1])
            case 0xCC:
                throw FormatProblem(.unsupported, "arithmetic coding is not supported (DAC marker)")
            case 0xDE, 0xDF:
                throw FormatProblem(.unsupported, "hierarchical JPEG is not supported (\(marker == 0xDE ? "DHP" : "EXP") marker)")
            case 0xC0...0xCF:
                guard frame == nil else { throw FormatProblem(.malformed, "more than one frame header (SOF)") }
                if headersOnly { return Image(unchecked: 1, 1, channels: 1, bitDepth: 8, samples: [0]) }
                frame = try JPEGFrame.parse(marker: marker, payload: try readSegment(marker), limits: limits)
            case 0xDA:
                if headersOnly { return Image(unchecked: 1, 1, channels: 1, bitDepth: 8, samples: [0]) }
                try decodeScan(try readSegment(marker))
            case 0xE0...0xEF, 0xFE:
                let payload = try readSegment(marker)
                parseApplicationSegment(marker, payload)
            case 0xF0...0xFD:
                _ = try readSegment(marker)  // JPEG extensions: skipped.
            case 0xD8:
                throw FormatProblem(.malformed, "a second SOI marker inside the file")
            case 0xD0...0xD7:
                throw FormatProblem(.malformed, "restart marker RST\(marker - 0xD0) outside a scan")
            case 0xDC:
                throw FormatProblem(.unsupported, "DNL marker (height defined after the first scan) is not supported")
            case 0x01:
                continue  // TEM: no segment.
            default:
                throw FormatProblem(.malformed, String(format: "unknown marker 0x%02X", marker))
            }
        }
    }

    /// Builds the image once the end of the image (or of the data) is reached.
    mutating func finish(sawEnd: Bool) throws(FormatProblem) -> Image {
        guard let frame else { throw FormatProblem(.malformed, "no frame header (SOF) before the end of the image") }
        guard let buffers, scanCount > 0 else { throw FormatProblem(.malformed, "no image data (no SOS scan)") }
        if frame.progressive {
            buffers.transformAllCoefficients()
        } else if let missing = buffers.decoded.firstIndex(of: false) {
            throw FormatProblem(.malformed, "component \(frame.components[missing].id) has no scan")
        }
        let transform: Bool
        if frame.components.count == 3 {
            if sawJFIF {
                transform = true
            } else if let adobeTransform {
                transform = adobeTransform != 0
            } else {
                let ids = frame.components.map(\.id)
                transform = ids != [0x52, 0x47, 0x42]  // 'R', 'G', 'B'
            }
        } else {
            transform = false
        }
        return JPEGColor.makeImage(buffers, transform: transform)
    }

    mutating func parseApplicationSegment(_ marker: UInt8, _ payload: UnsafeBufferPointer<UInt8>) {
        switch marker {
        case 0xE0:
            if payload.count >= 5, Array(payload[0..<5]) == Array("JFIF".utf8) + [0] { sawJFIF = true }
        case 0xE1:
            if let value = ImageOrientation.parseEXIF(payload) { orientation = value }
        case 0xEE:
            if payload.count >= 12, Array(payload[0..<5]) == Array("Adobe".utf8) { adobeTransform = Int(payload[11]) }
        default:
            break
        }
    }

    mutating func parseHuffmanTables(_ payload: UnsafeBufferPointer<UInt8>) throws(FormatProblem) {
        var at = 0
        while at < payload.count {
            let classAndIndex = Int(payload[at])
            let tableClass = classAndIndex >> 4
            let index = classAndIndex & 15
            guard tableClass <= 1, index <= 3 else {
                throw FormatProblem(.malformed, "bad Huffman table class \(tableClass) or number \(index)")
            }
            guard at + 17 <= payload.count else { throw FormatProblem(.malformed, "DHT segment too short for its code counts") }
            let counts = (0..<16).map { Int(payload[at + 1 + $0]) }
            let total = counts.reduce(0, +)
            guard total <= 256 else { throw FormatProblem(.malformed, "bad Huffman table: \(total) codes (more than 256)") }
            guard at + 17 + total <= payload.count else {
                throw FormatProblem(.malformed, "bad Huffman table: counts claim \(total) symbols, more than the DHT segment holds")
            }
            let symbols = Array(payload[(at + 17)..<(at + 17 + total)])
            let table = try JPEGHuffmanTable(counts: counts, symbols: symbols)
            if tableClass == 0 { dcTables[index] = table } else { acTables[index] = table }
            at += 17 + total
        }
    }

    mutating func parseQuantTables(_ payload: UnsafeBufferPointer<UInt8>) throws(FormatProblem) {
        var at = 0
        while at < payload.count {
            let precision = Int(payload[at]) >> 4
            let index = Int(payload[at]) & 15
            guard precision <= 1, index <= 3 else {
                throw FormatProblem(.malformed, "bad quantisation table precision \(precision) or number \(index)")
            }
            let size = precision == 0 ? 64 : 128
            guard at + 1 + size <= payload.count else { throw FormatProblem(.malformed, "DQT segment too short") }
            var table = [Int32](repeating: 0, count: 64)
            for k in 0..<64 {
                let value = precision == 0 ? Int32(payload[at + 1 + k])
                    : Int32(payload[at + 1 + 2 * k]) << 8 | Int32(payload[at + 2 + 2 * k])
                table[jpegZigZag[k]] = value
            }
            quantTables[index] = table
            at += 1 + size
        }
    }

    /// Parses an SOS header and decodes the scan's entropy-coded data.
    mutating func decodeScan(_ payload: UnsafeBufferPointer<UInt8>) throws(FormatProblem) {
        guard let frame else { throw FormatProblem(.malformed, "scan (SOS) before the frame header (SOF)") }
        guard payload.count >= 1 else { throw FormatProblem(.malformed, "SOS segment too short") }
        let count = Int(payload[0])
        guard (1...4).contains(count), payload.count >= 4 + 2 * count else {
            throw FormatProblem(.malformed, "bad SOS segment (\(count) components)")
        }
        var scan = JPEGScan(components: [], dcTables: [], acTables: [], spectralStart: Int(payload[1 + 2 * count]),
                            spectralEnd: Int(payload[2 + 2 * count]), approximationHigh: Int(payload[3 + 2 * count]) >> 4,
                            approximationLow: Int(payload[3 + 2 * count]) & 15)
        var blocksPerMCU = 0
        for i in 0..<count {
            let id = Int(payload[1 + 2 * i])
            guard let index = frame.components.firstIndex(where: { $0.id == id }) else {
                throw FormatProblem(.malformed, "scan refers to component \(id), which the frame does not define")
            }
            guard !scan.components.contains(index) else { throw FormatProblem(.malformed, "scan lists component \(id) twice") }
            let tables = Int(payload[2 + 2 * i])
            guard tables >> 4 <= 3, tables & 15 <= 3 else { throw FormatProblem(.malformed, "bad Huffman table selector in a scan") }
            scan.components.append(index)
            scan.dcTables.append(tables >> 4)
            scan.acTables.append(tables & 15)
            blocksPerMCU += frame.components[index].h * frame.components[index].v
        }
        if count > 1, blocksPerMCU > 10 {
            throw FormatProblem(.malformed, "scan has \(blocksPerMCU) blocks per MCU (at most 10 allowed)")
        }
        if frame.progressive {
            let s = scan
            let valid = s.spectralStart == 0
                ? s.spectralEnd == 0
                : (s.spectralEnd >= s.spectralStart && s.spectralEnd <= 63 && count == 1)
            guard valid, s.approximationLow <= 13, s.approximationHigh == 0 || s.approximationLow == s.approximationHigh - 1 else {
                throw FormatProblem(.malformed, "bad progressive scan parameters Ss=\(s.spectralStart) Se=\(s.spectralEnd) Ah=\(s.approximationHigh) Al=\(s.approximationLow)")
            }
        }
        if buffers == nil {
            guard frame.storageBytes <= limits.maxDecompressedBytes else {
                throw FormatProblem(.limitExceeded, "decoding needs \(frame.storageBytes) bytes, more than the limit of \(limits.maxDecompressedBytes)")
            }
            buffers = JPEGImageBuffers(frame: frame)
        }
        let buffers = buffers!
        // Latch each component's quantisation table at its first scan, as libjpeg does.
        for index in scan.components where !buffers.latched[index] {
            let tableIndex = frame.components[index].quantTable
            guard let table = quantTables[tableIndex] else {
                throw FormatProblem(.malformed, "quantisation table \(tableIndex) is not defined")
            }
            for k in 0..<64 { buffers.quant[64 * index + k] = table[k] }
            buffers.latched[index] = true
        }
        if !frame.progressive {
            for index in scan.components {
                guard !buffers.decoded[index] else {
                    throw FormatProblem(.malformed, "component \(frame.components[index].id) appears in two sequential scans")
                }
                buffers.decoded[index] = true
            }
        }
        var reader = JPEGBitReader(bytes: bytes.baseAddress!, end: bytes.count, position: position)
        let scanDecoder = JPEGScanDecoder(buffers: buffers, scan: scan, dcTables: dcTables, acTables: acTables,
                                          restartInterval: restartInterval)
        try scanDecoder.decode(&reader)
        scanCount += 1
        // Continue at the next marker, skipping any bytes the scan left unread.
        position = reader.position
        while position < bytes.count {
            if bytes[position] == 0xFF, position + 1 < bytes.count, bytes[position + 1] != 0, bytes[position + 1] < 0xD0 || bytes[position + 1] > 0xD7 {
                break
            }
            position += 1
        }
        if position >= bytes.count { throw FormatProblem(.truncated, "data ends after a scan, before the end-of-image marker") }
    }
}
