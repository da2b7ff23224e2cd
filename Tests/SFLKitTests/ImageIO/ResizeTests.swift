import Testing
@testable import SFLKit

@Suite("ImageIO resizing")
struct ImageIOResizeTests {
    @Test func longestSideKeepsAspect() {
        #expect(Image.size(fitting: 600, 450, longestSide: 300) == (300, 225))
        #expect(Image.size(fitting: 450, 600, longestSide: 300) == (225, 300))
        #expect(Image.size(fitting: 1000, 1, longestSide: 300) == (300, 1))
        #expect(Image.size(fitting: 77, 77, longestSide: 300) == (300, 300))
        let image = Image(width: 640, height: 427, channels: 3, samples: [UInt16](repeating: 9, count: 640 * 427 * 3))
        let small = image.resized(longestSide: 300)
        #expect(small.width == 300 && small.height == 200)
    }

    @Test(arguments: ResizeFilter.allCases)
    func constantImagesStayConstant(filter: ResizeFilter) {
        let image = Image(width: 37, height: 23, channels: 3, bitDepth: 16,
                          samples: (0..<(37 * 23)).flatMap { _ in [UInt16(1000), 40000, 65535] })
        for (w, h) in [(10, 7), (80, 51), (1, 1), (37, 5)] {
            let resized = image.resized(width: w, height: h, filter: filter)
            #expect(resized.samples == (0..<(w * h)).flatMap { _ in [UInt16(1000), 40000, 65535] }, "\(filter) \(w)×\(h)")
        }
    }

    @Test func boxHalvingAveragesTwoByTwoBlocks() {
        let values: [UInt16] = [0, 10, 20, 31, 100, 110, 120, 130, 200, 201, 7, 9, 255, 255, 1, 2]
        let image = Image(width: 4, height: 4, channels: 1, samples: values)
        let half = image.resized(width: 2, height: 2, filter: .box)
        // (0+10+100+110)/4 = 55; (20+31+120+130)/4 = 75.25; (200+201+255+255)/4 = 227.75; (7+9+1+2)/4 = 4.75
        #expect(half.samples == [55, 75, 228, 5])
    }

    @Test(arguments: ResizeFilter.allCases)
    func shrinkingIsAntiAliased(filter: ResizeFilter) {
        // A one-pixel checkerboard: nearest sampling would give pure black or white.
        let n = 64
        let board = Image(width: n, height: n, channels: 1,
                          samples: (0..<(n * n)).map { ($0 / n + $0 % n) % 2 == 0 ? 0 : 255 })
        let small = board.resized(width: 13, height: 13, filter: filter)
        let worst = small.samples.map { abs(Int($0) - 128) }.max()!
        #expect(worst <= 20, "\(filter): deviation \(worst) from mid grey")
    }

    @Test func alphaIsPremultipliedAndSizeUnchangedIsIdentity() {
        // Red opaque beside green fully transparent: the average stays red.
        let image = Image(width: 2, height: 1, channels: 4, samples: [255, 0, 0, 255, 0, 255, 0, 0])
        let one = image.resized(width: 1, height: 1, filter: .box)
        #expect(one.samples == [255, 0, 0, 128])
        #expect(image.resized(width: 2, height: 1) == image)
        let tiny = Image(width: 1, height: 1, channels: 1, samples: [77])
        #expect(tiny.resized(width: 5, height: 3, filter: .lanczos3).samples == [UInt16](repeating: 77, count: 15))
    }
}
