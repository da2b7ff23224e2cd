/// One image component of a JPEG frame (T.81 B.2.2) with the geometry the
/// decoder derives from it.
struct JPEGComponent {
    /// The component identifier `Ci`.
    var id: Int
    /// Horizontal and vertical sampling factors (1...4).
    var h: Int
    var v: Int
    /// The quantisation table selector `Tqi` (0...3).
    var quantTable: Int
    /// The component's own size in samples: `⌈X·h/hmax⌉ × ⌈Y·v/vmax⌉`.
    var width = 0
    var height = 0
    /// Blocks per row and per column of the padded component plane (whole MCUs).
    var blocksPerLine = 0
    var blocksPerColumn = 0
    /// Blocks per row and column that a non-interleaved scan covers: `⌈width/8⌉ × ⌈height/8⌉`.
    var ownBlocksPerLine = 0
    var ownBlocksPerColumn = 0
}

/// The frame header (SOF segment) of a JPEG file.
struct JPEGFrame {
    /// Whether the frame is progressive (SOF2) rather than sequential (SOF0/SOF1).
    var progressive: Bool
    var width: Int
    var height: Int
    var components: [JPEGComponent]
    var maxH = 1
    var maxV = 1
    /// MCUs per row and per column of an interleaved scan.
    var mcusPerLine = 0
    var mcusPerColumn = 0

    /// Parses an SOF segment's payload and derives the component geometry.
    ///
    /// - Parameters:
    ///   - marker: the SOF marker (0xC0...0xCF except C4, C8, CC).
    ///   - payload: the segment without its length field.
    static func parse(marker: UInt8, payload: UnsafeBufferPointer<UInt8>, limits: ImageDecodingLimits) throws(FormatProblem) -> JPEGFrame {
        switch marker {
        case 0xC0, 0xC1, 0xC2: break
        case 0xC3: throw FormatProblem(.unsupported, "lossless JPEG (SOF3) is not supported")
        case 0xC5, 0xC6, 0xC7: throw FormatProblem(.unsupported, "hierarchical (differential) JPEG is not supported")
        case 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
            throw FormatProblem(.unsupported, "arithmetic coding is not supported (SOF\(marker - 0xC0))")
        default: throw FormatProblem(.malformed, "unknown frame marker")
        }
        guard payload.count >= 6 else { throw FormatProblem(.malformed, "SOF segment too short") }
        let precision = Int(payload[0])
        let height = Int(payload[1]) << 8 | Int(payload[2])
        let width = Int(payload[3]) << 8 | Int(payload[4])
        let count = Int(payload[5])
        if precision == 12 || precision == 16 {
            throw FormatProblem(.unsupported, "\(precision)-bit samples are not supported (only 8-bit)")
        }
        guard precision == 8 else { throw FormatProblem(.malformed, "bad sample precision \(precision)") }
        if count == 4 { throw FormatProblem(.unsupported, "4-component (CMYK/YCCK) JPEG is not supported") }
        guard payload.count >= 6 + 3 * count else { throw FormatProblem(.malformed, "SOF segment too short for \(count) components") }
        guard count == 1 || count == 3 else {
            if count == 0 { throw FormatProblem(.malformed, "frame has no components") }
            throw FormatProblem(.unsupported, "\(count)-component JPEG is not supported (only grey and YCbCr)")
        }
        guard height > 0 else {
            throw FormatProblem(.malformed, "image height 0 (a DNL marker defining it later is not supported)")
        }
        try limits.check(width: width, height: height)
        var frame = JPEGFrame(progressive: marker == 0xC2, width: width, height: height, components: [])
        for i in 0..<count {
            let id = Int(payload[6 + 3 * i])
            let h = Int(payload[7 + 3 * i]) >> 4
            let v = Int(payload[7 + 3 * i]) & 15
            let tq = Int(payload[8 + 3 * i])
            guard (1...4).contains(h), (1...4).contains(v) else {
                throw FormatProblem(.malformed, "bad sampling factors \(h)×\(v) for component \(id)")
            }
            guard tq <= 3 else { throw FormatProblem(.malformed, "bad quantisation table number \(tq) for component \(id)") }
            if frame.components.contains(where: { $0.id == id }) {
                throw FormatProblem(.malformed, "component \(id) is defined twice")
            }
            frame.components.append(JPEGComponent(id: id, h: h, v: v, quantTable: tq))
        }
        if count == 1 {
            // A single component is always coded non-interleaved with 1×1 MCUs of its own.
            frame.components[0].h = 1
            frame.components[0].v = 1
        }
        frame.maxH = frame.components.map(\.h).max() ?? 1
        frame.maxV = frame.components.map(\.v).max() ?? 1
        for c in frame.components where frame.maxH % c.h != 0 || frame.maxV % c.v != 0 {
            throw FormatProblem(.unsupported, "fractional sampling (\(c.h)×\(c.v) in \(frame.maxH)×\(frame.maxV)) is not supported")
        }
        frame.mcusPerLine = (width + 8 * frame.maxH - 1) / (8 * frame.maxH)
        frame.mcusPerColumn = (height + 8 * frame.maxV - 1) / (8 * frame.maxV)
        for i in frame.components.indices {
            var c = frame.components[i]
            c.width = (width * c.h + frame.maxH - 1) / frame.maxH
            c.height = (height * c.v + frame.maxV - 1) / frame.maxV
            c.blocksPerLine = frame.mcusPerLine * c.h
            c.blocksPerColumn = frame.mcusPerColumn * c.v
            c.ownBlocksPerLine = (c.width + 7) / 8
            c.ownBlocksPerColumn = (c.height + 7) / 8
            frame.components[i] = c
        }
        return frame
    }

    /// Bytes of decoder storage the frame needs: component planes, plus
    /// coefficients when progressive.
    var storageBytes: Int {
        var total = 0
        for c in components {
            let blocks = c.blocksPerLine * c.blocksPerColumn
            total += blocks * 64 * (progressive ? 3 : 1)
        }
        return total + width * height * components.count * 2
    }
}

/// One scan header (SOS segment).
struct JPEGScan {
    /// Indices into the frame's components, in scan order.
    var components: [Int]
    var dcTables: [Int]
    var acTables: [Int]
    /// Spectral selection start and end (0...63).
    var spectralStart: Int
    var spectralEnd: Int
    /// Successive approximation high and low bit positions.
    var approximationHigh: Int
    var approximationLow: Int
}

/// The zig-zag order (T.81 figure A.6): entry `k` is the natural (row-major)
/// index of the `k`-th coefficient. 16 extra entries map to 63, as in libjpeg,
/// so that a corrupt run length past the end of the block stays inside it.
let jpegZigZag: [Int] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
] + [Int](repeating: 63, count: 16)
