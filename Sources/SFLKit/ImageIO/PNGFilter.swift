/// PNG scanline filters (PNG specification §9): the five filter types, their
/// inverse for decoding and the per-row choice for encoding.
enum PNGFilter {
    /// The Paeth predictor: whichever of left `a`, above `b`, upper-left `c`
    /// is closest to `a + b − c` (ties prefer `a`, then `b`).
    @inline(__always)
    static func paeth(_ a: Int, _ b: Int, _ c: Int) -> Int {
        // p − a = b − c, p − b = a − c, p − c = (b − c) + (a − c); written as
        // selects so that the compiler emits conditional moves, not branches.
        let pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - c - c)
        let (nearest, value) = pa <= pb ? (pa, a) : (pb, b)
        return nearest <= pc ? value : c
    }

    /// Reverses the filters of `rows` consecutive filtered scanlines in place.
    ///
    /// `data` holds, per row, one filter-type byte then `rowBytes` filtered
    /// bytes; afterwards each row's bytes are the raw scanline (the
    /// filter-type bytes are left as they were). `bytesPerPixel` is the
    /// filter's byte distance to the "left" pixel (at least 1).
    static func unfilter(
        _ data: UnsafeMutablePointer<UInt8>, rows: Int, rowBytes: Int, bytesPerPixel bpp: Int
    ) throws(FormatProblem) {
        let stride = rowBytes + 1
        for y in 0..<rows {
            let filter = data[y * stride]
            let row = data + y * stride + 1
            let hasPrior = y > 0
            let prior = data + (y - 1) * stride + 1   // only read when hasPrior
            switch filter {
            case 0:
                break
            case 1:
                if rowBytes > bpp {
                    for i in bpp..<rowBytes { row[i] = row[i] &+ row[i - bpp] }
                }
            case 2:
                if hasPrior {
                    for i in 0..<rowBytes { row[i] = row[i] &+ prior[i] }
                }
            case 3:
                if hasPrior {
                    for i in 0..<min(bpp, rowBytes) { row[i] = row[i] &+ prior[i] >> 1 }
                    if rowBytes > bpp {
                        for i in bpp..<rowBytes {
                            row[i] = row[i] &+ UInt8((Int(row[i - bpp]) + Int(prior[i])) >> 1)
                        }
                    }
                } else if rowBytes > bpp {
                    for i in bpp..<rowBytes { row[i] = row[i] &+ row[i - bpp] >> 1 }
                }
            case 4:
                if hasPrior {
                    for i in 0..<min(bpp, rowBytes) { row[i] = row[i] &+ prior[i] }
                    if rowBytes > bpp {
                        for i in bpp..<rowBytes {
                            row[i] = row[i] &+ UInt8(truncatingIfNeeded: paeth(
                                Int(row[i - bpp]), Int(prior[i]), Int(prior[i - bpp])))
                        }
                    }
                } else if rowBytes > bpp {
                    // With no row above, Paeth always predicts the left byte.
                    for i in bpp..<rowBytes { row[i] = row[i] &+ row[i - bpp] }
                }
            default:
                throw FormatProblem(.malformed, "invalid filter type \(filter) in scanline \(y)")
            }
        }
    }

    /// Filters one raw scanline with filter `type` into `out` (`rowBytes` bytes).
    /// `prior` is the raw row above, or nil for the first row.
    @inline(__always)
    static func filter(
        type: Int, row: UnsafePointer<UInt8>, prior: UnsafePointer<UInt8>?, rowBytes: Int,
        bytesPerPixel bpp: Int, into out: UnsafeMutablePointer<UInt8>
    ) {
        for i in 0..<rowBytes {
            let x = Int(row[i])
            let a = i >= bpp ? Int(row[i - bpp]) : 0
            let b = prior.map { Int($0[i]) } ?? 0
            let c = (i >= bpp) ? (prior.map { Int($0[i - bpp]) } ?? 0) : 0
            let predicted: Int
            switch type {
            case 0: predicted = 0
            case 1: predicted = a
            case 2: predicted = b
            case 3: predicted = (a + b) >> 1
            default: predicted = paeth(a, b, c)
            }
            out[i] = UInt8(truncatingIfNeeded: x - predicted)
        }
    }
}
