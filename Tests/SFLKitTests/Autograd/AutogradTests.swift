import Foundation
import Testing
@testable import SFLKit

@Suite struct AutogradTests {
    @Test func backwardAccumulatesIntoLeaves() {
        let x = Tensor<Double>(shape: [3], scalars: [1, 2, 3]).requiringGradient()
        let y = (x * x).sum()
        #expect(y.scalar == 14)
        y.backward()
        #expect(x.gradient?.scalars == [2, 4, 6])
        (x * 3).sum().backward()          // accumulates, like PyTorch
        #expect(x.gradient?.scalars == [5, 7, 9])
        x.clearGradient()
        #expect(x.gradient == nil)
    }

    @Test func reusedValuesSumTheirGradients() {
        // c = a·b + a; d = c·c + c → dd/da = (2c + 1)(b + 1)
        let a = Tensor<Double>(shape: [1], scalars: [2]).requiringGradient()
        let b = Tensor<Double>(shape: [1], scalars: [-3]).requiringGradient()
        let c = a * b + a
        let d = (c * c + c).sum()
        d.backward()
        let cValue = 2.0 * -3.0 + 2.0
        #expect(a.gradient?.scalar == (2 * cValue + 1) * (-3 + 1))
        #expect(b.gradient?.scalar == (2 * cValue + 1) * 2)
    }

    @Test func noGradientScopeAndDetach() {
        let x = Tensor<Double>(shape: [2], scalars: [1, 2]).requiringGradient()
        let inside = withoutGradients { x * 2 }
        #expect(!inside.requiresGradient)
        #expect(!(x.detached() * 2).requiresGradient)
        #expect((x * 2).requiresGradient)
        #expect(!Tensor<Double>(ones: [2]).requiresGradient)
        // Only the attached path contributes.
        let y = (x * x.detached()).sum()
        y.backward()
        #expect(x.gradient?.scalars == [1, 2])
    }

    @Test func functionalGradientsLeaveLeavesUntouched() {
        let w = Tensor<Double>(shape: [2], scalars: [3, 4]).requiringGradient()
        let unused = Tensor<Double>(shape: [3], scalars: [1, 1, 1]).requiringGradient()
        let loss = (w * w).sum()
        let gradients = loss.gradients(withRespectTo: [w, unused, w])
        #expect(gradients[0].scalars == [6, 8])
        #expect(gradients[1].scalars == [0, 0, 0])
        #expect(gradients[2].scalars == [6, 8])
        #expect(w.gradient == nil)
    }

    @Test func gradientsOfIntermediatesAndSeeds() {
        let x = Tensor<Double>(shape: [2], scalars: [1, 2]).requiringGradient()
        let hidden = x * 3
        let out = hidden.squared()
        let seed = Tensor<Double>(shape: [2], scalars: [1, 10])
        let gradients = out.gradients(withRespectTo: [hidden, x], seed: seed)
        #expect(gradients[0].scalars == [6, 120])      // 2·hidden·seed
        #expect(gradients[1].scalars == [18, 360])
    }

    @Test func deepGraphsDoNotOverflowTheStack() {
        let x = Tensor<Double>(shape: [1], scalars: [1]).requiringGradient()
        var y = x
        for _ in 0..<50_000 { y = y + 1e-6 }
        y.sum().backward()
        #expect(x.gradient?.scalar == 1)
    }

    @Test func droppingADeepGraphDoesNotOverflowTheStack() {
        let x = Tensor<Double>(shape: [1], scalars: [1]).requiringGradient()
        do {
            var y = x
            for _ in 0..<200_000 { y = y + 1 }
            #expect(y.scalar == 200_001)
        }   // dropped without backward: freed iteratively
        do {
            var y = x
            for _ in 0..<200_000 { y = y * 1 }
            y.sum().backward(retainGraph: true)
            #expect(x.gradient?.scalar == 1)
        }   // dropped after a backward that kept the graph
    }

