import Foundation
import Testing
import SFLKit

/// The README's usage snippet, verbatim, run as a test; a second test checks
/// that the README still shows exactly this code.
@Suite struct ReadmeSnippetTests {
    @Test func snippetRuns() throws {
        // BEGIN README SNIPPET
        var generator = SeededGenerator(seed: 42)
        let model = Sequential<Float>([                                        // any model: a Layer
            Conv2D(inputChannels: 3, outputChannels: 16, kernelSize: 3, padding: .same, initializer: .heNormal, using: &generator),
            ActivationLayer(.relu),
            Conv2D(inputChannels: 16, outputChannels: 3, kernelSize: 3, padding: .same, using: &generator),
        ])
        let images: [Tensor<Float>] = SyntheticImages.make(count: 6, height: 48, width: 64)   // or ImageFolder(url:) of your photographs
        let batches = ImageBatches(images, batchSize: 3, seed: 7)             // seeded, shuffled mini-batches
        let sfl = SpatialFrequencyLoss<Float>()
        let trainer = Trainer<Sequential<Float>, ImageBatch<Float>>(model: model, optimizer: Adam(learningRate: 2e-3)) { model, batch, metrics in
            let reconstruction = model(batch.images * 0.6)                     // learn to undo a loss of contrast
            let pixel = PixelLoss()(reconstruction, batch.images)
            metrics.record("PL", pixel)
            return pixel + sfl(reconstruction, batch.images)                   // E = E_PL + E_SFL
        }
        for epoch in 0..<5 {
            print("epoch \(epoch + 1):", try trainer.train(on: batches.epoch(epoch)))   // loss …, PL …
        }
        let weights = FileManager.default.temporaryDirectory.appendingPathComponent("denoiser.ckpt")
        try model.saveParameters(to: weights)                                  // the weights alone, atomically

        // Any computation is differentiable, and gradients can be checked numerically.
        let x = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]).requiringGradient()
        (x * x).sum().backward()
        print(x.gradient!.scalars)                                             // [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]
        let report = checkGradients(at: [x.detached()]) { $0[0].tanh().sum() }
        print(report)                                                          // gradient check passed over 6 elements; …
        // END README SNIPPET
        defer { try? FileManager.default.removeItem(at: weights) }

        #expect(x.gradient!.scalars == [2, 4, 6, 8, 10, 12])
        #expect(trainer.updateCount == 10)
        #expect(try ModelState<Float>(contentsOf: weights).names == model.namedParameters.map(\.name))
        #expect(report.passed)
    }

    @Test func readmeShowsThisSnippet() throws {
        let readme = try String(contentsOf: SharedData.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        func lines(_ text: Substring) -> [String] {
            text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let marker = try #require(readme.range(of: "<!-- usage-snippet"))
        let blockStart = try #require(readme.range(of: "```swift\n", range: marker.upperBound..<readme.endIndex))
        let blockEnd = try #require(readme.range(of: "```", range: blockStart.upperBound..<readme.endIndex))
        let shown = lines(readme[blockStart.upperBound..<blockEnd.lowerBound]).filter { !$0.isEmpty && $0 != "import SFLKit" }
        let begin = try #require(source.range(of: "// BEGIN README SNIPPET\n"))
        let end = try #require(source.range(of: "// END README SNIPPET"))
        let tested = lines(source[begin.upperBound..<end.lowerBound]).filter { !$0.isEmpty }
        #expect(shown == tested)
    }
}
