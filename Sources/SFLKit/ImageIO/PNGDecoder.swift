import Foundation

/// Decodes PNG files (PNG specification, third edition; ISO/IEC 15948).
///
/// Reads every standard colour type (grey, grey + alpha, RGB, RGBA, palette)
/// at every allowed bit depth (1, 2, 4, 8, 16), interlaced (Adam7) or not,
/// with all five scanline filters; verifies the CRC-32 of every chunk and the
/// Adler-32 of the image data. Ancillary chunks other than `tRNS` are skipped.
///
/// The result is an ``Image`` of depth 16 for 16-bit files and 8 otherwise:
/// grey of 1, 2 or 4 bits is scaled exactly to 8 bits (`v · 255 / (2^d − 1)`),
/// palettes are expanded to RGB, and a `tRNS` chunk adds an alpha channel
/// (palette: the entry's alpha, 255 past its end; grey or RGB: 0 where the
/// raw sample equals the key, else opaque).
///
/// Decoding is strict: truncation, a bad CRC or Adler-32, a wrong signature,
/// chunks out of order, an unknown critical chunk, an image larger than the
/// ``ImageDecodingLimits`` and surplus or missing image data each throw an
/// ``ImageIOError`` naming the input and the problem.
public enum PNGDecoder {
    /// The eight bytes every PNG file starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Decodes PNG data held in memory.
    ///
    /// - Parameters:
    ///   - data: the whole file.
    ///   - name: names the data in errors (a path or any label).
    ///   - limits: bounds on the image size and decompressed data.
    ///   - alpha: what to do with an alpha channel (kept by default).
    public static func decode(
        _ data: [UInt8], name: String, limits: ImageDecodingLimits = .default, alpha: AlphaHandling = .keep
    ) throws(ImageIOError) -> Image {
        let image = try attachingSource(name) {
            try data.withUnsafeBufferPointer { try decode(bytes: $0, limits: limits) }
        }
        return image.applying(alpha)
    }

    /// Decodes PNG data held in a `Data` value, as the `[UInt8]` variant does.
    public static func decode(
        _ data: Data, name: String, limits: ImageDecodingLimits = .default, alpha: AlphaHandling = .keep
    ) throws(ImageIOError) -> Image {
        try decode([UInt8](data), name: name, limits: limits, alpha: alpha)
    }

    /// Reads and decodes the PNG file at `url`; errors name its path.
    ///
    /// Only a regular file within ``ImageDecodingLimits/maxFileBytes`` is read,
    /// and only past its first 8 bytes if they are the PNG signature.
    public static func decode(
        contentsOf url: URL, limits: ImageDecodingLimits = .default, alpha: AlphaHandling = .keep
    ) throws(ImageIOError) -> Image {
        try decode(try readImageFile(url, format: .png, limits: limits), name: url.path, limits: limits, alpha: alpha)
    }

    // MARK: - Header

    /// The fields of an IHDR chunk.
    struct Header {
        var width: Int
        var height: Int
        var bitDepth: Int
        var colourType: Int
        var interlaced: Bool

        /// Samples per pixel as stored (palette indices count as one).
        var storedChannels: Int {
            switch colourType {
            case 0, 3: return 1
            case 2: return 3
            case 4: return 2
            default: return 4
            }
        }
        var bitsPerPixel: Int { storedChannels * bitDepth }
        /// The byte distance used by the filters (at least 1).
        var filterStep: Int { max(1, bitsPerPixel / 8) }
        func rowBytes(width: Int) -> Int { (width * bitsPerPixel + 7) / 8 }
    }

    /// The seven Adam7 passes: x start, y start, x step, y step.
    static let adam7: [(x: Int, y: Int, dx: Int, dy: Int)] = [
        (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2),
    ]

    /// A sub-image of the file: the whole image, or one Adam7 pass.
    struct Pass {
        var x0, y0, dx, dy: Int
        var width, height: Int
    }

    static func passes(of header: Header) -> [Pass] {
        if !header.interlaced {
            return [Pass(x0: 0, y0: 0, dx: 1, dy: 1, width: header.width, height: header.height)]
        }
        return adam7.map { p in
            Pass(x0: p.x, y0: p.y, dx: p.dx, dy: p.dy,
                 width: (header.width - p.x + p.dx - 1) / p.dx,
                 height: (header.height - p.y + p.dy - 1) / p.dy)
        }
    }

    static func readUInt32(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int) -> Int {
        Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
    }

