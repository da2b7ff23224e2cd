/// A rectangle of pixels: column `x`, row `y` of its top-left corner, and its size.
public struct PixelRegion: Equatable, Sendable {
    /// The left column.
    public var x: Int
    /// The top row.
    public var y: Int
    /// The width in pixels.
    public var width: Int
    /// The height in pixels.
    public var height: Int

    /// Creates a region.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// Composes images into one, for figures in the manner of the paper's Fig. 6
/// (original and reconstructions side by side, with a magnified crop) and
/// Fig. 7 (reconstructions over the epochs).
public enum ImageGrid {
    /// One image holding `rows` of cells, each cell top-left aligned in a slot
    /// as wide as its column's widest cell and as tall as its row's tallest;
    /// `nil` cells and the gaps are `background`.
    ///
    /// - Precondition: at least one cell; every cell has `channels` channels and bit depth 8;
    ///   `background` has `channels` values in `0...255`.
    public static func compose(_ rows: [[Image?]], spacing: Int = 4, channels: Int = 3,
                               background: [UInt16] = [255, 255, 255]) -> Image {
        let columnCount = rows.map(\.count).max() ?? 0
        check(columnCount > 0 && rows.joined().contains { $0 != nil }, "ImageGrid.compose: no images")
        check(background.count == channels, "ImageGrid.compose: \(background.count) background values for \(channels) channels")
        for case let cell? in rows.joined() {
            check(cell.channels == channels && cell.bitDepth == 8,
                  "ImageGrid.compose: a cell has \(cell.channels) channels at \(cell.bitDepth) bits; expected \(channels) at 8")
        }
        let columnWidths = (0..<columnCount).map { column in rows.map { column < $0.count ? $0[column]?.width ?? 0 : 0 }.max() ?? 0 }
        let rowHeights = rows.map { row in row.map { $0?.height ?? 0 }.max() ?? 0 }
        let width = columnWidths.reduce(0, +) + spacing * (columnCount + 1)
        let height = rowHeights.reduce(0, +) + spacing * (rows.count + 1)
        var samples = [UInt16](repeating: 0, count: width * height * channels)
        for pixel in 0..<(width * height) {
            for channel in 0..<channels { samples[pixel * channels + channel] = background[channel] }
        }
        var top = spacing
        for (rowIndex, row) in rows.enumerated() {
            var left = spacing
            for (column, cell) in row.enumerated() {
                if let cell {
                    for y in 0..<cell.height {
                        let source = y * cell.width * channels, destination = ((top + y) * width + left) * channels
                        samples.replaceSubrange(destination..<(destination + cell.width * channels),
                                                with: cell.samples[source..<(source + cell.width * channels)])
                    }
                }
                left += columnWidths[column] + spacing
            }
            top += rowHeights[rowIndex] + spacing
        }
        return Image(width: width, height: height, channels: channels, samples: samples)
    }

    /// A square region of side `side` (clamped to the image) where the image
    /// has the most fine detail: the largest sum of squared 4-neighbour
    /// Laplacians of the channel mean, over windows on a grid of `side / 4` steps.
    public static func detailRegion(in image: Image, side: Int) -> PixelRegion {
        let w = image.width, h = image.height, c = image.channels
        let side = max(1, min(side, w, h))
        func mean(_ x: Int, _ y: Int) -> Double {
            var sum = 0.0
            for channel in 0..<c { sum += Double(image.samples[(y * w + x) * c + channel]) }
            return sum / Double(c)
        }
        // Integral image of the squared Laplacian (zero at the border pixels).
        var integral = [Double](repeating: 0, count: (w + 1) * (h + 1))
        for y in 0..<h {
            var rowSum = 0.0
            for x in 0..<w {
                var energy = 0.0
                if x > 0 && y > 0 && x < w - 1 && y < h - 1 {
                    let laplacian = mean(x - 1, y) + mean(x + 1, y) + mean(x, y - 1) + mean(x, y + 1) - 4 * mean(x, y)
                    energy = laplacian * laplacian
                }
                rowSum += energy
                integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + rowSum
            }
        }
        func windowSum(_ x: Int, _ y: Int) -> Double {
            integral[(y + side) * (w + 1) + x + side] - integral[y * (w + 1) + x + side]
                - integral[(y + side) * (w + 1) + x] + integral[y * (w + 1) + x]
        }
        let step = max(1, side / 4)
        var best = PixelRegion(x: 0, y: 0, width: side, height: side), bestSum = -1.0
        for y in stride(from: 0, through: h - side, by: step) {
            for x in stride(from: 0, through: w - side, by: step) where windowSum(x, y) > bestSum {
                bestSum = windowSum(x, y)
                best = PixelRegion(x: x, y: y, width: side, height: side)
            }
        }
        return best
    }
}

extension Image {
    /// The pixels of `region`.
    ///
    /// - Precondition: `region` lies inside the image and is not empty.
    public func cropped(to region: PixelRegion) -> Image {
        check(region.width >= 1 && region.height >= 1 && region.x >= 0 && region.y >= 0
              && region.x + region.width <= width && region.y + region.height <= height,
              "Image.cropped: region \(region) outside a \(width)×\(height) image")
        var result: [UInt16] = []
        result.reserveCapacity(region.width * region.height * channels)
        for y in region.y..<(region.y + region.height) {
            let start = (y * width + region.x) * channels
            result += samples[start..<(start + region.width * channels)]
        }
        return Image(width: region.width, height: region.height, channels: channels, bitDepth: bitDepth, samples: result)
    }

    /// The image enlarged `factor` times by pixel replication (nearest neighbour),
    /// so single pixels stay visible as blocks.
    ///
    /// - Precondition: `factor ≥ 1`.
    public func magnified(by factor: Int) -> Image {
        check(factor >= 1, "Image.magnified: factor must be at least 1, got \(factor)")
        let newWidth = width * factor
        var result = [UInt16](repeating: 0, count: newWidth * height * factor * channels)
        for y in 0..<(height * factor) {
            for x in 0..<newWidth {
                let source = ((y / factor) * width + x / factor) * channels, destination = (y * newWidth + x) * channels
                for channel in 0..<channels { result[destination + channel] = samples[source + channel] }
            }
        }
        return Image(width: newWidth, height: height * factor, channels: channels, bitDepth: bitDepth, samples: result)
    }

    /// The image with a one-pixel outline drawn just outside `region` (clipped
    /// to the image) in `colour`, one value per channel.
    ///
    /// - Precondition: `colour` has one value per channel, each at most ``maxValue``.
    public func outlining(_ region: PixelRegion, colour: [UInt16]) -> Image {
        check(colour.count == channels && colour.allSatisfy { Int($0) <= maxValue }, "Image.outlining: colour \(colour) for \(channels) channels")
        var result = samples
        let left = region.x - 1, right = region.x + region.width, top = region.y - 1, bottom = region.y + region.height
        func paint(_ x: Int, _ y: Int) {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            for channel in 0..<channels { result[(y * width + x) * channels + channel] = colour[channel] }
        }
        for x in left...right { paint(x, top); paint(x, bottom) }
        for y in top...bottom { paint(left, y); paint(right, y) }
        return Image(width: width, height: height, channels: channels, bitDepth: bitDepth, samples: result)
    }
}
