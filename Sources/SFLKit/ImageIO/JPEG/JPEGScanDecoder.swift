/// The decoded state of one JPEG image while its scans are read: a sample
/// plane per component and, for progressive frames, the coefficients that the
/// scans refine.
///
/// Sequential scans code each component completely, so their blocks go
/// through the inverse DCT as soon as they are decoded; progressive scans
/// refine stored coefficients, transformed once all scans are read.
/// Storage is allocated when the first scan starts, after the frame's size
/// has been checked against the limits.
final class JPEGImageBuffers {
    let frame: JPEGFrame
    /// One plane per component: `blocksPerLine·8` samples per row, `blocksPerColumn·8` rows.
    let planes: [UnsafeMutablePointer<UInt8>]
    /// Per component (progressive frames only): 64 coefficients per block, natural order.
    let coefficients: [UnsafeMutablePointer<Int16>]
    /// Per component: the quantisation table latched at its first scan (natural order).
    let quant: UnsafeMutablePointer<Int32>
    /// Per component: whether a scan has latched its quantisation table.
    var latched: [Bool]
    /// Per component (sequential frames): whether its scan has been decoded.
    var decoded: [Bool]
    /// Scratch: one block of coefficients and the IDCT workspace.
    let block: UnsafeMutablePointer<Int16>
    let workspace: UnsafeMutablePointer<Int32>
    let rangeLimit: UnsafeMutablePointer<UInt8>

    init(frame: JPEGFrame) {
        self.frame = frame
        planes = frame.components.map { c in
            let count = c.blocksPerLine * c.blocksPerColumn * 64
            let plane = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
            plane.initialize(repeating: 0, count: count)
            return plane
        }
        coefficients = frame.progressive ? frame.components.map { c in
            let count = c.blocksPerLine * c.blocksPerColumn * 64
            let stored = UnsafeMutablePointer<Int16>.allocate(capacity: count)
            stored.initialize(repeating: 0, count: count)
            return stored
        } : []
        quant = .allocate(capacity: 64 * frame.components.count)
        quant.initialize(repeating: 0, count: 64 * frame.components.count)
        latched = [Bool](repeating: false, count: frame.components.count)
        decoded = latched
        block = .allocate(capacity: 64)
        block.initialize(repeating: 0, count: 64)
        workspace = .allocate(capacity: 64)
        workspace.initialize(repeating: 0, count: 64)
        rangeLimit = .allocate(capacity: 1024)
        for (i, v) in JPEGIDCT.rangeLimit.enumerated() { (rangeLimit + i).initialize(to: v) }
    }

    deinit {
        for p in planes { p.deallocate() }
        for c in coefficients { c.deallocate() }
        quant.deallocate()
        block.deallocate()
        workspace.deallocate()
        rangeLimit.deallocate()
    }

    /// Row length in samples of component `index`'s plane.
    func stride(_ index: Int) -> Int { frame.components[index].blocksPerLine * 8 }

    /// Transforms every coefficient block of a progressive frame into the planes.
    func transformAllCoefficients() {
        for (index, c) in frame.components.enumerated() {
            let stride = self.stride(index)
            let q = quant + 64 * index
            for by in 0..<c.ownBlocksPerColumn {
                for bx in 0..<c.ownBlocksPerLine {
                    let coefficients = self.coefficients[index] + (by * c.blocksPerLine + bx) * 64
                    let output = planes[index] + by * 8 * stride + bx * 8
                    var acZero = true
                    for k in 1..<64 where coefficients[k] != 0 { acZero = false; break }
                    if acZero {
                        JPEGIDCT.transformDCOnly(coefficients[0], quant: q[0], output: output, stride: stride, limit: rangeLimit)
                    } else {
                        JPEGIDCT.transform(coefficients, quant: q, output: output, stride: stride,
                                           workspace: workspace, limit: rangeLimit)
                    }
                }
            }
        }
    }
}

/// Decodes the entropy-coded data of scans (T.81 annexes F and G) into
/// ``JPEGImageBuffers``.
struct JPEGScanDecoder {
    let buffers: JPEGImageBuffers
    let scan: JPEGScan
    let dcTables: [JPEGHuffmanTable?]
    let acTables: [JPEGHuffmanTable?]
    let restartInterval: Int

    /// The MCU grid of the scan: its size and, per scan component, the block grid of one MCU.
    private var mcuGrid: (columns: Int, rows: Int, blockColumns: [Int], blockRows: [Int]) {
        let frame = buffers.frame
        if scan.components.count == 1 {
            let c = frame.components[scan.components[0]]
            return (c.ownBlocksPerLine, c.ownBlocksPerColumn, [1], [1])
        }
        return (frame.mcusPerLine, frame.mcusPerColumn,
                scan.components.map { frame.components[$0].h }, scan.components.map { frame.components[$0].v })
    }