    static func parseHeader(_ chunk: UnsafeBufferPointer<UInt8>, limits: ImageDecodingLimits) throws(FormatProblem) -> Header {
        guard chunk.count == 13 else {
            throw FormatProblem(.malformed, "IHDR chunk is \(chunk.count) bytes, not 13")
        }
        let width = readUInt32(chunk, 0), height = readUInt32(chunk, 4)
        let depth = Int(chunk[8]), colourType = Int(chunk[9])
        guard width <= 0x7FFF_FFFF, height <= 0x7FFF_FFFF else {
            throw FormatProblem(.malformed, "IHDR dimensions \(width)×\(height) exceed 2^31 − 1")
        }
        try limits.check(width: width, height: height)
        let allowedDepths: [Int]
        switch colourType {
        case 0: allowedDepths = [1, 2, 4, 8, 16]
        case 3: allowedDepths = [1, 2, 4, 8]
        case 2, 4, 6: allowedDepths = [8, 16]
        default: throw FormatProblem(.malformed, "invalid colour type \(colourType)")
        }
        guard allowedDepths.contains(depth) else {
            throw FormatProblem(.malformed, "invalid bit depth \(depth) for colour type \(colourType)")
        }
        guard chunk[10] == 0 else { throw FormatProblem(.unsupported, "unknown compression method \(chunk[10])") }
        guard chunk[11] == 0 else { throw FormatProblem(.unsupported, "unknown filter method \(chunk[11])") }
        guard chunk[12] <= 1 else { throw FormatProblem(.unsupported, "unknown interlace method \(chunk[12])") }
        return Header(width: width, height: height, bitDepth: depth, colourType: colourType,
                      interlaced: chunk[12] == 1)
    }

    // MARK: - Chunks

