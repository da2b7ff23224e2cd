import Foundation
import Testing
@testable import SFLKit

/// The paper's losses, read from a ``FullBatchTrainer`` step's named metrics.
struct PaperLosses {
    let total, pixel, spatialFrequency: Double
    let pixelPerChannel, spatialFrequencyPerSubband: [Double]

    init(_ metrics: TrainingMetrics) {
        total = metrics["loss"]!
        pixel = metrics["E_PL"]!
        spatialFrequency = metrics["E_SFL"]!
        pixelPerChannel = metrics.entries.filter { $0.name.hasPrefix("E_PL_ch") }.map(\.value)
        spatialFrequencyPerSubband = metrics.entries.filter { $0.name.hasPrefix("SFL_sigma") }.map(\.value)
    }
}

@Suite struct TrainerTests {
    /// Eight small synthetic images of three different sizes.
    static func images<Scalar: TensorScalar>(_: Scalar.Type = Scalar.self) -> [Tensor<Scalar>] {
        SyntheticImages.make(count: 3, height: 12, width: 16, seed: 1)
            + SyntheticImages.make(count: 3, height: 15, width: 11, seed: 2)
            + SyntheticImages.make(count: 2, height: 9, width: 14, seed: 3)
    }

    static func trainer(optimizer: any Optimizer<Float>, seed: UInt64 = 7, optimizesSFL: Bool = true,
                        parallelism: BatchParallelism = .acrossParts) -> FullBatchTrainer<ConvolutionalAutoencoder<Float>> {
        var generator = SeededGenerator(seed: seed)
        return FullBatchTrainer(model: ConvolutionalAutoencoder<Float>(using: &generator), optimizer: optimizer, images: images(),
                                optimizesSpatialFrequencyLoss: optimizesSFL, parallelism: parallelism)
    }

    @Test func lossFallsWithSGDMomentumAndAdam() throws {
        for (label, optimizer) in [("SGD", SGD<Float>(learningRate: 0.02, momentum: 0.9) as any Optimizer<Float>), ("Adam", Adam<Float>(learningRate: 2e-3))] {
            let trainer = Self.trainer(optimizer: optimizer)
            var losses: [Double] = []
            for _ in 0..<30 { losses.append(try trainer.step()["loss"]!) }
            #expect(losses[29] < 0.8 * losses[0], "\(label): E went from \(losses[0]) to \(losses[29]) in 30 epochs")
            #expect(losses[20...].max()! < losses[..<10].min()!, "\(label): E did not keep falling: \(losses)")
            #expect(trainer.epoch == 30)
        }
    }

    @Test func bitIdenticalWhateverTheThreadCount() throws {
        var runs: [[[Float]]] = []
        for (threads, parallelism) in [(1, BatchParallelism.withinOperations), (2, .withinOperations), (2, .acrossParts), (3, .acrossParts)] {
            let trainer = Self.trainer(optimizer: SGD<Float>(), parallelism: parallelism)
            var losses: [Float] = []
            try withComputeThreads(threads) {
                for _ in 0..<3 { losses.append(Float(try trainer.step()["loss"]!)) }
            }
            runs.append([losses] + trainer.model.parameters.map(\.scalars))
        }
        for run in runs.dropFirst() { #expect(run == runs[0]) }
    }

    @Test func averagesPerImageNormalisedLosses() {
        let trainer = Self.trainer(optimizer: SGD<Float>())
        let (metrics, _) = trainer.metricsAndGradients()
        let losses = PaperLosses(metrics)
        let reconstructions = trainer.reconstructions()
        let pixel = zip(reconstructions, trainer.images).map { Double(PixelLoss()($0, $1).scalar) }.reduce(0, +) / 8
        #expect(abs(losses.pixel - pixel) < 1e-6 * pixel)
        #expect(abs(losses.total - losses.pixel - losses.spatialFrequency) < 1e-6 * losses.total)
        #expect(losses.spatialFrequencyPerSubband.count == 3 && losses.pixelPerChannel.count == 3)
        let baseline = PaperLosses(Self.trainer(optimizer: SGD<Float>(), optimizesSFL: false).metricsAndGradients().metrics)
        #expect(baseline.total == baseline.pixel)
        #expect(baseline.spatialFrequencyPerSubband == losses.spatialFrequencyPerSubband)
    }

    @Test func gradientsAreRecordedEvenInsideANoGradientScope() {
        let trainer = Self.trainer(optimizer: SGD<Float>())
        let outside = trainer.metricsAndGradients().gradients
        let inside = withoutGradients { trainer.metricsAndGradients().gradients }
        #expect(inside.mapValues(\.scalars) == outside.mapValues(\.scalars))
        #expect(outside["conv1.weight"]!.scalars.contains { $0 != 0 })
    }

    @Test func nonFiniteLossStopsWithoutUpdating() throws {
        var generator = SeededGenerator(seed: 1)
        let model = ConvolutionalAutoencoder<Float>(using: &generator)
        let broken = Self.images(Float.self).map { $0 * Float.nan }
        let trainer = FullBatchTrainer(model: model, optimizer: SGD<Float>(), images: broken)
        let before = model.parameters.map(\.scalars)
        #expect(throws: TrainingError.self) { try trainer.step() }
        #expect(model.parameters.map(\.scalars) == before)
        do { try trainer.step() } catch { #expect("\(error)".contains("not finite")) }
    }
}

@Suite struct CheckedUpdateTests {
    @Test func checkedMetricsAndGradientsAreThoseOfTheStepWithoutUpdating() throws {
        let trainer = TrainerTests.trainer(optimizer: SGD<Float>(learningRate: 0.02, momentum: 0.5))
        let before = trainer.model.parameters.map(\.scalars)
        let checked = try trainer.checkedMetricsAndGradients()
        let plain = trainer.metricsAndGradients()
        #expect(trainer.epoch == 0 && trainer.model.parameters.map(\.scalars) == before)
        #expect(checked.metrics == plain.metrics && checked.gradients.mapValues(\.scalars) == plain.gradients.mapValues(\.scalars))
        // Applying the checked update is the step.
        let twin = TrainerTests.trainer(optimizer: SGD<Float>(learningRate: 0.02, momentum: 0.5))
        trainer.optimizer.update(trainer.model, along: checked.gradients)
        let stepMetrics = try twin.step()
        #expect(stepMetrics == checked.metrics && twin.model.parameters.map(\.scalars) == trainer.model.parameters.map(\.scalars))
    }

    @Test func checkedMetricsAndGradientsRefuseANonFiniteLoss() {
        var generator = SeededGenerator(seed: 1)
        let broken = TrainerTests.images(Float.self).map { $0 * Float.nan }
        let trainer = FullBatchTrainer(model: ConvolutionalAutoencoder<Float>(using: &generator), optimizer: Adam<Float>(), images: broken)
        do {
            _ = try trainer.checkedMetricsAndGradients()
            Issue.record("a NaN loss was accepted")
        } catch {
            #expect(error.step == 1 && error.problem.hasPrefix("the loss is not finite"))
        }
        #expect(trainer.epoch == 0)
    }
}