    private func table(_ tables: [JPEGHuffmanTable?], _ index: Int, _ kind: String) throws(FormatProblem) -> JPEGHuffmanTable {
        guard let table = tables[index] else {
            throw FormatProblem(.malformed, "scan uses \(kind) Huffman table \(index), which is not defined")
        }
        return table
    }

    /// What the MCU loop needs of one scan component, without reference counting.
    struct ScanComponent {
        var plane: UnsafeMutablePointer<UInt8>
        var stride: Int
        var quant: UnsafeMutablePointer<Int32>
        var coefficients: UnsafeMutablePointer<Int16>?
        var blocksPerLine: Int
        /// Blocks per MCU, across and down.
        var blockColumns: Int
        var blockRows: Int
        var dc: JPEGHuffmanCode?
        var ac: JPEGHuffmanCode?
    }

    /// Decodes the scan whose entropy-coded data `reader` reads.
    func decode(_ reader: inout JPEGBitReader) throws(FormatProblem) {
        let grid = mcuGrid
        let frame = buffers.frame
        let componentCount = scan.components.count
        let sequential = !frame.progressive
        let dcFirst = scan.spectralStart == 0 && scan.approximationHigh == 0
        let needsDC = sequential || dcFirst
        let needsAC = sequential || scan.spectralStart > 0
        var components: [ScanComponent] = []
        for i in 0..<componentCount {
            let index = scan.components[i]
            let c = frame.components[index]
            var entry = ScanComponent(plane: buffers.planes[index], stride: c.blocksPerLine * 8, quant: buffers.quant + 64 * index,
                                      coefficients: frame.progressive ? buffers.coefficients[index] : nil,
                                      blocksPerLine: c.blocksPerLine, blockColumns: grid.blockColumns[i],
                                      blockRows: grid.blockRows[i], dc: nil, ac: nil)
            if needsDC {
                let table = try table(dcTables, scan.dcTables[i], "DC")
                guard table.isValidForDC else {
                    throw FormatProblem(.malformed, "bad Huffman table: DC table \(scan.dcTables[i]) has a symbol above 15")
                }
                entry.dc = JPEGHuffmanCode(table)
            }
            if needsAC { entry.ac = JPEGHuffmanCode(try table(acTables, scan.acTables[i], "AC")) }
            components.append(entry)
        }
        // The tables stay alive in `dcTables` / `acTables` for the whole scan.
        try withExtendedLifetime((dcTables, acTables)) { () throws(FormatProblem) in
            try components.withUnsafeBufferPointer { (components) throws(FormatProblem) in
                if sequential {
                    try decodeSequentialMCUs(&reader, components, grid: (grid.columns, grid.rows))
                } else {
                    try decodeProgressiveMCUs(&reader, components, grid: (grid.columns, grid.rows))
                }
            }
        }
    }

    /// Runs `body(mcuColumn, mcuRow)` over the MCU grid, handling restart
    /// intervals: at each, the DC predictions and the end-of-band run restart.
    @inline(__always)
    private static func forEachMCU(_ reader: inout JPEGBitReader, grid: (columns: Int, rows: Int), restartInterval: Int,
                                   componentCount: Int, predictions: UnsafeMutablePointer<Int>,
                                   endOfBandRun: UnsafeMutablePointer<Int>,
                                   _ body: (inout JPEGBitReader, Int, Int) throws(FormatProblem) -> Void) throws(FormatProblem) {
        var restartsLeft = restartInterval
        var nextRestart = 0
        for mcuRow in 0..<grid.rows {
            for mcuColumn in 0..<grid.columns {
                if restartInterval > 0 {
                    if restartsLeft == 0 {
                        try reader.restart(expecting: nextRestart)
                        nextRestart = (nextRestart + 1) & 7
                        restartsLeft = restartInterval
                        for i in 0..<componentCount { predictions[i] = 0 }
                        endOfBandRun.pointee = 0
                    }
                    restartsLeft -= 1
                }
                try body(&reader, mcuColumn, mcuRow)
            }
            if reader.overran { throw reader.overrunProblem() }
        }
        if reader.overran { throw reader.overrunProblem() }
    }

