/// Upsampling of subsampled components and YCbCr → RGB conversion, done as
/// libjpeg does by default so that the samples match djpeg's exactly.
///
/// - Upsampling (libjpeg `jdsample.c` behaviour): a component at half the
///   horizontal resolution (`h2v1`) or half in both directions (`h2v2`) uses
///   the "fancy" triangle filter (weights 3/4 and 1/4 between neighbouring
///   input samples, with libjpeg's alternating rounding biases) when the
///   component is more than 2 samples wide, and plain replication otherwise;
///   half the vertical resolution only (`h1v2`) always uses the triangle
///   filter vertically; any other integer ratio replicates samples. Edges
///   repeat the first and last row and column of the component.
/// - Colour (libjpeg `jdcolor.c`): `R = Y + 1.402·(Cr−128)`,
///   `G = Y − 0.34414·(Cb−128) − 0.71414·(Cr−128)`, `B = Y + 1.772·(Cb−128)`
///   with 16-bit fixed-point tables rounded as libjpeg rounds them, then
///   clamped to `0...255`.
enum JPEGColor {
    static let scaleBits = 16
    static let oneHalf = 1 << (scaleBits - 1)
    static func fix(_ x: Double) -> Int { Int(x * Double(1 << scaleBits) + 0.5) }

    /// How one component is brought to full resolution.
    enum Upsampling {
        case none
        case fancyH2V1, fancyH1V2, fancyH2V2
        /// Plain replication by integer factors.
        case replicate(Int, Int)
    }

    static func upsampling(for c: JPEGComponent, frame: JPEGFrame) -> Upsampling {
        let rx = frame.maxH / c.h
        let ry = frame.maxV / c.v
        switch (rx, ry) {
        case (1, 1): return .none
        case (2, 1): return c.width > 2 ? .fancyH2V1 : .replicate(2, 1)
        case (1, 2): return .fancyH1V2
        case (2, 2): return c.width > 2 ? .fancyH2V2 : .replicate(2, 2)
        default: return .replicate(rx, ry)
        }
    }

    /// Builds the output image from the decoded component planes.
    ///
    /// - Parameter transform: whether three components are YCbCr (converted
    ///   to RGB) rather than RGB already.
    static func makeImage(_ buffers: JPEGImageBuffers, transform: Bool) -> Image {
        let frame = buffers.frame
        let width = frame.width
        let height = frame.height
        let channels = frame.components.count
        let sampleCount = width * height * channels
        let methods = frame.components.map { upsampling(for: $0, frame: frame) }
        // Scratch rows: an upsampled row per component, and column sums.
        let rowCapacity = width + 64
        let rows = UnsafeMutablePointer<UInt8>.allocate(capacity: rowCapacity * channels)
        rows.initialize(repeating: 0, count: rowCapacity * channels)
        let sums = UnsafeMutablePointer<Int32>.allocate(capacity: rowCapacity)
        sums.initialize(repeating: 0, count: rowCapacity)
        defer {
            rows.deallocate()
            sums.deallocate()
        }
        let geometry = frame.components.indices.map { index in
            RowSource(plane: buffers.planes[index], stride: buffers.stride(index), width: frame.components[index].width,
                      lastRow: frame.components[index].height - 1, method: methods[index], outputWidth: width)
        }
        let redFromCr = Int32(fix(1.40200)), blueFromCb = Int32(fix(1.77200))
        let greenFromCb = Int32(-fix(0.34414)), greenFromCr = Int32(-fix(0.71414))
        let half = Int32(oneHalf)
        // Every sample is written below, so the array is not zeroed first.
        let samples = [UInt16](unsafeUninitializedCapacity: sampleCount) { out, initialized in
            initialized = sampleCount
            var rowPointers = [UnsafePointer<UInt8>](repeating: UnsafePointer(rows), count: channels)
            for y in 0..<height {
                for index in 0..<channels {
                    rowPointers[index] = geometry[index].row(y, scratch: rows + index * rowCapacity, sums: sums)
                }
                let o = out.baseAddress! + y * width * channels
                if channels == 1 {
                    let g = rowPointers[0]
                    for x in 0..<width { o[x] = UInt16(g[x]) }
                } else if !transform {
                    let r = rowPointers[0], g = rowPointers[1], b = rowPointers[2]
                    for x in 0..<width {
                        o[3 * x] = UInt16(r[x])
                        o[3 * x + 1] = UInt16(g[x])
                        o[3 * x + 2] = UInt16(b[x])
                    }
                } else {
                    // The arithmetic of libjpeg's tables, computed in place (same values) so that it vectorises.
                    let yRow = rowPointers[0], cbRow = rowPointers[1], crRow = rowPointers[2]
                    for x in 0..<width {
                        let luma = Int32(yRow[x])
                        let cb = Int32(cbRow[x]) &- 128
                        let cr = Int32(crRow[x]) &- 128
                        let red = luma &+ ((redFromCr &* cr &+ half) &>> 16)
                        let green = luma &+ ((greenFromCb &* cb &+ half &+ greenFromCr &* cr) &>> 16)
                        let blue = luma &+ ((blueFromCb &* cb &+ half) &>> 16)
                        o[3 * x] = UInt16(truncatingIfNeeded: min(max(red, 0), 255))
                        o[3 * x + 1] = UInt16(truncatingIfNeeded: min(max(green, 0), 255))
                        o[3 * x + 2] = UInt16(truncatingIfNeeded: min(max(blue, 0), 255))
                    }
                }
            }
        }
        return Image(unchecked: width, height, channels: channels, bitDepth: 8, samples: samples)
    }

