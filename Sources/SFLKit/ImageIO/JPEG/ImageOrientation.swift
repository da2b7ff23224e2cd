/// How the pixels of a stored image must be turned to be displayed upright:
/// the eight values of the EXIF `Orientation` tag (0x0112).
///
/// Decoders return pixels as stored; ``Image/applyingOrientation(_:)``
/// performs the transform. ``ImageFolder`` applies it by default (see
/// ``ImageFolder/Options/applyOrientation``).
public enum ImageOrientation: Int, Sendable, CaseIterable {
    /// 1: stored upright.
    case identity = 1
    /// 2: mirrored left–right.
    case flipHorizontal = 2
    /// 3: rotated by 180°.
    case rotate180 = 3
    /// 4: mirrored top–bottom.
    case flipVertical = 4
    /// 5: transposed (mirrored about the main diagonal).
    case transpose = 5
    /// 6: must be rotated 90° clockwise to display (typical of a camera held upright).
    case rotate90Clockwise = 6
    /// 7: transversed (mirrored about the anti-diagonal).
    case transverse = 7
    /// 8: must be rotated 90° counter-clockwise to display.
    case rotate90CounterClockwise = 8

    /// Whether the displayed image has width and height swapped.
    public var swapsDimensions: Bool { rawValue >= 5 }

    /// Reads the `Orientation` tag from the payload of an APP1 segment
    /// (`"Exif\0\0"` and a TIFF structure); nil when it is not EXIF or has no
    /// valid tag. Never reads out of bounds.
    static func parseEXIF(_ payload: UnsafeBufferPointer<UInt8>) -> ImageOrientation? {
        let header: [UInt8] = Array("Exif".utf8) + [0, 0]
        guard payload.count >= 14, Array(payload[0..<6]) == header else { return nil }
        let tiff = 6
        let little: Bool
        switch (payload[tiff], payload[tiff + 1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func read16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= payload.count else { return nil }
            let a = Int(payload[at]), b = Int(payload[at + 1])
            return little ? a | b << 8 : a << 8 | b
        }
        func read32(_ at: Int) -> Int? {
            guard let low = read16(little ? at : at + 2), let high = read16(little ? at + 2 : at) else { return nil }
            return high << 16 | low
        }
        guard read16(tiff + 2) == 42, let ifd = read32(tiff + 4), let count = read16(tiff + ifd) else { return nil }
        for entry in 0..<count {
            let at = tiff + ifd + 2 + 12 * entry
            guard let tag = read16(at) else { return nil }
            if tag == 0x0112 {
                guard read16(at + 2) == 3, let value = read16(at + 8) else { return nil }
                return ImageOrientation(rawValue: value)
            }
        }
        return nil
    }
}

extension Image {
    /// The image transformed for display according to an EXIF orientation:
    /// `self` for ``ImageOrientation/identity``; width and height are swapped
    /// for the orientations 5 to 8.
    public func applyingOrientation(_ orientation: ImageOrientation) -> Image {
        if orientation == .identity { return self }
        let w = width, h = height, c = channels
        let outWidth = orientation.swapsDimensions ? h : w
        let outHeight = orientation.swapsDimensions ? w : h
        var out = [UInt16](repeating: 0, count: samples.count)
        samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        // The stored pixel shown at (x, y).
                        let (sx, sy): (Int, Int)
                        switch orientation {
                        case .identity: (sx, sy) = (x, y)
                        case .flipHorizontal: (sx, sy) = (w - 1 - x, y)
                        case .rotate180: (sx, sy) = (w - 1 - x, h - 1 - y)
                        case .flipVertical: (sx, sy) = (x, h - 1 - y)
                        case .transpose: (sx, sy) = (y, x)
                        case .rotate90Clockwise: (sx, sy) = (y, h - 1 - x)
                        case .transverse: (sx, sy) = (w - 1 - y, h - 1 - x)
                        case .rotate90CounterClockwise: (sx, sy) = (w - 1 - y, x)
                        }
                        let from = (sy * w + sx) * c
                        let to = (y * outWidth + x) * c
                        for k in 0..<c { dst[to + k] = src[from + k] }
                    }
                }
            }
        }
        return Image(unchecked: outWidth, outHeight, channels: c, bitDepth: bitDepth, samples: out)
    }
}