    private func decodeSequentialMCUs(_ reader: inout JPEGBitReader, _ components: UnsafeBufferPointer<ScanComponent>,
                                      grid: (columns: Int, rows: Int)) throws(FormatProblem) {
        let predictions = UnsafeMutablePointer<Int>.allocate(capacity: 5)
        predictions.initialize(repeating: 0, count: 5)
        defer { predictions.deallocate() }
        let block = buffers.block, workspace = buffers.workspace, limit = buffers.rangeLimit
        try jpegZigZag.withUnsafeBufferPointer { (zigZag) throws(FormatProblem) in
            try Self.forEachMCU(&reader, grid: grid, restartInterval: restartInterval, componentCount: components.count,
                                predictions: predictions, endOfBandRun: predictions + 4) {
                (reader, mcuColumn, mcuRow) throws(FormatProblem) in
                for i in 0..<components.count {
                    let c = components[i]
                    for by in 0..<c.blockRows {
                        for bx in 0..<c.blockColumns {
                            let blockX = mcuColumn * c.blockColumns + bx
                            let blockY = mcuRow * c.blockRows + by
                            try Self.decodeSequentialBlock(&reader, dc: c.dc.unsafelyUnwrapped, ac: c.ac.unsafelyUnwrapped,
                                                           prediction: &predictions[i], block: block, zigZag: zigZag.baseAddress!)
                            let output = c.plane + blockY * 8 * c.stride + blockX * 8
                            Self.transformBlock(block, output: output, stride: c.stride, quant: c.quant, workspace: workspace, limit: limit)
                        }
                    }
                }
            }
        }
    }

    private func decodeProgressiveMCUs(_ reader: inout JPEGBitReader, _ components: UnsafeBufferPointer<ScanComponent>,
                                       grid: (columns: Int, rows: Int)) throws(FormatProblem) {
        let predictions = UnsafeMutablePointer<Int>.allocate(capacity: 5)
        predictions.initialize(repeating: 0, count: 5)
        defer { predictions.deallocate() }
        let endOfBandRun = predictions + 4
        let scan = self.scan
        try Self.forEachMCU(&reader, grid: grid, restartInterval: restartInterval, componentCount: components.count,
                            predictions: predictions, endOfBandRun: endOfBandRun) {
            (reader, mcuColumn, mcuRow) throws(FormatProblem) in
            for i in 0..<components.count {
                let c = components[i]
                for by in 0..<c.blockRows {
                    for bx in 0..<c.blockColumns {
                        let blockX = mcuColumn * c.blockColumns + bx
                        let blockY = mcuRow * c.blockRows + by
                        let coefficients = c.coefficients.unsafelyUnwrapped + (blockY * c.blocksPerLine + blockX) * 64
                        if scan.spectralStart == 0 {
                            if scan.approximationHigh == 0 {
                                try Self.decodeDCFirst(&reader, dc: c.dc.unsafelyUnwrapped, prediction: &predictions[i],
                                                       low: scan.approximationLow, coefficients)
                            } else if reader.bit() != 0 {
                                coefficients[0] |= Int16(truncatingIfNeeded: 1 << scan.approximationLow)
                            }
                        } else if scan.approximationHigh == 0 {
                            try Self.decodeACFirst(&reader, ac: c.ac.unsafelyUnwrapped, scan: scan, endOfBandRun: endOfBandRun, coefficients)
                        } else {
                            try Self.decodeACRefinement(&reader, ac: c.ac.unsafelyUnwrapped, scan: scan, endOfBandRun: endOfBandRun,
                                                        coefficients)
                        }
                    }
                }
            }
        }
    }

    /// Decodes one block of a sequential scan into `block` (T.81 F.2.2).
    @inline(__always)
    private static func decodeSequentialBlock(_ readerState: inout JPEGBitReader, dc: JPEGHuffmanCode, ac: JPEGHuffmanCode,
                                              prediction: inout Int, block: UnsafeMutablePointer<Int16>,
                                              zigZag: UnsafePointer<Int>) throws(FormatProblem) {
        // A local copy keeps the reader's state in registers.
        var reader = readerState
        defer { readerState = reader }
        let size = try reader.decode(dc)
        if size != 0 {
            guard size <= 16 else { throw FormatProblem(.malformed, "bad DC coefficient size \(size)") }
            prediction &+= reader.receiveExtend(size)
        }
        block[0] = Int16(truncatingIfNeeded: prediction)
        var k = 1
        while k < 64 {
            if reader.count < 16 { reader.fill() }
            let peek = Int(truncatingIfNeeded: reader.buffer &>> UInt64(64 - JPEGHuffmanTable.lookupBits))
            let fast = ac.fastAC[peek]
            if fast != 0 {
                let length = Int(fast & 0xFF)
                reader.buffer &<<= UInt64(length)
                reader.count &-= length
                k &+= Int((fast &>> 8) & 0xFF)
                block[zigZag[k]] = Int16(truncatingIfNeeded: fast &>> 16)
                k &+= 1
                continue
            }
            let symbol = try reader.decode(ac)
            let run = symbol >> 4
            let size = symbol & 15
            if size != 0 {
                k += run
                block[zigZag[k]] = Int16(truncatingIfNeeded: reader.receiveExtend(size))
                k += 1
            } else {
                if run != 15 { break }
                k += 16
            }
        }
    }

