import Foundation
@testable import SFLKit

/// A small JPEG encoder for the decoder tests, written independently of the
/// decoder: baseline sequential or progressive (spectral selection and DC
/// successive approximation) Huffman coding, grey or YCbCr with any luma
/// sampling, restart intervals and an optional EXIF orientation.
///
/// Huffman tables are flat (every used symbol gets the same length), which
/// is valid if not optimal. Files are tiny, so speed does not matter.
struct JPEGTestEncoder {
    var quality = 90
    /// Luma sampling factors (chroma is 1×1); ignored for grey.
    var lumaH = 2
    var lumaV = 2
    var restartInterval = 0
    var progressive = false
    var orientation: Int? = nil
    /// Use 16-bit quantisation tables (extended sequential, SOF1).
    var sixteenBitTables = false
    /// When set, the quantised coefficients are pseudo-random (from this
    /// seed, by integer arithmetic only) instead of the image's DCT, so the
    /// file is the same on every platform: used for known-answer tests.
    var randomCoefficientsSeed: UInt64? = nil

    /// The standard luminance and chrominance quantisation tables (T.81 K.1), natural order.
    static let lumaQuant: [Int] = [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ]
    static let chromaQuant: [Int] = [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
                                     24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99]
        + [Int](repeating: 99, count: 32)

    func scaledTable(_ base: [Int]) -> [Int] {
        let q = min(max(quality, 1), 100)
        let scale = q < 50 ? 5000 / q : 200 - 2 * q
        return base.map { min(max(($0 * scale + 50) / 100, 1), sixteenBitTables ? 32767 : 255) }
    }

    struct Plane {
        var width: Int
        var height: Int
        var samples: [Double]
        func at(_ x: Int, _ y: Int) -> Double { samples[min(y, height - 1) * width + min(x, width - 1)] }
    }

    struct Component {
        var id: Int
        var h: Int
        var v: Int
        var table: Int
        var plane: Plane
        /// Quantised coefficients per block (natural order), blocks of the padded MCU grid.
        var blocks: [[Int]] = []
        var blocksPerLine = 0
        var blocksPerColumn = 0
    }

    // MARK: - Transform

