import Foundation
import Testing
@testable import SFLKit

@Suite struct ElementwiseTests {
    let x = randomTensor([2, 3, 4], seed: 1, awayFromZero: true)
    let y = randomTensor([2, 3, 4], seed: 2, awayFromZero: true)

    @Test func forwardMatchesScalarMath() {
        let a = x.doubles, b = y.doubles
        #expect(allClose((x + y).doubles, zip(a, b).map(+)))
        #expect(allClose((x - y).doubles, zip(a, b).map(-)))
        #expect(allClose((x * y).doubles, zip(a, b).map(*)))
        #expect(allClose((x / y).doubles, zip(a, b).map(/)))
        #expect(allClose((x + 2).doubles, a.map { $0 + 2 }))
        #expect(allClose((2 - x).doubles, a.map { 2 - $0 }))
        #expect(allClose((x / 4).doubles, a.map { $0 / 4 }))
        #expect(allClose((3 / x).doubles, a.map { 3 / $0 }))
        #expect(allClose((-x).doubles, a.map { -$0 }))
        #expect(allClose(x.squared().doubles, a.map { $0 * $0 }))
        #expect(allClose(x.exp().doubles, a.map(Foundation.exp)))
        #expect(allClose(x.tanh().doubles, a.map(Foundation.tanh)))
        #expect(allClose(x.relu().doubles, a.map { max($0, 0) }))
        #expect(allClose(x.sigmoid().doubles, a.map { 1 / (1 + Foundation.exp(-$0)) }))
        #expect(allClose(x.leakyRelu(slope: 0.2).doubles, a.map { $0 > 0 ? $0 : 0.2 * $0 }))
        let positive = x.squared() + 0.5
        #expect(allClose(positive.squareRoot().doubles, positive.doubles.map { $0.squareRoot() }))
        #expect(allClose(positive.log().doubles, positive.doubles.map(Foundation.log)))
    }

    @Test("Float tanh (vectorised) is within 1.5 units in the last place of the exact value, specials included")
    func floatTanhAccuracy() {
        // A dense grid over [−12, 12] (both branches and the switch at ±0.625), 16 at a time plus a tail.
        let count = 480_001
        let grid = (0..<count).map { Float(-12 + 24 * Double($0) / Double(count - 1)) }
        let result = Tensor<Float>(shape: [count], scalars: grid).tanh().scalars
        var worst = 0.0, worstAt: Float = 0
        for (x, y) in zip(grid, result) {
            let exact = Foundation.tanh(Double(x))
            let error = abs(Double(y) - exact) / Double(Float(abs(exact)).ulp)
            if error > worst { worst = error; worstAt = x }
        }
        #expect(worst <= 1.5, "worst error \(worst) ulp at x = \(worstAt)")
        let specials: [Float] = [0, -0.0, .infinity, -.infinity, .nan, 1e-30, -1e-30, 0.625, -0.625, 9.5, 88, -1000]
        let values = Tensor<Float>(shape: [specials.count], scalars: specials).tanh().scalars
        #expect(values[0] == 0 && values[1] == 0 && values[1].sign == .minus)
        #expect(values[2] == 1 && values[3] == -1 && values[4].isNaN)
        #expect(values[5] == 1e-30 && values[6] == -1e-30)
        for (x, y) in zip(specials[7...], values[7...]) { #expect(abs(Double(y) - Foundation.tanh(Double(x))) <= 1e-7, "tanh(\(x)) = \(y)") }
    }

    @Test func floatKernelsAgreeWithDouble() {
        let big = randomTensor([3, 50_000], seed: 3)   // large enough to run in parallel blocks
        let f = big.converted(to: Float.self)
        for (single, double) in [((f * f + f).tanh(), (big * big + big).tanh()), (f.sigmoid() / (f.exp() + 1), big.sigmoid() / (big.exp() + 1))] {
            #expect(allClose(single.doubles, double.doubles, absolute: 1e-6, relative: 1e-5))
        }
    }

    @Test func broadcastingFollowsNumPyRules() {
        let bias = Tensor<Double>(shape: [3, 1], scalars: [10, 20, 30])
        let sum = x + bias
        #expect(sum.shape == [2, 3, 4])
        #expect(sum.scalar(at: [1, 2, 3]) == x.scalar(at: [1, 2, 3]) + 30)
        let row = Tensor<Double>(shape: [4], scalars: [1, 2, 3, 4])
        #expect((row * x).scalar(at: [0, 1, 2]) == 3 * x.scalar(at: [0, 1, 2]))
        let outer = Tensor<Double>(shape: [2, 1], scalars: [1, 2]) * Tensor<Double>(shape: [1, 3], scalars: [1, 10, 100])
        #expect(outer.shape == [2, 3])
        #expect(outer.scalars == [1, 10, 100, 2, 20, 200])
    }

    @Test func binaryGradients() {
        expectGradientsMatch(at: [x, y]) { $0[0] + $0[1] }
        expectGradientsMatch(at: [x, y]) { $0[0] - $0[1] }
        expectGradientsMatch(at: [x, y]) { $0[0] * $0[1] }
        expectGradientsMatch(at: [x, y]) { $0[0] / $0[1] }
    }

    @Test func broadcastGradients() {
        let column = randomTensor([3, 1], seed: 4, awayFromZero: true)
        let row = randomTensor([4], seed: 5, awayFromZero: true)
        expectGradientsMatch(at: [x, column]) { $0[0] + $0[1] }
        expectGradientsMatch(at: [x, column]) { $0[1] - $0[0] }
        expectGradientsMatch(at: [x, row]) { $0[0] * $0[1] }
        expectGradientsMatch(at: [row, x]) { $0[0] / $0[1] }
    }

    @Test func scalarGradients() {
        expectGradientsMatch(at: [x]) { $0[0] + 2 }
        expectGradientsMatch(at: [x]) { 2 + $0[0] }
        expectGradientsMatch(at: [x]) { $0[0] - 2 }
        expectGradientsMatch(at: [x]) { 2 - $0[0] }
        expectGradientsMatch(at: [x]) { $0[0] * 3 }
        expectGradientsMatch(at: [x]) { 3 * $0[0] }
        expectGradientsMatch(at: [x]) { $0[0] / 3 }
        expectGradientsMatch(at: [x]) { 3 / $0[0] }
    }

    @Test func unaryGradients() {
        expectGradientsMatch(at: [x]) { -$0[0] }
        expectGradientsMatch(at: [x]) { $0[0].squared() }
        expectGradientsMatch(at: [x]) { ($0[0].squared() + 0.5).squareRoot() }
        expectGradientsMatch(at: [x]) { $0[0].exp() }
        expectGradientsMatch(at: [x]) { ($0[0].squared() + 0.5).log() }
        expectGradientsMatch(at: [x]) { $0[0].tanh() }
        expectGradientsMatch(at: [x]) { $0[0].relu() }
        expectGradientsMatch(at: [x]) { $0[0].sigmoid() }
        expectGradientsMatch(at: [x]) { $0[0].leakyRelu(slope: 0.1) }
    }
}
