import Foundation
import Testing
import SFLKit

@Suite struct GeneralTrainerTests {
    /// Six images of two sizes, interleaved.
    static func images() -> [Tensor<Float>] {
        let small: [Tensor<Float>] = SyntheticImages.make(count: 3, height: 10, width: 12, seed: 1)
        let large: [Tensor<Float>] = SyntheticImages.make(count: 3, height: 13, width: 9, seed: 2)
        return zip(small, large).flatMap { [$0, $1] }
    }

    /// A denoiser objective: reconstruct each image from a fixed corruption of it; PL + SFL.
    static func denoisingTrainer(seed: UInt64 = 3, parallelism: BatchParallelism = .acrossParts) -> Trainer<Sequential<Float>, ImageBatch<Float>> {
        let model = ModelStateTests.denoiser(seed: seed)
        let sfl = SpatialFrequencyLoss<Float>()
        return Trainer(model: model, optimizer: Adam<Float>(learningRate: 3e-3), parallelism: parallelism) { model, batch, metrics in
            let reconstruction = model(batch.images * 0.7)
            let pixel = PixelLoss()(reconstruction, batch.images)
            let frequency = sfl(reconstruction, batch.images)
            metrics.record("PL", pixel)
            metrics.record("SFL", frequency)
            return pixel + frequency
        }
    }

    @Test func miniBatchesOfMixedSizesTrainACustomModelAndTheLossFalls() throws {
        let trainer = Self.denoisingTrainer()
        let batches = ImageBatches(Self.images(), batchSize: 4, seed: 11)
        #expect(batches.batchesPerEpoch == 2)
        var losses: [Double] = []
        for epoch in 0..<25 {
            let metrics = try trainer.train(on: batches.epoch(epoch))
            #expect(metrics.names == ["loss", "PL", "SFL"])
            losses.append(metrics["loss"]!)
        }
        #expect(trainer.updateCount == 50)
        #expect(losses[24] < 0.5 * losses[0], "loss went from \(losses[0]) to \(losses[24])")
        let evaluation = trainer.evaluate(batches.epoch(0).joined())
        #expect(abs(evaluation["loss"]! - evaluation["PL"]! - evaluation["SFL"]!) < 1e-6 * evaluation["loss"]!)
    }

    @Test func batchesAreSeededPartitionsGroupedBySize() {
        let images = Self.images()
        let batches = ImageBatches(images, batchSize: 4, seed: 11)
        #expect(batches.epoch(3).map { $0.map(\.indices) } == ImageBatches(images, batchSize: 4, seed: 11).epoch(3).map { $0.map(\.indices) })
        #expect(batches.order(ofEpoch: 0) != batches.order(ofEpoch: 1))
        #expect(batches.order(ofEpoch: 0) != ImageBatches(images, batchSize: 4, seed: 12).order(ofEpoch: 0))
        for epoch in 0..<5 {
            let parts = batches.epoch(epoch)
            #expect(parts.flatMap { $0.flatMap(\.indices) }.sorted() == Array(0..<6))   // every image once
            #expect(parts.map { $0.map(\.exampleCount).reduce(0, +) } == [4, 2])
            for part in parts.joined() {
                #expect(part.images.shape[0] == part.indices.count)
                for (row, index) in part.indices.enumerated() {   // stacked in index order, one size per part
                    #expect(part.images[row].reshaped(to: [1] + Array(part.images.shape.dropFirst())).scalars == images[index].scalars)
                }
            }
        }
        let unshuffled = ImageBatches(images, shuffle: false, grouping: .perImage)
        #expect(unshuffled.epoch(7).map { $0.map(\.indices) } == [[[0], [1], [2], [3], [4], [5]]])
    }

    @Test func stackingBySizeGivesTheSameUpdateAsOneImageAtATime() throws {
        let images = Self.images()
        var results: [(TrainingMetrics, [String: [Float]])] = []
        for grouping in [ImageBatches<Float>.Grouping.stackedBySize, .perImage] {
            let trainer = Self.denoisingTrainer()
            let parts = ImageBatches(images, shuffle: false, grouping: grouping).epoch(0)[0]
            let (metrics, gradients) = trainer.metricsAndGradients(parts)
            results.append((metrics, gradients.mapValues(\.scalars)))
        }
        for (name, value) in results[0].0.entries {
            #expect(abs(value - results[1].0[name]!) <= 1e-6 * abs(value), "\(name)")
        }
        for (name, gradient) in results[0].1 {
            let other = results[1].1[name]!
            let scale = gradient.map { abs($0) }.max()!
            #expect(zip(gradient, other).allSatisfy { abs($0 - $1) <= 1e-4 * scale }, "\(name)")
        }
    }

    @Test func bitIdenticalWhateverTheThreadCount() throws {
        var runs: [[[Float]]] = []
        for (threads, parallelism) in [(1, BatchParallelism.withinOperations), (2, .acrossParts), (3, .withinOperations)] {
            let trainer = Self.denoisingTrainer(parallelism: parallelism)
            let batches = ImageBatches(Self.images(), batchSize: 3, seed: 5)
            var losses: [Float] = []
            try withComputeThreads(threads) {
                for epoch in 0..<2 { losses.append(Float(try trainer.train(on: batches.epoch(epoch))["loss"]!)) }
            }
            runs.append([losses] + trainer.model.parameters.map(\.scalars))
        }
        for run in runs.dropFirst() { #expect(run == runs[0]) }
    }

    @Test func aNonFiniteGradientWithAFiniteLossIsRefusedWithoutUpdating() throws {
        let model = ModelStateTests.denoiser(seed: 1)
        // √x at 0 has an infinite derivative while the loss stays finite.
        let trainer = Trainer<Sequential<Float>, Tensor<Float>>(model: model, optimizer: SGD<Float>()) { model, batch in
            (model(batch) * 0).squared().sum().squareRoot()
        }
        let before = model.parameters.map(\.scalars)
        do {
            try trainer.step(SyntheticImages.make(count: 2, height: 6, width: 6)[0])
            Issue.record("no error")
        } catch {
            #expect(error.step == 1 && error.metrics["loss"] == 0)
            #expect(error.description.hasPrefix("training step 1: the gradient of '0.weight' is not finite"))
        }
        #expect(model.parameters.map(\.scalars) == before && trainer.updateCount == 0)
    }

    @Test func frozenParametersWithoutAGradientStayAsTheyAre() {
        let model = ModelStateTests.denoiser(seed: 1)
        let before = model.parameters.map(\.scalars)
        let optimizer = SGD<Float>(learningRate: 0.1)
        optimizer.update(model, along: ["2.bias": Tensor(shape: [3], scalars: [1, 2, 3])])
        let after = model.parameters.map(\.scalars)
        #expect(after[0] == before[0] && after[1] == before[1] && after[2] == before[2])
        #expect(zip(zip(after[3], before[3]), [0.1, 0.2, 0.3]).allSatisfy { abs(Double($0.1 - $0.0) - $1) < 1e-7 })
        #expect(optimizer.state.step == 1)
    }
}
