import Foundation
import Testing
@testable import SFLKit

/// The ops the anti-blur losses are built from, against direct loops and by
/// finite differences (Double), odd sizes included.
@Suite struct LossOpsTests {
    /// A direct depthwise correlation with the same semantics as `filteredSeparably`.
    static func naiveFilter(_ x: Tensor<Double>, vertical: [Double], horizontal: [Double], padding: FilterPadding, stride: Int) -> [Double] {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var top = 0, left = 0, bottom = 0, right = 0, replicate = false
        switch padding {
        case .valid: break
        case .replicate: (top, bottom, left, right, replicate) = ((vertical.count - 1) / 2, vertical.count / 2, (horizontal.count - 1) / 2, horizontal.count / 2, true)
        case .zeros(let ph, let pw): (top, bottom, left, right) = (ph, ph, pw, pw)
        }
        let oh = (h + top + bottom - vertical.count) / stride + 1, ow = (w + left + right - horizontal.count) / stride + 1
        let values = x.scalars
        var result: [Double] = []
        for plane in 0..<(n * c) {
            for i in 0..<oh {
                for j in 0..<ow {
                    var sum = 0.0
                    for a in vertical.indices {
                        for b in horizontal.indices {
                            var y = i * stride + a - top, xx = j * stride + b - left
                            if replicate { y = min(max(y, 0), h - 1); xx = min(max(xx, 0), w - 1) }
                            guard y >= 0 && y < h && xx >= 0 && xx < w else { continue }
                            sum += vertical[a] * horizontal[b] * values[plane * h * w + y * w + xx]
                        }
                    }
                    result.append(sum)
                }
            }
        }
        return result
    }

    static let filterCases: [(shape: [Int], vertical: [Double], horizontal: [Double], padding: FilterPadding, stride: Int)] = [
        ([1, 2, 9, 7], [0.2, 0.5, 0.3], [0.1, 0.6, 0.3], .valid, 1),
        ([2, 1, 7, 11], [1, 4, 6, 4, 1], [1, 4, 6, 4, 1], .replicate, 1),
        ([1, 3, 4, 3], [1, 4, 6, 4, 1], [0.25, 0.5, 0.25], .replicate, 1),     // kernel longer than the image
        ([1, 2, 7, 9], [0.5, 0.5], [0.5, 0.5], .zeros(height: 1, width: 1), 2),
        ([1, 1, 7, 6], [0.5, 0.5], [0.5, 0.5], .zeros(height: 1, width: 0), 2),
        ([1, 2, 9, 5], [1], [1], .valid, 2),
        ([1, 1, 8, 13], [0.3, -0.2, 0.9, 0.1], [1], .valid, 3),
        ([1, 1, 70, 6], [0.2, 0.5, 0.3], [0.7, 0.3], .replicate, 1),           // two row blocks
    ]

    @Test(arguments: filterCases.indices)
    func separableFilterMatchesDirectLoopAndFiniteDifferences(_ index: Int) {
        let (shape, vertical, horizontal, padding, stride) = Self.filterCases[index]
        let x = randomTensor(shape, seed: 900 + UInt64(index))
        let output = x.filteredSeparably(verticalTaps: vertical, horizontalTaps: horizontal, padding: padding, stride: stride)
        let expected = Self.naiveFilter(x, vertical: vertical, horizontal: horizontal, padding: padding, stride: stride)
        #expect(output.scalarCount == expected.count)
        #expect(allClose(output.doubles, expected, absolute: 1e-12, relative: 1e-12), "case \(index): shape \(output.shape)")
        if shape[2] <= 20 {
            expectGradientsMatch(at: [x]) { $0[0].filteredSeparably(verticalTaps: vertical, horizontalTaps: horizontal, padding: padding, stride: stride) }
        }
        let float = x.converted(to: Float.self).filteredSeparably(verticalTaps: vertical, horizontalTaps: horizontal, padding: padding, stride: stride)
        #expect(allClose(float.doubles, expected, absolute: 1e-5, relative: 1e-5))
    }