    @Test func scalarsAndEmptyTensorsFlowThroughBackward() {
        let s = Tensor<Double>(2).requiringGradient()
        let v = Tensor<Double>(shape: [3], scalars: [1, 2, 3]).requiringGradient()
        (v * s).sum().backward()
        #expect(s.gradient?.shape == [])
        #expect(s.gradient?.scalar == 6)
        #expect(v.gradient?.scalars == [2, 2, 2])
        let empty = Tensor<Double>(zeros: [0, 3]).requiringGradient()
        #expect(empty.sum(alongAxes: [0]).scalars == [0, 0, 0])
        let total = (empty * 2).sum()
        #expect(total.scalar == 0)
        total.backward()
        #expect(empty.gradient?.shape == [0, 3])
    }

    @Test func graphIsFreedAfterBackward() {
        weak var intermediate: GraphNode<Double>?
        let x = Tensor<Double>(shape: [4], scalars: [1, 2, 3, 4]).requiringGradient()
        do {
            let hidden = x.tanh()
            intermediate = hidden.node
            let loss = hidden.sum()
            #expect(intermediate != nil)
            loss.backward()
            #expect(intermediate?.pullback == nil)
        }
        #expect(intermediate == nil)
    }

    /// 10,000 small training steps keep nothing alive: every step's graph
    /// nodes and intermediate storage are freed (tracked by weak references,
    /// which, unlike the process's resident size, other tests running in
    /// parallel cannot disturb).
    @Test func memoryDoesNotGrowOverTenThousandSteps() {
        final class Survivors {
            weak var lossNode: GraphNode<Float>?
            weak var hiddenNode: GraphNode<Float>?
            weak var hiddenStorage: TensorStorage<Float>?
            weak var oldWeight: TensorStorage<Float>?
            var alive: Bool { lossNode != nil || hiddenNode != nil || hiddenStorage != nil || oldWeight != nil }
        }
        var generator = SeededGenerator(seed: 5)
        var weight = Tensor<Float>(randomNormal: [16, 16], standardDeviation: 0.1, using: &generator).requiringGradient()
        let input = Tensor<Float>(randomNormal: [8, 16], using: &generator)
        var survivors: [Survivors] = []
        var firstLoss: Float = 0, lastLoss: Float = 0
        for step in 0..<10_000 {
            let record = Survivors()
            do {
                let hidden = input.matmul(weight).tanh()
                let loss = (hidden - 0.5).squared().mean()
                record.lossNode = loss.node
                record.hiddenNode = hidden.node
                record.hiddenStorage = hidden.storage
                record.oldWeight = weight.storage
                let gradient = loss.gradients(withRespectTo: [weight])[0]
                weight = withoutGradients { weight - gradient * 0.05 }.requiringGradient()
                if step == 0 { firstLoss = loss.scalar }
                lastLoss = loss.scalar
            }
            survivors.append(record)
        }
        let alive = survivors.dropLast().filter(\.alive).count
        #expect(alive == 0, "\(alive) of 9,999 finished steps still hold graph nodes or storage")
        #expect(lastLoss < firstLoss)
    }

    @Test func checkerCatchesAWrongBackward() {
        // x² whose pullback forgets the factor 2.
        func wrongSquare(_ x: Tensor<Double>) -> Tensor<Double> {
            let value = withoutGradients { x * x }
            return Tensor.recordOperation("wrongSquare", shape: x.shape, storage: value.storage, inputs: [x]) { gradient, _ in
                [gradient * x.detached()]
            }
        }
        let x = randomTensor([5], seed: 3, awayFromZero: true)
        let report = checkGradients(at: [x]) { wrongSquare($0[0]) }
        #expect(!report.passed)
        #expect(report.relativeError > 0.1)
        #expect(report.description.contains("FAILED"))
        #expect(abs(report.analytic * 2 - report.numeric) < 1e-6 * abs(report.numeric) + 1e-8)
        // And the correct op passes.
        #expect(checkGradients(at: [x]) { $0[0] * $0[0] }.passed)
    }
}
