import Testing
@testable import SFLKit

@Suite struct ReductionTests {
    let x = randomTensor([2, 3, 4], seed: 11)

    @Test func sumsAndMeans() {
        let t = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(t.sum().scalar == 21)
        #expect(t.sum().shape == [])
        #expect(t.mean().scalar == 3.5)
        #expect(t.sum(alongAxes: [0]).scalars == [5, 7, 9])
        #expect(t.sum(alongAxes: [1]).scalars == [6, 15])
        #expect(t.sum(alongAxes: [-1], keepingDimensions: true).shape == [2, 1])
        #expect(t.mean(alongAxes: [0]).scalars == [2.5, 3.5, 4.5])
        #expect(x.sum(alongAxes: [0, 2]).shape == [3])
        #expect(abs(x.sum(alongAxes: [0, 2]).sum().scalar - x.sum().scalar) < 1e-12)
    }

    @Test func longSumsAreAccurateInFloat() {
        let n = 300_001
        let ones = Tensor<Float>(ones: [n])
        #expect(ones.sum().scalar == Float(n))
        let big = randomTensor([7, 40_000], seed: 12)
        #expect(abs(Double(big.converted(to: Float.self).sum().scalar) - big.sum().scalar) < 1e-2)
        #expect(allClose(big.converted(to: Float.self).sum(alongAxes: [1]).doubles, big.sum(alongAxes: [1]).doubles, absolute: 1e-2, relative: 1e-5))
    }

    @Test func reductionGradients() {
        expectGradientsMatch(at: [x]) { $0[0].sum() }
        expectGradientsMatch(at: [x]) { $0[0].mean() }
        expectGradientsMatch(at: [x]) { $0[0].sum(alongAxes: [1]) }
        expectGradientsMatch(at: [x]) { $0[0].sum(alongAxes: [0, 2], keepingDimensions: true) }
        expectGradientsMatch(at: [x]) { $0[0].mean(alongAxes: [-1]) }
        expectGradientsMatch(at: [randomTensor([3, 1], seed: 13)]) { $0[0].broadcasted(to: [2, 3, 4]) }
    }
}
