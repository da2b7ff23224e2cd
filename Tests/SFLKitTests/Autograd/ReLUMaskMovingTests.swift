import Testing
@testable import SFLKit

/// The backward walk moves a fused ReLU's mask into the kernel that produces
/// its gradient (``ReLUMasks``): the gradients must not change by a bit, and
/// the walk must leave the mask where it is whenever the gradient is shared
/// or observed.
@Suite struct ReLUMaskMovingTests {
    /// The paper's layer classes in a row: direct stride 1 (3 → 32), the
    /// channel-vector stride 2 (32 → 16), upsampling, Winograd (16 → 32) and
    /// the direct input gradient of 32 → 3; fused or as conv2D + relu.
    private struct Chain<Scalar: TensorScalar> {
        let parameters: [Tensor<Scalar>]

        init(seed: UInt64) {
            var generator = SeededGenerator(seed: seed)
            func tensor(_ shape: [Int], _ deviation: Double) -> Tensor<Scalar> {
                Tensor<Scalar>(randomNormal: shape, standardDeviation: deviation, using: &generator).requiringGradient()
            }
            parameters = [tensor([1, 3, 23, 37], 1), tensor([32, 3, 3, 3], 0.3), tensor([32], 0.1),
                          tensor([16, 32, 3, 3], 0.1), tensor([16], 0.1), tensor([32, 16, 3, 3], 0.15), tensor([32], 0.1),
                          tensor([3, 32, 3, 3], 0.1), tensor([3], 0.1)]
        }

        /// The hidden layers' outputs and the reconstruction.
        func callAsFunction(fused: Bool) -> (hidden: [Tensor<Scalar>], output: Tensor<Scalar>) {
            let p = parameters
            func layer(_ x: Tensor<Scalar>, _ w: Tensor<Scalar>, _ b: Tensor<Scalar>, stride: Int = 1) -> Tensor<Scalar> {
                fused ? x.conv2DReLU(weight: w, bias: b, stride: stride, padding: .same)
                    : x.conv2D(weight: w, bias: b, stride: stride, padding: .same).relu()
            }
            let first = layer(p[0], p[1], p[2])
            let features = layer(first, p[3], p[4], stride: 2)
            let third = layer(features.upsampled(toHeight: 23, width: 37), p[5], p[6])
            let output = third.conv2D(weight: p[7], bias: p[8], padding: .same).tanh()
            return ([first, features, third], output)
        }
    }

    @Test("The paper's layer classes in a chain: gradients of the fused ops equal the unfused ones bit for bit")
    func chainMatchesUnfusedOps() {
        expectChainMatchesUnfused(Float.self)
        expectChainMatchesUnfused(Double.self)
    }

    private func expectChainMatchesUnfused<Scalar: TensorScalar>(_: Scalar.Type) {
        let chain = Chain<Scalar>(seed: 71)
        let fused = chain(fused: true), unfused = chain(fused: false)
        for hidden in fused.hidden { #expect(hidden.scalars.contains(0) && hidden.scalars.contains { $0 > 0 }) }
        // The walk moves the first and third layers' masks (one convolution consumes each), not the features'
        // (the upsampling consumes them).
        let order = BackwardEngine.topologicalOrder(from: fused.output.node!)
        let moving = BackwardEngine.nodesWhoseMaskMoves(order, observed: [])
        #expect(moving == [ObjectIdentifier(fused.hidden[0].node!), ObjectIdentifier(fused.hidden[2].node!)])

        var generator = SeededGenerator(seed: 72)
        let seed = Tensor<Scalar>(randomNormal: fused.output.shape, using: &generator)
        let expected = unfused.output.gradients(withRespectTo: chain.parameters, seed: seed)
        let actual = fused.output.gradients(withRespectTo: chain.parameters, seed: seed, retainGraph: true)
        for (index, (a, b)) in zip(actual, expected).enumerated() {
            #expect(a.scalars == b.scalars, "\(Scalar.self): gradient of parameter \(index)")
        }
        // A second walk over the retained graph moves the masks again and gives the same bits.
        let again = fused.output.gradients(withRespectTo: chain.parameters, seed: seed)
        for (a, b) in zip(again, expected) { #expect(a.scalars == b.scalars) }
    }

    @Test("A Winograd convolution's input gradient applies the mask of the fused convolution before it")
    func winogradInputGradientTakesTheMask() {
        var generator = SeededGenerator(seed: 73)
        let x = Tensor<Float>(randomNormal: [2, 8, 20, 37], using: &generator).requiringGradient()
        let w1 = Tensor<Float>(randomNormal: [16, 8, 3, 3], standardDeviation: 0.2, using: &generator).requiringGradient()
        let w2 = Tensor<Float>(randomNormal: [32, 16, 3, 3], standardDeviation: 0.2, using: &generator).requiringGradient()
        let w3 = Tensor<Float>(randomNormal: [3, 32, 3, 3], standardDeviation: 0.2, using: &generator).requiringGradient()
        func output(fused: Bool) -> Tensor<Float> {
            let first = fused ? x.conv2DReLU(weight: w1, padding: .same) : x.conv2D(weight: w1, padding: .same).relu()
            let second = fused ? first.conv2DReLU(weight: w2, padding: .same) : first.conv2D(weight: w2, padding: .same).relu()
            return second.conv2D(weight: w3, padding: .same)
        }
        #expect(winogradApplies(to: Conv2DGeometry(batch: 2, inputChannels: 16, inputHeight: 20, inputWidth: 37, outputChannels: 32,
                                                   kernelSize: 3, padding: 1)))
        let fused = output(fused: true)
        #expect(BackwardEngine.nodesWhoseMaskMoves(BackwardEngine.topologicalOrder(from: fused.node!), observed: []).count == 2)
        let seed = Tensor<Float>(randomNormal: fused.shape, using: &generator)
        let expected = output(fused: false).gradients(withRespectTo: [x, w1, w2, w3], seed: seed)
        for (a, b) in zip(fused.gradients(withRespectTo: [x, w1, w2, w3], seed: seed), expected) { #expect(a.scalars == b.scalars) }
    }