    /// Transforms `block` to `output` and clears it.
    @inline(__always)
    private static func transformBlock(_ block: UnsafeMutablePointer<Int16>, output: UnsafeMutablePointer<UInt8>, stride: Int,
                                       quant: UnsafePointer<Int32>, workspace: UnsafeMutablePointer<Int32>,
                                       limit: UnsafePointer<UInt8>) {
        var acZero = true
        // Compare 64-bit words: four coefficients at a time.
        let words = UnsafeRawPointer(block).assumingMemoryBound(to: UInt64.self)
        if words[0] & 0xFFFF_FFFF_FFFF_0000 != 0 { acZero = false } else {
            for w in 1..<16 where words[w] != 0 { acZero = false; break }
        }
        if acZero {
            JPEGIDCT.transformDCOnly(block[0], quant: quant[0], output: output, stride: stride, limit: limit)
            block[0] = 0
        } else {
            JPEGIDCT.transform(block, quant: quant, output: output, stride: stride, workspace: workspace, limit: limit)
            block.update(repeating: 0, count: 64)
        }
    }

    /// The first scan of a DC coefficient (T.81 G.1.2.1).
    @inline(__always)
    private static func decodeDCFirst(_ reader: inout JPEGBitReader, dc: JPEGHuffmanCode, prediction: inout Int, low: Int,
                                      _ coefficients: UnsafeMutablePointer<Int16>) throws(FormatProblem) {
        let size = try reader.decode(dc)
        if size != 0 {
            guard size <= 16 else { throw FormatProblem(.malformed, "bad DC coefficient size \(size)") }
            prediction &+= reader.receiveExtend(size)
        }
        coefficients[0] = Int16(truncatingIfNeeded: prediction << low)
    }

    /// The first scan of a band of AC coefficients (T.81 G.1.2.2).
    private static func decodeACFirst(_ reader: inout JPEGBitReader, ac: JPEGHuffmanCode, scan: JPEGScan,
                                      endOfBandRun: UnsafeMutablePointer<Int>,
                                      _ coefficients: UnsafeMutablePointer<Int16>) throws(FormatProblem) {
        if endOfBandRun.pointee > 0 {
            endOfBandRun.pointee -= 1
            return
        }
        let low = scan.approximationLow
        var k = scan.spectralStart
        while k <= scan.spectralEnd {
            let symbol = try reader.decode(ac)
            let run = symbol >> 4
            let size = symbol & 15
            if size != 0 {
                k += run
                coefficients[jpegZigZag[k]] = Int16(truncatingIfNeeded: reader.receiveExtend(size) << low)
                k += 1
            } else if run == 15 {
                k += 16
            } else {
                endOfBandRun.pointee = (1 << run) + (run != 0 ? reader.bits(run) : 0) - 1
                break
            }
        }
    }

    /// A refinement scan of a band of AC coefficients (T.81 G.1.2.3).
    private static func decodeACRefinement(_ reader: inout JPEGBitReader, ac: JPEGHuffmanCode, scan: JPEGScan,
                                           endOfBandRun: UnsafeMutablePointer<Int>,
                                           _ coefficients: UnsafeMutablePointer<Int16>) throws(FormatProblem) {
        let plusOne = Int16(truncatingIfNeeded: 1 << scan.approximationLow)
        let minusOne = Int16(truncatingIfNeeded: -1 << scan.approximationLow)
        let end = scan.spectralEnd
        var k = scan.spectralStart
        if endOfBandRun.pointee == 0 {
            while k <= end {
                let symbol = try reader.decode(ac)
                var run = symbol >> 4
                let size = symbol & 15
                var newValue: Int16 = 0
                if size != 0 {
                    // The size of a newly nonzero coefficient is 1 in valid data; libjpeg only warns.
                    newValue = reader.bit() != 0 ? plusOne : minusOne
                } else if run != 15 {
                    endOfBandRun.pointee = (1 << run) + (run != 0 ? reader.bits(run) : 0)
                    break
                }
                // Skip `run` zero coefficients, refining the nonzero ones passed.
                while k <= end {
                    let position = jpegZigZag[k]
                    let value = coefficients[position]
                    if value != 0 {
                        if reader.bit() != 0, value & plusOne == 0 {
                            coefficients[position] = value >= 0 ? value &+ plusOne : value &+ minusOne
                        }
                    } else {
                        if run == 0 { break }
                        run -= 1
                    }
                    k += 1
                }
                if newValue != 0 { coefficients[jpegZigZag[k]] = newValue }
                k += 1
            }
        }
        if endOfBandRun.pointee > 0 {
            while k <= end {
                let position = jpegZigZag[k]
                let value = coefficients[position]
                if value != 0, reader.bit() != 0, value & plusOne == 0 {
                    coefficients[position] = value >= 0 ? value &+ plusOne : value &+ minusOne
                }
                k += 1
            }
            endOfBandRun.pointee -= 1
        }
    }
}
