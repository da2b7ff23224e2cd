import Testing
@testable import SFLKit

@Suite("ImageIO image ↔ tensor")
struct ImageIOTensorTests {
    @Test func layoutAndScaling() {
        // 2×1 RGB: pixel 0 = (0, 255, 51), pixel 1 = (128, 0, 255).
        let image = Image(width: 2, height: 1, channels: 3, samples: [0, 255, 51, 128, 0, 255])
        let tensor = Tensor<Double>(image: image)
        #expect(tensor.shape == [1, 3, 1, 2])
        let expected = [0, 128, 255, 0, 51, 255].map { Double($0) / 255 * 2 - 1 }
        #expect(zip(tensor.scalars, expected).allSatisfy { abs($0 - $1) < 1e-15 })
        #expect(tensor.scalars[0] == -1 && tensor.scalars[2] == 1)
        let sixteen = Tensor<Float>(image: Image(width: 1, height: 1, channels: 1, bitDepth: 16, samples: [65535]))
        #expect(sixteen.scalars == [1])
    }

    @Test func roundTripsEverySampleValue() {
        let all8 = Image(width: 256, height: 1, channels: 1, samples: (0...255).map { UInt16($0) })
        #expect(Image(tensor: Tensor<Float>(image: all8)) == all8)
        #expect(Image(tensor: Tensor<Double>(image: all8)) == all8)
        let all16 = Image(width: 256, height: 256, channels: 1, bitDepth: 16, samples: (0...65535).map { UInt16($0) })
        #expect(Image(tensor: Tensor<Float>(image: all16), bitDepth: 16) == all16)
        let rgba = ImageIOPNGCodecTests.randomImage(width: 9, height: 4, channels: 4, bitDepth: 8, seed: 11)
        #expect(Image(tensor: Tensor<Float>(image: rgba)) == rgba)
    }

    @Test func roundsAndClamps() {
        let tensor = Tensor<Double>(shape: [3, 1, 3], scalars: [1.5, -3, 0, .nan, 0.999, -0.9999, 1, -1, 0.5])
        let image = Image(tensor: tensor)
        #expect(image.channels == 3 && image.width == 3 && image.height == 1)
        // Planar to interleaved: pixel 0 = (1.5, .nan, 1), pixel 1 = (−3, 0.999, −1), pixel 2 = (0, −0.9999, 0.5).
        // 0 → 127.5 → 128; 0.999 → 254.87 → 255; −0.9999 → 0.01 → 0; 0.5 → 191.25 → 191.
        #expect(image.samples == [255, 0, 255, 0, 255, 0, 128, 0, 191])
    }

    @Test func batchesAndPicksItems() {
        let a = ImageIOPNGCodecTests.randomImage(width: 5, height: 3, channels: 3, bitDepth: 8, seed: 1)
        let b = ImageIOPNGCodecTests.randomImage(width: 5, height: 3, channels: 3, bitDepth: 8, seed: 2)
        let batch = Tensor<Float>(images: [a, b])
        #expect(batch.shape == [2, 3, 3, 5])
        #expect(Image(tensor: batch, index: 0) == a)
        #expect(Image(tensor: batch, index: 1) == b)
    }
}
