import Foundation
import Testing
@testable import SFLKit

/// A one-parameter model for checking update rules by hand.
final class ScalarModel: Layer {
    var weight: Tensor<Double>
    init(_ value: Double) { weight = Tensor<Double>(shape: [1], scalars: [value]).requiringGradient() }
    func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> { input * weight }
    func visitParameters(_ visit: (String, inout Tensor<Double>) -> Void) { visit("w", &weight) }
    var value: Double { weight.scalar }
}

@Suite struct OptimizerTests {
    let g1 = Tensor<Double>(shape: [1], scalars: [0.5]), g2 = Tensor<Double>(shape: [1], scalars: [-0.25])

    @Test func sgdWithMomentumFollowsThePaper() {
        let model = ScalarModel(1)
        let sgd = SGD<Double>(learningRate: 0.02, momentum: 0.5)
        sgd.update(model, along: ["w": g1])
        #expect(abs(model.value - (1 - 0.02 * 0.5)) < 1e-15)         // v = g
        sgd.update(model, along: ["w": g2])
        let v2 = 0.5 * 0.5 - 0.25
        #expect(abs(model.value - (1 - 0.02 * 0.5 - 0.02 * v2)) < 1e-15)
        #expect(sgd.state.step == 2)
        #expect(model.weight.isGradientLeaf)
    }

    @Test func stepUsesAccumulatedGradients() {
        let model = ScalarModel(3)
        let input = Tensor<Double>(shape: [1], scalars: [2])
        model(input).sum().backward()          // d(2w)/dw = 2
        #expect(model.weight.gradient?.scalar == 2)
        SGD<Double>(learningRate: 0.1, momentum: 0).step(model)
        #expect(abs(model.value - 2.8) < 1e-15)
        #expect(model.weight.gradient == nil)  // a fresh leaf
        model(input).sum().backward()
        model.clearGradients()
        #expect(model.weight.gradient == nil)
    }

    @Test func nesterovWeightDecayAndSchedule() {
        let model = ScalarModel(2)
        let sgd = SGD<Double>(learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01, schedule: { step in 0.1 / Double(step + 1) })
        sgd.update(model, along: ["w": g1])
        let g = 0.5 + 0.01 * 2, v = g
        let afterFirst = 2 - 0.1 * (g + 0.9 * v)
        #expect(abs(model.value - afterFirst) < 1e-15)
        sgd.update(model, along: ["w": g1])
        let gSecond = 0.5 + 0.01 * afterFirst, vSecond = 0.9 * v + gSecond
        #expect(abs(model.value - (afterFirst - 0.05 * (gSecond + 0.9 * vSecond))) < 1e-15)   // schedule: η/2 at step 1
    }

    @Test func adamAndAdamW() {
        let model = ScalarModel(1)
        let adam = Adam<Double>(learningRate: 0.1)
        adam.update(model, along: ["w": g1])
        // First step: m̂ = g, v̂ = g², so Δ = η · g / (|g| + ε).
        #expect(abs(model.value - (1 - 0.1 * 0.5 / (0.5 + 1e-8))) < 1e-12)
        adam.update(model, along: ["w": g2])
        let m = 0.9 * 0.05 + 0.1 * -0.25, v = 0.999 * 0.00025 + 0.001 * 0.0625
        let step2 = (m / (1 - 0.81)) / ((v / (1 - 0.999 * 0.999)).squareRoot() + 1e-8)
        #expect(abs(model.value - (1 - 0.1 * 0.5 / (0.5 + 1e-8) - 0.1 * step2)) < 1e-12)

        let decayed = ScalarModel(1)
        let adamW = Adam<Double>.adamW(learningRate: 0.1, weightDecay: 0.5)
        adamW.update(decayed, along: ["w": g1])
        #expect(abs(decayed.value - (1 * (1 - 0.1 * 0.5) - 0.1 * 0.5 / (0.5 + 1e-8))) < 1e-12)
    }
}