    static func chunkName(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int) -> String {
        String(decoding: bytes[at..<at + 4], as: UTF8.self)
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    static func decode(bytes: UnsafeBufferPointer<UInt8>, limits: ImageDecodingLimits) throws(FormatProblem) -> Image {
        guard bytes.count >= 8 else {
            if bytes.elementsEqual(signature.prefix(bytes.count)) {
                throw FormatProblem(.truncated, "truncated file: \(bytes.count) bytes, shorter than the PNG signature")
            }
            throw FormatProblem(.badSignature, "not a PNG file (wrong signature)")
        }
        guard bytes.prefix(8).elementsEqual(signature) else {
            throw FormatProblem(.badSignature, "not a PNG file (wrong signature)")
        }
        var position = 8
        var header: Header?
        var palette: [UInt8]?
        var transparency: [UInt8]?
        var compressed: [UInt8] = []
        var sawImageData = false, imageDataEnded = false, sawEnd = false

        while !sawEnd {
            guard position + 8 <= bytes.count else {
                throw FormatProblem(.truncated, position == bytes.count
                    ? "truncated file: ends before the IEND chunk"
                    : "truncated file: incomplete chunk header at byte \(position)")
            }
            let length = readUInt32(bytes, position)
            let name = chunkName(bytes, position + 4)
            guard (0..<4).allSatisfy({ isLetter(bytes[position + 4 + $0]) }) else {
                throw FormatProblem(.malformed, "invalid chunk type at byte \(position + 4)")
            }
            guard length <= 0x7FFF_FFFF else {
                throw FormatProblem(.malformed, "\(name) chunk length \(length) exceeds 2^31 − 1")
            }
            guard position + 12 + length <= bytes.count else {
                throw FormatProblem(.truncated,
                    "truncated file: \(name) chunk needs \(length + 12) bytes, only \(bytes.count - position) left")
            }
            let stored = UInt32(readUInt32(bytes, position + 8 + length))
            let computed = CRC32.update(0, UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[position + 4..<position + 8 + length])))
            guard stored == computed else {
                throw FormatProblem(.checksumMismatch, "\(name) CRC mismatch")
            }
            let data = UnsafeBufferPointer(rebasing: bytes[position + 8..<position + 8 + length])
            position += 12 + length

            if header == nil && name != "IHDR" {
                throw FormatProblem(.malformed, "chunks out of order: \(name) before IHDR")
            }
            if sawImageData && name != "IDAT" { imageDataEnded = true }
            switch name {
            case "IHDR":
                guard header == nil else { throw FormatProblem(.malformed, "duplicate IHDR chunk") }
                header = try parseHeader(data, limits: limits)
            case "PLTE":
                guard palette == nil else { throw FormatProblem(.malformed, "duplicate PLTE chunk") }
                guard !sawImageData else { throw FormatProblem(.malformed, "chunks out of order: PLTE after IDAT") }
                guard transparency == nil else { throw FormatProblem(.malformed, "chunks out of order: PLTE after tRNS") }
                let colourType = header!.colourType
                guard colourType != 0 && colourType != 4 else {
                    throw FormatProblem(.malformed, "PLTE chunk in a greyscale image")
                }
                guard length % 3 == 0, (3...768).contains(length) else {
                    throw FormatProblem(.malformed, "PLTE chunk length \(length) is not 3 × 1…256")
                }
                guard colourType != 3 || length / 3 <= 1 << header!.bitDepth else {
                    throw FormatProblem(.malformed,
                        "PLTE has \(length / 3) entries, more than \(header!.bitDepth)-bit indices reach")
                }
                palette = Array(data)
            case "tRNS":
                guard transparency == nil else { throw FormatProblem(.malformed, "duplicate tRNS chunk") }
                guard !sawImageData else { throw FormatProblem(.malformed, "chunks out of order: tRNS after IDAT") }
                switch header!.colourType {
                case 0:
                    guard length == 2 else { throw FormatProblem(.malformed, "tRNS for greyscale is \(length) bytes, not 2") }
                case 2:
                    guard length == 6 else { throw FormatProblem(.malformed, "tRNS for RGB is \(length) bytes, not 6") }
                case 3:
                    guard let palette else { throw FormatProblem(.malformed, "chunks out of order: tRNS before PLTE") }
                    guard length <= palette.count / 3 else {
                        throw FormatProblem(.malformed, "tRNS has \(length) entries, more than the palette's \(palette.count / 3)")
                    }
                default:
                    throw FormatProblem(.malformed, "tRNS chunk in an image that has an alpha channel")
                }
                transparency = Array(data)
            case "IDAT":
                guard !imageDataEnded else { throw FormatProblem(.malformed, "IDAT chunks are not consecutive") }
                if header!.colourType == 3 && palette == nil {
                    throw FormatProblem(.malformed, "chunks out of order: IDAT before the required PLTE")
                }
                sawImageData = true
                compressed.append(contentsOf: data)
            case "IEND":
                sawEnd = true
            default:
                // Bit 5 of the first byte clear: critical, and we cannot skip it.
                if bytes[position - 12 - length + 4] & 0x20 == 0 {
                    throw FormatProblem(.unsupported, "unknown critical chunk \(name)")
                }
            }
        }
        guard let header else { throw FormatProblem(.malformed, "no IHDR chunk") }
        guard sawImageData else { throw FormatProblem(.malformed, "no IDAT chunk") }
        return try decodeImageData(compressed, header: header, palette: palette,
                                   transparency: transparency, limits: limits)
    }

    // MARK: - Pixels

    static func decodeImageData(
        _ compressed: [UInt8], header: Header, palette: [UInt8]?, transparency: [UInt8]?,
        limits: ImageDecodingLimits
    ) throws(FormatProblem) -> Image {
        let passes = passes(of: header)
        var expectedSize = 0
        for pass in passes where pass.width > 0 && pass.height > 0 {
            expectedSize += pass.height * (header.rowBytes(width: pass.width) + 1)
        }
        guard expectedSize <= limits.maxDecompressedBytes else {
            throw FormatProblem(.limitExceeded,
                "image data of \(expectedSize) bytes exceeds the limit of \(limits.maxDecompressedBytes) bytes")
        }
        var raw = try compressed.withUnsafeBufferPointer { input throws(FormatProblem) in
            try Zlib.decompress(input, expectedSize: expectedSize, limit: limits.maxDecompressedBytes)
        }

        let outChannels: Int
        switch header.colourType {
        case 0: outChannels = transparency == nil ? 1 : 2
        case 2: outChannels = transparency == nil ? 3 : 4
        case 3: outChannels = transparency == nil ? 3 : 4
        default: outChannels = header.storedChannels
        }
        let outDepth = header.bitDepth == 16 ? 16 : 8
        var samples = [UInt16](repeating: 0, count: header.width * header.height * outChannels)
        let expander = RowExpander(header: header, outChannels: outChannels,
                                   palette: palette, transparency: transparency)

        try raw.withUnsafeMutableBufferPointer { rawBuffer throws(FormatProblem) in
            try samples.withUnsafeMutableBufferPointer { out throws(FormatProblem) in
                var offset = 0
                for pass in passes where pass.width > 0 && pass.height > 0 {
                    let rowBytes = header.rowBytes(width: pass.width)
                    let base = rawBuffer.baseAddress! + offset
                    try PNGFilter.unfilter(base, rows: pass.height, rowBytes: rowBytes,
                                           bytesPerPixel: header.filterStep)
                    for y in 0..<pass.height {
                        let row = UnsafePointer(base + y * (rowBytes + 1) + 1)
                        let outY = pass.y0 + y * pass.dy
                        let destination = out.baseAddress! + (outY * header.width + pass.x0) * outChannels
                        try expander.expand(row: row, pixels: pass.width,
                                            into: destination, pixelStride: pass.dx * outChannels)
                    }
                    offset += pass.height * (rowBytes + 1)
                }
            }
        }
        return Image(unchecked: header.width, header.height, channels: outChannels,
                     bitDepth: outDepth, samples: samples)
    }
}