    /// Where the rows of one component come from, and how they are upsampled.
    struct RowSource {
        let plane: UnsafeMutablePointer<UInt8>
        let stride: Int
        /// The component's own width in samples.
        let width: Int
        let lastRow: Int
        let method: Upsampling
        let outputWidth: Int

        /// Row `y` of the full-resolution image: a pointer into the plane when
        /// the component is not subsampled, else into `scratch`.
        @inline(__always)
        func row(_ y: Int, scratch: UnsafeMutablePointer<UInt8>, sums: UnsafeMutablePointer<Int32>) -> UnsafePointer<UInt8> {
            let w = width
            switch method {
            case .none:
                return UnsafePointer(plane + y * stride)
            case .fancyH2V1:
                fancyHorizontal(plane + y * stride, width: w, into: scratch)
                return UnsafePointer(scratch)
            case .fancyH1V2:
                let row = y >> 1
                let near = plane + row * stride
                let far = plane + min(max((y & 1) == 0 ? row - 1 : row + 1, 0), lastRow) * stride
                let bias: Int32 = (y & 1) == 0 ? 1 : 2
                for x in 0..<w { scratch[x] = UInt8(truncatingIfNeeded: (3 &* Int32(near[x]) &+ Int32(far[x]) &+ bias) &>> 2) }
                return UnsafePointer(scratch)
            case .fancyH2V2:
                let row = y >> 1
                let near = plane + row * stride
                let far = plane + min(max((y & 1) == 0 ? row - 1 : row + 1, 0), lastRow) * stride
                for x in 0..<w { sums[x] = 3 &* Int32(near[x]) &+ Int32(far[x]) }
                // First column, middle columns, last column (w > 2 here).
                scratch[0] = UInt8(truncatingIfNeeded: (sums[0] &* 4 &+ 8) &>> 4)
                scratch[1] = UInt8(truncatingIfNeeded: (sums[0] &* 3 &+ sums[1] &+ 7) &>> 4)
                for x in 1..<(w - 1) {
                    let this = sums[x] &* 3
                    scratch[2 * x] = UInt8(truncatingIfNeeded: (this &+ sums[x - 1] &+ 8) &>> 4)
                    scratch[2 * x + 1] = UInt8(truncatingIfNeeded: (this &+ sums[x + 1] &+ 7) &>> 4)
                }
                scratch[2 * w - 2] = UInt8(truncatingIfNeeded: (sums[w - 1] &* 3 &+ sums[w - 2] &+ 8) &>> 4)
                scratch[2 * w - 1] = UInt8(truncatingIfNeeded: (sums[w - 1] &* 4 &+ 7) &>> 4)
                return UnsafePointer(scratch)
            case .replicate(let rx, let ry):
                let input = plane + min(y / ry, lastRow) * stride
                for x in 0..<outputWidth { scratch[x] = input[x / rx] }
                return UnsafePointer(scratch)
            }
        }
    }

    /// libjpeg's `h2v1` triangle filter over one row of `width` (> 2) samples.
    @inline(__always)
    static func fancyHorizontal(_ input: UnsafePointer<UInt8>, width w: Int, into out: UnsafeMutablePointer<UInt8>) {
        out[0] = input[0]
        out[1] = UInt8(truncatingIfNeeded: (Int32(input[0]) &* 3 &+ Int32(input[1]) &+ 2) &>> 2)
        for x in 1..<(w - 1) {
            let this = Int32(input[x]) &* 3
            out[2 * x] = UInt8(truncatingIfNeeded: (this &+ Int32(input[x - 1]) &+ 1) &>> 2)
            out[2 * x + 1] = UInt8(truncatingIfNeeded: (this &+ Int32(input[x + 1]) &+ 2) &>> 2)
        }
        out[2 * w - 2] = UInt8(truncatingIfNeeded: (Int32(input[w - 1]) &* 3 &+ Int32(input[w - 2]) &+ 1) &>> 2)
        out[2 * w - 1] = input[w - 1]
    }
}
