import Testing
@testable import SFLKit

@Suite struct MovementTests {
    let x = randomTensor([3, 2, 4], seed: 21)

    @Test func movementGradients() {
        expectGradientsMatch(at: [x]) { $0[0].reshaped(to: [4, -1]).squared() }
        expectGradientsMatch(at: [x]) { $0[0][1].squared() }
        expectGradientsMatch(at: [x]) { $0[0][1..<3] * 2 }
        expectGradientsMatch(at: [x]) { $0[0].sliced(alongAxis: 2, 1..<3).tanh() }
        expectGradientsMatch(at: [x]) { $0[0].permuted([2, 0, 1]).sigmoid() }
        expectGradientsMatch(at: [x, randomTensor([3, 1, 4], seed: 22)]) { Tensor(concatenating: [$0[0], $0[1], $0[0]], alongAxis: 1) }
    }

    @Test func matrixProduct() {
        let a = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor<Double>(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12])
        #expect(a.matmul(b).scalars == [58, 64, 139, 154])
        let wide = randomTensor([5, 37], seed: 23), tall = randomTensor([37, 19], seed: 24)
        let product = wide.matmul(tall)
        let expected = (0..<5).flatMap { i in (0..<19).map { j in (0..<37).reduce(0.0) { $0 + wide.scalar(at: [i, $1]) * tall.scalar(at: [$1, j]) } } }
        #expect(allClose(product.doubles, expected))
        expectGradientsMatch(at: [wide, tall]) { $0[0].matmul($0[1]) }
    }
}