    @Test("A ReLU output with two consumers keeps its mask, and the gradients stay right")
    func sharedOutputKeepsItsMask() {
        var generator = SeededGenerator(seed: 74)
        let x = Tensor<Float>(randomNormal: [1, 3, 11, 13], using: &generator).requiringGradient()
        let w1 = Tensor<Float>(randomNormal: [8, 3, 3, 3], standardDeviation: 0.3, using: &generator).requiringGradient()
        let w2 = Tensor<Float>(randomNormal: [2, 8, 3, 3], standardDeviation: 0.3, using: &generator).requiringGradient()
        let w3 = Tensor<Float>(randomNormal: [2, 8, 3, 3], standardDeviation: 0.3, using: &generator).requiringGradient()
        func output(fused: Bool) -> Tensor<Float> {
            let hidden = fused ? x.conv2DReLU(weight: w1, padding: .same) : x.conv2D(weight: w1, padding: .same).relu()
            return hidden.conv2D(weight: w2, padding: .same) * hidden.conv2D(weight: w3, padding: .same)
        }
        let fused = output(fused: true)
        #expect(BackwardEngine.nodesWhoseMaskMoves(BackwardEngine.topologicalOrder(from: fused.node!), observed: []).isEmpty)
        let seed = Tensor<Float>(randomNormal: fused.shape, using: &generator)
        let expected = output(fused: false).gradients(withRespectTo: [x, w1, w2, w3], seed: seed)
        for (a, b) in zip(fused.gradients(withRespectTo: [x, w1, w2, w3], seed: seed), expected) { #expect(a.scalars == b.scalars) }
    }

    @Test("The gradient asked for at a fused ReLU's output is the unmasked one")
    func observedOutputKeepsItsMask() {
        var generator = SeededGenerator(seed: 75)
        let x = Tensor<Float>(randomNormal: [1, 3, 11, 13], using: &generator).requiringGradient()
        let w1 = Tensor<Float>(randomNormal: [8, 3, 3, 3], standardDeviation: 0.3, using: &generator).requiringGradient()
        let w2 = Tensor<Float>(randomNormal: [2, 8, 3, 3], standardDeviation: 0.3, using: &generator).requiringGradient()
        let hidden = x.conv2DReLU(weight: w1, padding: .same), output = hidden.conv2D(weight: w2, padding: .same)
        let order = BackwardEngine.topologicalOrder(from: output.node!)
        #expect(BackwardEngine.nodesWhoseMaskMoves(order, observed: []) == [ObjectIdentifier(hidden.node!)])
        #expect(BackwardEngine.nodesWhoseMaskMoves(order, observed: [ObjectIdentifier(hidden.node!)]).isEmpty)

        let seed = Tensor<Float>(randomNormal: output.shape, using: &generator)
        let gradients = output.gradients(withRespectTo: [hidden, w1], seed: seed, retainGraph: true)
        // conv2D's input gradient, unmasked: nonzero where the ReLU output is zero.
        let expected = hiddenGradient(w2: w2, seed: seed, shape: hidden.shape)
        #expect(gradients[0].scalars == expected)
        #expect(zip(hidden.scalars, gradients[0].scalars).contains { $0 == 0 && $1 != 0 })
        // The parameters' gradients equal the walk that moves the mask.
        let moved = output.gradients(withRespectTo: [w1], seed: seed)
        #expect(moved[0].scalars == gradients[1].scalars)
    }

    /// The gradient of `Σ seed · conv2D(h, w2)` with respect to `h`.
    private func hiddenGradient(w2: Tensor<Float>, seed: Tensor<Float>, shape: [Int]) -> [Float] {
        let h = Tensor<Float>(zeros: shape).requiringGradient()
        return h.conv2D(weight: w2.detached(), padding: .same).gradients(withRespectTo: [h], seed: seed)[0].scalars
    }

    @Test("Finite differences through two fused layers (Double)")
    func finiteDifferencesThroughFusedLayers() {
        let input = randomTensor([1, 3, 7, 9], seed: 76), w1 = randomTensor([8, 3, 3, 3], seed: 77)
        let b1 = randomTensor([8], seed: 78), w2 = randomTensor([9, 8, 3, 3], seed: 79), w3 = randomTensor([2, 9, 3, 3], seed: 80)
        expectGradientsMatch(at: [input, w1, b1, w2, w3], relativeTolerance: 1e-5, absoluteTolerance: 1e-6) {
            $0[0].conv2DReLU(weight: $0[1], bias: $0[2], padding: .same).conv2DReLU(weight: $0[3], padding: .same)
                .conv2D(weight: $0[4], padding: .same)
        }
    }
}
