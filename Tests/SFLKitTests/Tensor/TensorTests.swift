import Testing
@testable import SFLKit

@Suite struct TensorTests {
    @Test func creationAndAccess() {
        let t = Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(t.shape == [2, 3])
        #expect(t.rank == 2)
        #expect(t.scalarCount == 6)
        #expect(t.scalar(at: [1, 2]) == 6)
        #expect(Tensor<Double>(zeros: [2, 2]).scalars == [0, 0, 0, 0])
        #expect(Tensor<Double>(ones: [3]).scalars == [1, 1, 1])
        #expect(Tensor<Float>(shape: [2], repeating: 7).scalars == [7, 7])
        #expect(Tensor<Double>(3.5).shape == [])
        #expect(Tensor<Double>(3.5).scalar == 3.5)
        #expect(Tensor<Float>(shape: [0, 4], scalars: []).scalarCount == 0)
        #expect(Tensor<Float>(shape: [2], doubles: [0.1, 0.2]).scalars == [Float(0.1), Float(0.2)])
        #expect(t.converted(to: Double.self).scalars == [1, 2, 3, 4, 5, 6])
    }

    @Test func randomTensorsAreReproducibleAndWellDistributed() {
        var first = SeededGenerator(seed: 42), second = SeededGenerator(seed: 42), other = SeededGenerator(seed: 43)
        let a = Tensor<Double>(randomNormal: [10_000], mean: 1, standardDeviation: 2, using: &first)
        let b = Tensor<Double>(randomNormal: [10_000], mean: 1, standardDeviation: 2, using: &second)
        let c = Tensor<Double>(randomNormal: [10_000], mean: 1, standardDeviation: 2, using: &other)
        #expect(a.scalars == b.scalars)
        #expect(a.scalars != c.scalars)
        let mean = a.mean().scalar
        let deviation = ((a - mean).squared().mean().scalar).squareRoot()
        #expect(abs(mean - 1) < 0.06)
        #expect(abs(deviation - 2) < 0.06)
        var generator = SeededGenerator(seed: 1)
        let u = Tensor<Float>(randomUniform: [1000], in: -1...1, using: &generator)
        #expect(u.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
        #expect(u.scalars.min()! < -0.9 && u.scalars.max()! > 0.9)
    }

    @Test func generatorStateRestores() {
        var generator = SeededGenerator(seed: 9)
        _ = generator.next()
        var restored = SeededGenerator(state: generator.state)
        #expect(generator.next() == restored.next())
    }

    @Test func reshapeSliceConcatenate() {
        let t = Tensor<Double>(shape: [2, 3, 2], scalars: (0..<12).map(Double.init))
        #expect(t.reshaped(to: [3, -1]).shape == [3, 4])
        #expect(t[1].shape == [3, 2])
        #expect(t[1].scalars == [6, 7, 8, 9, 10, 11])
        #expect(t[1..<2].shape == [1, 3, 2])
        #expect(t.sliced(alongAxis: 1, 1..<3).scalars == [2, 3, 4, 5, 8, 9, 10, 11])
        let joined = Tensor(concatenating: [t, t.sliced(alongAxis: 1, 0..<1)], alongAxis: 1)
        #expect(joined.shape == [2, 4, 2])
        #expect(joined.scalars == [0, 1, 2, 3, 4, 5, 0, 1, 6, 7, 8, 9, 10, 11, 6, 7])
        #expect(t.permuted([2, 0, 1]).scalar(at: [1, 1, 2]) == t.scalar(at: [1, 2, 1]))
        #expect(Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]).transposed().scalars == [1, 4, 2, 5, 3, 6])
    }

    @Test func descriptionShowsShapeAndValues() {
        #expect(Tensor<Float>(shape: [2], scalars: [1, 2]).description == "Tensor<Float>(shape: [2], [1.0, 2.0])")
    }
}
