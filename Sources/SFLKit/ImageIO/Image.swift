/// A decoded raster image: interleaved samples, top row first.
///
/// Samples are stored as `UInt16` whatever the depth, so 16-bit images are
/// exact; for ``bitDepth`` 8 every sample is in `0...255`, for 16 in
/// `0...65535`. Sample `c` of pixel `(x, y)` is at
/// `samples[(y * width + x) * channels + c]`.
public struct Image: Equatable, Sendable {
    /// The width in pixels (at least 1).
    public let width: Int
    /// The height in pixels (at least 1).
    public let height: Int
    /// Samples per pixel: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA.
    public let channels: Int
    /// Bits per sample: 8 or 16.
    public let bitDepth: Int
    /// `width × height × channels` interleaved samples.
    public private(set) var samples: [UInt16]

    /// Creates an image from interleaved samples.
    ///
    /// - Precondition: `width, height ≥ 1`, `channels` in 1...4, `bitDepth` 8
    ///   or 16, `samples.count == width × height × channels`, and every
    ///   sample at most ``maxValue``.
    public init(width: Int, height: Int, channels: Int, bitDepth: Int = 8, samples: [UInt16]) {
        check(width >= 1 && height >= 1, "Image: dimensions \(width)×\(height) must be positive")
        check((1...4).contains(channels), "Image: channels must be 1, 2, 3 or 4, got \(channels)")
        check(bitDepth == 8 || bitDepth == 16, "Image: bit depth must be 8 or 16, got \(bitDepth)")
        check(samples.count == width * height * channels, "Image: \(samples.count) samples do not match \(width)×\(height)×\(channels)")
        check(bitDepth == 16 || samples.allSatisfy { $0 <= 255 }, "Image: an 8-bit sample is above 255")
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.samples = samples
    }

    /// Creates an image without checking the samples (for decoders that
    /// produce them in range by construction).
    init(unchecked width: Int, _ height: Int, channels: Int, bitDepth: Int, samples: [UInt16]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.samples = samples
    }

    /// The largest sample value: 255 or 65535.
    public var maxValue: Int { (1 << bitDepth) - 1 }

    /// Whether the last channel is alpha (2 or 4 channels).
    public var hasAlpha: Bool { channels == 2 || channels == 4 }

    /// Whether the image is grey (1 or 2 channels).
    public var isGrey: Bool { channels <= 2 }

    /// Sample `channel` of the pixel at column `x`, row `y`.
    public subscript(x: Int, y: Int, channel: Int) -> UInt16 {
        samples[(y * width + x) * channels + channel]
    }
}

/// A background colour for compositing, with components in `0...1`.
public struct BackgroundColor: Sendable, Equatable {
    /// The red, green and blue components, each in `0...1`.
    public var red, green, blue: Double

    /// Creates a colour from components in `0...1` (clamped).
    public init(red: Double, green: Double, blue: Double) {
        self.red = min(max(red, 0), 1)
        self.green = min(max(green, 0), 1)
        self.blue = min(max(blue, 0), 1)
    }

    /// A grey level in `0...1`.
    public init(grey: Double) { self.init(red: grey, green: grey, blue: grey) }

    /// White, the default background.
    public static let white = BackgroundColor(grey: 1)
    /// Black.
    public static let black = BackgroundColor(grey: 0)

    /// Whether all three components are equal.
    var isGrey: Bool { red == green && green == blue }
}

/// What to do with an alpha channel when an opaque image is wanted.
public enum AlphaHandling: Sendable, Equatable {
    /// Keep the alpha channel.
    case keep
    /// Discard alpha; colours are kept as stored.
    case drop
    /// Blend over a background: `out = (v·a + bg·(max − a)) / max`, rounded to nearest.
    case composite(over: BackgroundColor)

    /// Composite over white, the documented default background.
    public static let compositeOverWhite = AlphaHandling.composite(over: .white)
}

extension Image {
    /// The image without its alpha channel, colours as stored; `self` when it has none.
    public func droppingAlpha() -> Image {
        guard hasAlpha else { return self }
        let colour = channels - 1
        var out = [UInt16](repeating: 0, count: width * height * colour)
        let pixelCount = width * height
        samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for p in 0..<pixelCount {
                    for c in 0..<colour { dst[p * colour + c] = src[p * channels + c] }
                }
            }
        }
        return Image(unchecked: width, height, channels: colour, bitDepth: bitDepth, samples: out)
    }

    /// The image blended over `background` and without alpha; `self` when it has none.
    ///
    /// Each colour sample becomes `(v·a + b·(max − a)) / max` rounded to
    /// nearest, where `b` is the background component scaled to `0...max`
    /// (rounded). A grey image stays grey when the background is grey, and
    /// becomes RGB otherwise.
    public func compositing(over background: BackgroundColor = .white) -> Image {
        guard hasAlpha else { return self }
        let source = (isGrey && !background.isGrey) ? convertingGreyToRGB() : self
        let colour = source.channels - 1
        let maximum = UInt64(maxValue)
        let backgroundLevels = [background.red, background.green, background.blue]
            .map { UInt64(($0 * Double(maximum)).rounded()) }
        var out = [UInt16](repeating: 0, count: width * height * colour)
        let pixelCount = width * height
        let sourceChannels = source.channels
        source.samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for p in 0..<pixelCount {
                    let alpha = UInt64(src[p * sourceChannels + colour])
                    for c in 0..<colour {
                        let value = UInt64(src[p * sourceChannels + c])
                        let blended = (value * alpha + backgroundLevels[c] * (maximum - alpha) + maximum / 2) / maximum
                        dst[p * colour + c] = UInt16(blended)
                    }
                }
            }
        }
        return Image(unchecked: width, height, channels: colour, bitDepth: bitDepth, samples: out)
    }

    /// The image with its alpha channel handled as `handling` says.
    public func applying(_ handling: AlphaHandling) -> Image {
        switch handling {
        case .keep: return self
        case .drop: return droppingAlpha()
        case .composite(let background): return compositing(over: background)
        }
    }

    /// The image with grey replicated to red, green and blue (alpha kept);
    /// `self` when it is already RGB or RGBA.
    public func convertingGreyToRGB() -> Image {
        guard isGrey else { return self }
        let outChannels = channels + 2
        var out = [UInt16](repeating: 0, count: width * height * outChannels)
        let pixelCount = width * height
        samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for p in 0..<pixelCount {
                    let grey = src[p * channels]
                    dst[p * outChannels] = grey
                    dst[p * outChannels + 1] = grey
                    dst[p * outChannels + 2] = grey
                    if channels == 2 { dst[p * outChannels + 3] = src[p * 2 + 1] }
                }
            }
        }
        return Image(unchecked: width, height, channels: outChannels, bitDepth: bitDepth, samples: out)
    }

    /// The image at another bit depth: 8 → 16 multiplies by 257 (exact);
    /// 16 → 8 divides by 257 rounding to nearest.
    public func converted(toBitDepth depth: Int) -> Image {
        check(depth == 8 || depth == 16, "Image.converted(toBitDepth:): bit depth must be 8 or 16, got \(depth)")
        if depth == bitDepth { return self }
        let out: [UInt16] = depth == 16
            ? samples.map { $0 &* 257 }
            : samples.map { UInt16((UInt32($0) + 128) / 257) }
        return Image(unchecked: width, height, channels: channels, bitDepth: depth, samples: out)
    }
}
