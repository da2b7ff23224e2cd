/// Bounds that protect a decoder from hostile input: files too large to read,
/// images that claim to be enormous and compressed data that expands without
/// end (decompression bombs).
///
/// Checked before any large allocation, so memory stays bounded by the limits
/// whatever the input says.
public struct ImageDecodingLimits: Sendable, Equatable {
    /// The largest width or height accepted by any decoder: 2²⁴ pixels.
    public static let maximumSide = 1 << 24

    /// The largest number of pixels (width × height) accepted.
    public var maxPixels: Int
    /// The largest number of bytes any decompression step may produce.
    public var maxDecompressedBytes: Int
    /// The largest image file read, in bytes: a larger file is refused
    /// before any of it is read.
    public var maxFileBytes: Int

    /// Creates limits; the defaults accept images up to 32 megapixels (for
    /// example 8192 × 4096), 512 MiB of decompressed data and files up to
    /// 256 MiB (far above any real photograph).
    public init(maxPixels: Int = 1 << 25, maxDecompressedBytes: Int = 1 << 29, maxFileBytes: Int = 1 << 28) {
        self.maxPixels = maxPixels
        self.maxDecompressedBytes = maxDecompressedBytes
        self.maxFileBytes = maxFileBytes
    }

    /// The default limits.
    public static let `default` = ImageDecodingLimits()

    /// Throws unless a `width` × `height` image is within ``maximumSide`` and ``maxPixels``.
    func check(width: Int, height: Int) throws(FormatProblem) {
        guard width > 0, height > 0 else {
            throw FormatProblem(.malformed, "image \(width)×\(height) has a zero dimension")
        }
        guard width <= Self.maximumSide, height <= Self.maximumSide else {
            throw FormatProblem(.limitExceeded,
                "image \(width)×\(height) exceeds the limit of \(Self.maximumSide) pixels per side")
        }
        guard width * height <= maxPixels else {
            throw FormatProblem(.limitExceeded,
                "image \(width)×\(height) has \(width * height) pixels, more than the limit of \(maxPixels)")
        }
    }
}
