import Foundation

/// The reconstruction kernel for ``Image/resized(width:height:filter:)``.
///
/// When shrinking, every kernel is stretched by the scale factor, so each
/// output pixel averages all the input it covers (anti-aliasing), as MATLAB's
/// `imresize` and Pillow's `resize` do.
public enum ResizeFilter: Sendable, Equatable, CaseIterable {
    /// Area averaging: each output pixel is the mean of the input area it
    /// covers, partial pixels weighted by their covered fraction.
    case box
    /// The triangle (tent) kernel, radius 1: bilinear interpolation when enlarging.
    case triangle
    /// Keys' cubic convolution kernel with `a = −0.5`, radius 2 (MATLAB `imresize`'s default).
    case cubic
    /// The Lanczos kernel with three lobes, radius 3: sharpest, slight ringing.
    case lanczos3

    /// The kernel's radius in input pixels at scale 1.
    var radius: Double {
        switch self {
        case .box: return 0.5
        case .triangle: return 1
        case .cubic: return 2
        case .lanczos3: return 3
        }
    }

    /// The kernel value at distance `x`.
    func weight(_ x: Double) -> Double {
        let t = abs(x)
        switch self {
        case .box:
            return t < 0.5 ? 1 : 0
        case .triangle:
            return t < 1 ? 1 - t : 0
        case .cubic:
            if t <= 1 { return (1.5 * t - 2.5) * t * t + 1 }
            if t < 2 { return ((-0.5 * t + 2.5) * t - 4) * t + 2 }
            return 0
        case .lanczos3:
            if t < 1e-12 { return 1 }
            if t >= 3 { return 0 }
            let p = Double.pi * t
            return 3 * sin(p) * sin(p / 3) / (p * p)
        }
    }
}

/// The input pixels and normalised weights that make each output pixel along one axis.
struct ResampleWeights {
    /// First input index for each output index.
    var first: [Int] = []
    /// Number of taps for each output index.
    var count: [Int] = []
    /// Weights, `taps` per output index (unused slots zero).
    var weights: [Float] = []
    var taps = 0

    init(input: Int, output: Int, filter: ResizeFilter) {
        let scale = Double(input) / Double(output)
        let stretch = max(scale, 1)
        let support = filter.radius * stretch
        taps = Int(ceil(support)) * 2 + 2
        weights = [Float](repeating: 0, count: output * taps)
        for o in 0..<output {
            let center = (Double(o) + 0.5) * scale
            let low = max(0, Int(floor(center - support)))
            let high = min(input, Int(ceil(center + support)))
            var row: [Double] = []
            for i in low..<high {
                if filter == .box {
                    // Exact coverage of input pixel [i, i+1) by the window.
                    let covered = min(Double(i + 1), center + stretch / 2) - max(Double(i), center - stretch / 2)
                    row.append(max(0, covered))
                } else {
                    row.append(filter.weight((Double(i) + 0.5 - center) / stretch))
                }
            }
            var total = row.reduce(0, +)
            if total == 0 {
                // Cannot happen for these kernels; fall back to the nearest pixel.
                row = row.indices.map { low + $0 == min(input - 1, Int(center)) ? 1 : 0 }
                total = 1
            }
            first.append(low)
            count.append(row.count)
            for (k, w) in row.enumerated() { weights[o * taps + k] = Float(w / total) }
        }
    }
}

extension Image {
    /// The dimensions that make the longer side `longestSide` and keep the
    /// aspect ratio (the shorter side rounded to nearest, at least 1).
    public static func size(fitting width: Int, _ height: Int, longestSide: Int) -> (width: Int, height: Int) {
        precondition(longestSide >= 1, "longest side must be positive")
        let longer = Double(max(width, height))
        let w = width >= height ? longestSide : max(1, Int((Double(width) * Double(longestSide) / longer).rounded()))
        let h = height >= width ? longestSide : max(1, Int((Double(height) * Double(longestSide) / longer).rounded()))
        return (w, h)
    }

    /// The image scaled so that its longer side is `longestSide` pixels, aspect
    /// ratio kept (the paper scales its images to a longest side of 300).
    public func resized(longestSide: Int, filter: ResizeFilter = .cubic) -> Image {
        let size = Image.size(fitting: width, height, longestSide: longestSide)
        return resized(width: size.width, height: size.height, filter: filter)
    }

    /// The image resampled to `width` × `height` with a separable, anti-aliased
    /// `filter` (rows first, then columns), rounded to nearest and clamped.
    ///
    /// Colour is weighted by alpha while resampling (premultiplied), so fully
    /// transparent pixels do not bleed their colour. Returns `self` unchanged
    /// when the size is the same.
    public func resized(width newWidth: Int, height newHeight: Int, filter: ResizeFilter = .cubic) -> Image {
        precondition(newWidth >= 1 && newHeight >= 1, "resized dimensions must be positive")
        if newWidth == width && newHeight == height { return self }
        let c = channels
        let maximum = Float(maxValue)
        var values = samples.map { Float($0) }
        if hasAlpha {
            for p in 0..<(width * height) {
                let alpha = values[p * c + c - 1] / maximum
                for k in 0..<(c - 1) { values[p * c + k] *= alpha }
            }
        }
        let horizontal = ResampleWeights(input: width, output: newWidth, filter: filter)
        let vertical = ResampleWeights(input: height, output: newHeight, filter: filter)

        // Rows: width → newWidth.
        var wide = [Float](repeating: 0, count: height * newWidth * c)
        values.withUnsafeBufferPointer { src in
            wide.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    for x in 0..<newWidth {
                        let first = horizontal.first[x], taps = horizontal.count[x]
                        for k in 0..<c {
                            var sum: Float = 0
                            for t in 0..<taps {
                                sum += horizontal.weights[x * horizontal.taps + t] * src[(y * width + first + t) * c + k]
                            }
                            dst[(y * newWidth + x) * c + k] = sum
                        }
                    }
                }
            }
        }
        // Columns: height → newHeight.
        var result = [Float](repeating: 0, count: newHeight * newWidth * c)
        wide.withUnsafeBufferPointer { src in
            result.withUnsafeMutableBufferPointer { dst in
                let rowLength = newWidth * c
                for y in 0..<newHeight {
                    let first = vertical.first[y], taps = vertical.count[y]
                    for t in 0..<taps {
                        let w = vertical.weights[y * vertical.taps + t]
                        let source = (first + t) * rowLength
                        for i in 0..<rowLength { dst[y * rowLength + i] += w * src[source + i] }
                    }
                }
            }
        }
        if hasAlpha {
            for p in 0..<(newWidth * newHeight) {
                let alpha = min(max(result[p * c + c - 1], 0), maximum) / maximum
                for k in 0..<(c - 1) { result[p * c + k] = alpha > 0 ? result[p * c + k] / alpha : 0 }
            }
        }
        let out = result.map { UInt16(min(max($0, 0), maximum).rounded()) }
        return Image(unchecked: newWidth, newHeight, channels: c, bitDepth: bitDepth, samples: out)
    }
}
