import Testing
@testable import SFLKit

@Suite struct ImageGridTests {
    /// A `width × height` RGB image whose pixel (x, y) is (x, y, value).
    static func image(width: Int, height: Int, value: UInt16 = 7) -> Image {
        Image(width: width, height: height, channels: 3,
              samples: (0..<(width * height)).flatMap { [UInt16($0 % width), UInt16($0 / width), value] })
    }

    @Test func composeAlignsCellsInSlots() {
        let a = Self.image(width: 4, height: 3, value: 1), b = Self.image(width: 2, height: 5, value: 2)
        let grid = ImageGrid.compose([[a, b], [nil, a]], spacing: 1)
        #expect(grid.width == 1 + 4 + 1 + 4 + 1)   // column 1 is as wide as its widest cell (4)
        #expect(grid.height == 1 + 5 + 1 + 3 + 1)
        #expect(grid[1, 1, 2] == 1 && grid[4, 3, 1] == 2)
        #expect(grid[6, 1, 2] == 2 && grid[7, 5, 0] == 1)
        #expect(grid[0, 0, 0] == 255)          // spacing
        #expect(grid[1, 7, 0] == 255)          // the nil cell
        #expect(grid[6 + 3, 1, 0] == 255)      // beside the narrower cell
        #expect(grid[6, 7, 2] == 1)
    }

    @Test func cropMagnifyAndOutline() {
        let image = Self.image(width: 6, height: 5)
        let crop = image.cropped(to: PixelRegion(x: 2, y: 1, width: 3, height: 2))
        #expect(crop.width == 3 && crop.height == 2)
        #expect(crop[0, 0, 0] == 2 && crop[2, 1, 1] == 2)
        let big = crop.magnified(by: 3)
        #expect(big.width == 9 && big.height == 6)
        #expect(big[8, 5, 0] == crop[2, 1, 0] && big[3, 2, 0] == crop[1, 0, 0])
        let outlined = image.outlining(PixelRegion(x: 1, y: 1, width: 2, height: 2), colour: [255, 0, 0])
        #expect(outlined[0, 0, 0] == 255 && outlined[3, 3, 0] == 255)
        #expect(outlined[1, 1, 0] == image[1, 1, 0])   // inside untouched
        #expect(image.outlining(PixelRegion(x: 0, y: 0, width: 6, height: 5), colour: [1, 1, 1]) == image)   // clipped away
    }

    @Test func detailRegionFindsTheTexture() {
        // Flat grey with a checkerboard in the lower right.
        var samples = [UInt16](repeating: 128, count: 40 * 30 * 3)
        for y in 20..<30 { for x in 28..<40 where (x + y) % 2 == 0 { for c in 0..<3 { samples[(y * 40 + x) * 3 + c] = 255 } } }
        let region = ImageGrid.detailRegion(in: Image(width: 40, height: 30, channels: 3, samples: samples), side: 8)
        #expect(region.width == 8 && region.height == 8)
        #expect(region.x >= 28 - 2 && region.y >= 20 - 2, "\(region)")
        #expect(ImageGrid.detailRegion(in: Self.image(width: 3, height: 2), side: 10) == PixelRegion(x: 0, y: 0, width: 2, height: 2))
    }
}