    @Test func poolingAndSubsamplingShapes() {
        let x = randomTensor([1, 2, 7, 6], seed: 910)
        #expect(x.averagePooled(size: 2, paddingHeight: 1, paddingWidth: 0).shape == [1, 2, 4, 3])
        #expect(x.subsampled(stride: 2).shape == [1, 2, 4, 3])
        #expect(x.subsampled(stride: 2).scalar(at: [0, 1, 3, 2]) == x.scalar(at: [0, 1, 6, 4]))
        // avg_pool2d counts the padded zeros: the first row of windows averages one real row and one zero row.
        let pooled = x.averagePooled(size: 2, paddingHeight: 1, paddingWidth: 0)
        let expected = (x.scalar(at: [0, 0, 0, 0]) + x.scalar(at: [0, 0, 0, 1])) / 4
        #expect(abs(pooled.scalar(at: [0, 0, 0, 0]) - expected) < 1e-15)
        expectGradientsMatch(at: [x]) { $0[0].averagePooled(size: 2, paddingHeight: 1, paddingWidth: 0) }
        expectGradientsMatch(at: [x]) { $0[0].subsampled(stride: 2) }
    }

    /// The direct DFT, `O((HW)²)`.
    static func naiveDFT(_ x: Tensor<Double>) -> (real: [Double], imaginary: [Double]) {
        let h = x.shape[x.rank - 2], w = x.shape[x.rank - 1], planes = x.scalarCount / (h * w)
        let values = x.scalars, scale = 1 / Double(h * w).squareRoot()
        var real: [Double] = [], imaginary: [Double] = []
        for plane in 0..<planes {
            for u in 0..<h {
                for v in 0..<w {
                    var re = 0.0, im = 0.0
                    for y in 0..<h {
                        for xx in 0..<w {
                            let angle = -2 * Double.pi * (Double(u * y) / Double(h) + Double(v * xx) / Double(w))
                            re += values[plane * h * w + y * w + xx] * Foundation.cos(angle)
                            im += values[plane * h * w + y * w + xx] * Foundation.sin(angle)
                        }
                    }
                    real.append(re * scale)
                    imaginary.append(im * scale)
                }
            }
        }
        return (real, imaginary)
    }

    @Test(arguments: [[1, 1], [2, 3], [4, 4], [7, 13], [12, 10], [9, 25], [16, 6], [11, 30], [2, 3, 8, 15], [1, 2, 49, 3]])
    func fourierTransformMatchesDirectDFT(_ shape: [Int]) {
        let x = randomTensor(shape, seed: 920 + UInt64(shape.reduce(0, +)))
        let (real, imaginary) = x.fourierTransform2D()
        let expected = Self.naiveDFT(x)
        #expect(real.shape == shape && imaginary.shape == shape)
        #expect(allClose(real.doubles, expected.real, absolute: 1e-12, relative: 1e-10), "\(shape) real")
        #expect(allClose(imaginary.doubles, expected.imaginary, absolute: 1e-12, relative: 1e-10), "\(shape) imaginary")
        let float = x.converted(to: Float.self).fourierTransform2D()
        #expect(allClose(float.real.doubles, expected.real, absolute: 1e-5, relative: 1e-4), "\(shape) Float real")
        #expect(allClose(float.imaginary.doubles, expected.imaginary, absolute: 1e-5, relative: 1e-4), "\(shape) Float imaginary")
    }

    @Test(arguments: [[1, 1, 5, 7], [2, 1, 6, 4], [1, 2, 9, 10], [1, 1, 13, 11]])
    func fourierTransformGradients(_ shape: [Int]) {
        let x = randomTensor(shape, seed: 930)
        expectGradientsMatch(at: [x]) { $0[0].fourierTransform2D().real }
        expectGradientsMatch(at: [x]) { $0[0].fourierTransform2D().imaginary }
        // A quadratic: the central difference is exact but for rounding, ~1e-8 of an objective near 10.
        expectGradientsMatch(at: [x], relativeTolerance: 1e-5, absoluteTolerance: 1e-7) { inputs in
            let (real, imaginary) = inputs[0].fourierTransform2D()
            return real.squared() * 0.7 + imaginary * real
        }
    }

    @Test func absoluteValueAndPower() {
        let x = randomTensor([3, 5], seed: 940, awayFromZero: true)
        #expect(x.absoluteValue().doubles == x.doubles.map(\.magnitude))
        expectGradientsMatch(at: [x]) { $0[0].absoluteValue() }
        // The subgradient at 0 is 0, as in PyTorch.
        let zero = Tensor<Double>(shape: [3], scalars: [-2, 0, 3]).requiringGradient()
        zero.absoluteValue().sum().backward()
        #expect(zero.gradient!.scalars == [-1, 0, 1])
        let positive = x.absoluteValue()
        for exponent in [0.3, 1.5, 2.0] {
            #expect(allClose(positive.raised(toPower: exponent).doubles, positive.doubles.map { Foundation.pow($0, exponent) }))
            expectGradientsMatch(at: [positive]) { $0[0].raised(toPower: exponent) }
        }
    }
}