    static func forwardDCT(_ block: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: 64)
        for v in 0..<8 {
            for u in 0..<8 {
                var sum = 0.0
                for y in 0..<8 {
                    for x in 0..<8 {
                        sum += block[y * 8 + x] * cos(Double(2 * x + 1) * Double(u) * .pi / 16) * cos(Double(2 * y + 1) * Double(v) * .pi / 16)
                    }
                }
                let cu = u == 0 ? 1 / 2.0.squareRoot() : 1, cv = v == 0 ? 1 / 2.0.squareRoot() : 1
                out[v * 8 + u] = sum * cu * cv / 4
            }
        }
        return out
    }

    func components(of image: Image) -> [Component] {
        let w = image.width, h = image.height
        var planes: [Plane]
        if image.channels == 1 {
            planes = [Plane(width: w, height: h, samples: image.samples.map(Double.init))]
        } else {
            var y = [Double](), cb = [Double](), cr = [Double]()
            for p in 0..<(w * h) {
                let r = Double(image.samples[3 * p]), g = Double(image.samples[3 * p + 1]), b = Double(image.samples[3 * p + 2])
                y.append(0.299 * r + 0.587 * g + 0.114 * b)
                cb.append(-0.168736 * r - 0.331264 * g + 0.5 * b + 128)
                cr.append(0.5 * r - 0.418688 * g - 0.081312 * b + 128)
            }
            planes = [Plane(width: w, height: h, samples: y), Plane(width: w, height: h, samples: cb),
                      Plane(width: w, height: h, samples: cr)]
        }
        if planes.count == 1 { return [Component(id: 1, h: 1, v: 1, table: 0, plane: planes[0])] }
        // Chroma averaged over lumaH × lumaV.
        func downsample(_ plane: Plane) -> Plane {
            let cw = (w + lumaH - 1) / lumaH, ch = (h + lumaV - 1) / lumaV
            var samples = [Double]()
            for y in 0..<ch {
                for x in 0..<cw {
                    var sum = 0.0
                    for dy in 0..<lumaV { for dx in 0..<lumaH { sum += plane.at(x * lumaH + dx, y * lumaV + dy) } }
                    samples.append(sum / Double(lumaH * lumaV))
                }
            }
            return Plane(width: cw, height: ch, samples: samples)
        }
        return [Component(id: 1, h: lumaH, v: lumaV, table: 0, plane: planes[0]),
                Component(id: 2, h: 1, v: 1, table: 1, plane: downsample(planes[1])),
                Component(id: 3, h: 1, v: 1, table: 1, plane: downsample(planes[2]))]
    }

    /// Sparse pseudo-random quantised coefficients (natural order), strong
    /// enough to drive some samples past 0 and 255.
    static func randomBlock(using generator: inout SplitMix64) -> [Int] {
        var block = [Int](repeating: 0, count: 64)
        block[0] = Int(generator.next() % 81) - 40
        for k in 1..<64 where generator.next() % UInt64(3 + k / 2) == 0 {
            block[jpegZigZag[k]] = Int(generator.next() % 13) - 6
        }
        return block
    }

    // MARK: - Bits

    struct BitWriter {
        var bytes: [UInt8] = []
        var accumulator: UInt32 = 0
        var count = 0
        mutating func write(_ value: Int, _ length: Int) {
            guard length > 0 else { return }
            accumulator = accumulator << UInt32(length) | UInt32(value & ((1 << length) - 1))
            count += length
            while count >= 8 {
                let byte = UInt8((accumulator >> UInt32(count - 8)) & 0xFF)
                bytes.append(byte)
                if byte == 0xFF { bytes.append(0) }
                count -= 8
            }
            accumulator &= (1 << UInt32(count)) - 1
        }
        mutating func flush() {
            if count > 0 { write((1 << (8 - count)) - 1, 8 - count) }
        }
    }

    /// A flat Huffman code for symbols `0...255`: every symbol gets 8 bits except
    /// that code 255 (all ones) is not used, so symbol 255 must not occur.
    static let flatCounts: [Int] = [Int](repeating: 0, count: 7) + [255] + [Int](repeating: 0, count: 8)
    /// A flat DC code: the 12 sizes `0...11` in 4 bits each.
    static let flatDCCounts: [Int] = [0, 0, 0, 12] + [Int](repeating: 0, count: 12)

    static func magnitude(_ value: Int) -> (size: Int, bits: Int) {
        if value == 0 { return (0, 0) }
        let size = Int.bitWidth - abs(value).leadingZeroBitCount
        return (size, value > 0 ? value : value + (1 << size) - 1)
    }

    // MARK: - File

    func encode(_ image: Image) -> [UInt8] {
        var components = components(of: image)
        let maxH = components.map(\.h).max()!, maxV = components.map(\.v).max()!
        let mcusX = (image.width + 8 * maxH - 1) / (8 * maxH), mcusY = (image.height + 8 * maxV - 1) / (8 * maxV)
        let tables = [scaledTable(Self.lumaQuant), scaledTable(Self.chromaQuant)]
        var generator = SplitMix64(seed: randomCoefficientsSeed ?? 0)
        for i in components.indices {
            var c = components[i]
            c.blocksPerLine = mcusX * c.h
            c.blocksPerColumn = mcusY * c.v
            for by in 0..<c.blocksPerColumn {
                for bx in 0..<c.blocksPerLine {
                    var block = [Double]()
                    for y in 0..<8 { for x in 0..<8 { block.append(c.plane.at(bx * 8 + x, by * 8 + y) - 128) } }
                    let q = tables[c.table]
                    if randomCoefficientsSeed != nil {
                        c.blocks.append(Self.randomBlock(using: &generator))
                    } else {
                        c.blocks.append(Self.forwardDCT(block).enumerated().map { Int(($0.element / Double(q[$0.offset])).rounded()) })
                    }
                }
            }
            components[i] = c
        }

        var out: [UInt8] = [0xFF, 0xD8]
        func segment(_ marker: UInt8, _ payload: [UInt8]) {
            out += [0xFF, marker, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
        }
        segment(0xE0, Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0])
        if let orientation {
            // Big-endian TIFF, one IFD entry: Orientation (0x0112), SHORT, count 1.
            let tiff: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1,
                                 0, UInt8(orientation), 0, 0, 0, 0, 0, 0]
            segment(0xE1, Array("Exif".utf8) + [0, 0] + tiff)
        }
        segment(0xFE, Array("made by JPEGTestEncoder".utf8))
        for (index, table) in tables.prefix(components.count == 1 ? 1 : 2).enumerated() {
            var payload: [UInt8] = [UInt8((sixteenBitTables ? 0x10 : 0) | index)]
            for k in 0..<64 {
                let value = table[jpegZigZag[k]]
                payload += sixteenBitTables ? [UInt8(value >> 8), UInt8(value & 0xFF)] : [UInt8(value)]
            }
            segment(0xDB, payload)
        }
        var frame: [UInt8] = [8, UInt8(image.height >> 8), UInt8(image.height & 0xFF), UInt8(image.width >> 8),
                              UInt8(image.width & 0xFF), UInt8(components.count)]
        for c in components { frame += [UInt8(c.id), UInt8(c.h << 4 | c.v), UInt8(c.table)] }
        segment(progressive ? 0xC2 : (sixteenBitTables ? 0xC1 : 0xC0), frame)
        // Flat tables: DC sizes 0...11 in 4 bits, AC symbols 0...254 in 8 bits.
        segment(0xC4, [0x00] + Self.flatDCCounts.map(UInt8.init) + (0..<12).map(UInt8.init))
        segment(0xC4, [0x10] + Self.flatCounts.map(UInt8.init) + (0..<255).map(UInt8.init))
        if restartInterval > 0 { segment(0xDD, [UInt8(restartInterval >> 8), UInt8(restartInterval & 0xFF)]) }

        if progressive {
            // DC first with Al = 1 (all components), AC bands 1-5 and 6-63, DC refinement.
            out += scan(components, all: true, start: 0, end: 0, high: 0, low: 1, mcus: (mcusX, mcusY))
            for i in components.indices {
                out += scan([components[i]], all: false, start: 1, end: 5, high: 0, low: 0, mcus: (mcusX, mcusY))
                out += scan([components[i]], all: false, start: 6, end: 63, high: 0, low: 0, mcus: (mcusX, mcusY))
            }
            out += scan(components, all: true, start: 0, end: 0, high: 1, low: 0, mcus: (mcusX, mcusY))
        } else {
            out += scan(components, all: true, start: 0, end: 63, high: 0, low: 0, mcus: (mcusX, mcusY))
        }
        out += [0xFF, 0xD9]
        return out
    }

    /// One scan: its SOS segment and entropy-coded data.
    func scan(_ components: [Component], all: Bool, start: Int, end: Int, high: Int, low: Int, mcus: (Int, Int)) -> [UInt8] {
        var header: [UInt8] = [UInt8(components.count)]
        for c in components { header += [UInt8(c.id), 0x00] }
        header += [UInt8(start), UInt8(end), UInt8(high << 4 | low)]
        var out: [UInt8] = [0xFF, 0xDA, UInt8((header.count + 2) >> 8), UInt8(header.count + 2)] + header
        var writer = BitWriter()
        var predictions = [Int](repeating: 0, count: components.count)
        let interleaved = components.count > 1
        // The MCU grid: whole MCUs when interleaved, the component's own blocks otherwise.
        var units: [[(component: Int, block: Int)]] = []
        if interleaved {
            for my in 0..<mcus.1 {
                for mx in 0..<mcus.0 {
                    var unit: [(Int, Int)] = []
                    for (i, c) in components.enumerated() {
                        for by in 0..<c.v { for bx in 0..<c.h { unit.append((i, (my * c.v + by) * c.blocksPerLine + mx * c.h + bx)) } }
                    }
                    units.append(unit)
                }
            }
        } else {
            let c = components[0]
            for by in 0..<((c.plane.height + 7) / 8) {
                for bx in 0..<((c.plane.width + 7) / 8) { units.append([(0, by * c.blocksPerLine + bx)]) }
            }
        }
        var marker = 0
        for (n, unit) in units.enumerated() {
            if restartInterval > 0, n > 0, n % restartInterval == 0 {
                writer.flush()
                out += writer.bytes + [0xFF, UInt8(0xD0 + marker)]
                writer = BitWriter()
                marker = (marker + 1) & 7
                predictions = predictions.map { _ in 0 }
            }
            for (i, blockIndex) in unit {
                let coefficients = components[i].blocks[blockIndex]
                if start == 0 {
                    if high == 0 {
                        let dc = coefficients[0] >> low
                        let (size, bits) = Self.magnitude(dc - predictions[i])
                        predictions[i] = dc
                        writer.write(size, 4)
                        writer.write(bits, size)
                    } else {
                        writer.write((coefficients[0] >> low) & 1, 1)
                    }
                    if end == 0 { continue }
                }
                var run = 0
                for k in max(start, 1)...end {
                    let value = coefficients[jpegZigZag[k]]
                    if value == 0 { run += 1; continue }
                    while run > 15 { writer.write(0xF0, 8); run -= 16 }
                    let (size, bits) = Self.magnitude(value)
                    writer.write(run << 4 | size, 8)
                    writer.write(bits, size)
                    run = 0
                }
                if run > 0 { writer.write(0x00, 8) }  // EOB (an end-of-band run of 1 in progressive scans).
            }
        }
        writer.flush()
        return out + writer.bytes
    }
}