/// Turns one raw (unfiltered) scanline into output samples.
private struct RowExpander {
    let header: PNGDecoder.Header
    let outChannels: Int
    /// RGBA entries of the palette (alpha 255 where tRNS does not reach).
    let paletteRGBA: [UInt16]
    let paletteCount: Int
    /// The transparent key for grey (one value) or RGB (three), raw samples.
    let key: [Int]?

    init(header: PNGDecoder.Header, outChannels: Int, palette: [UInt8]?, transparency: [UInt8]?) {
        self.header = header
        self.outChannels = outChannels
        var rgba: [UInt16] = []
        if header.colourType == 3, let palette {
            paletteCount = palette.count / 3
            for i in 0..<paletteCount {
                rgba.append(UInt16(palette[3 * i]))
                rgba.append(UInt16(palette[3 * i + 1]))
                rgba.append(UInt16(palette[3 * i + 2]))
                rgba.append(UInt16(transparency.flatMap { i < $0.count ? $0[i] : nil } ?? 255))
            }
        } else {
            paletteCount = 0
        }
        paletteRGBA = rgba
        if let transparency, header.colourType == 0 || header.colourType == 2 {
            key = stride(from: 0, to: transparency.count, by: 2).map {
                Int(transparency[$0]) << 8 | Int(transparency[$0 + 1])
            }
        } else {
            key = nil
        }
    }

    func expand(
        row: UnsafePointer<UInt8>, pixels: Int, into out: UnsafeMutablePointer<UInt16>, pixelStride: Int
    ) throws(FormatProblem) {
        let depth = header.bitDepth
        switch header.colourType {
        case 3:
            try paletteRGBA.withUnsafeBufferPointer { table throws(FormatProblem) in
                for x in 0..<pixels {
                    let index = Self.packedSample(row, x, depth)
                    guard index < paletteCount else {
                        throw FormatProblem(.malformed, "palette index \(index) out of range (\(paletteCount) entries)")
                    }
                    let target = out + x * pixelStride
                    for c in 0..<outChannels { target[c] = table[index * 4 + c] }
                }
            }
        case 0 where depth < 8:
            let scale = 255 / ((1 << depth) - 1)
            for x in 0..<pixels {
                let value = Self.packedSample(row, x, depth)
                let target = out + x * pixelStride
                target[0] = UInt16(value * scale)
                if let key { target[1] = value == key[0] ? 0 : 255 }
            }
        default:
            let stored = header.storedChannels
            let opaque: UInt16 = depth == 16 ? 0xFFFF : 0xFF
            if depth == 8 {
                if key == nil && stored == outChannels && pixelStride == outChannels {
                    for i in 0..<(pixels * stored) { out[i] = UInt16(row[i]) }
                    return
                }
                for x in 0..<pixels {
                    let target = out + x * pixelStride
                    var matches = true
                    for c in 0..<stored {
                        let value = Int(row[x * stored + c])
                        target[c] = UInt16(value)
                        if let key, key[c] != value { matches = false }
                    }
                    if key != nil { target[stored] = matches ? 0 : opaque }
                }
            } else {
                for x in 0..<pixels {
                    let target = out + x * pixelStride
                    var matches = true
                    for c in 0..<stored {
                        let at = 2 * (x * stored + c)
                        let value = Int(row[at]) << 8 | Int(row[at + 1])
                        target[c] = UInt16(value)
                        if let key, key[c] != value { matches = false }
                    }
                    if key != nil { target[stored] = matches ? 0 : opaque }
                }
            }
        }
    }

    /// Sample `x` of a row packed at `depth` ≤ 8 bits, most significant bits first.
    @inline(__always)
    static func packedSample(_ row: UnsafePointer<UInt8>, _ x: Int, _ depth: Int) -> Int {
        if depth == 8 { return Int(row[x]) }
        let bit = x * depth
        let shift = 8 - depth - (bit & 7)
        return Int(row[bit >> 3] >> UInt8(shift)) & ((1 << depth) - 1)
    }
}
