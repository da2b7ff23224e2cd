import Foundation
import Testing
import SFLKit

/// The README's usage snippet, verbatim, run as a test; a second test checks
/// that the README still shows exactly this code.
@Suite struct ReadmeSnippetTests {
    @Test func snippetRuns() throws {
        // BEGIN README SNIPPET
        var generator = SeededGenerator(seed: 42)
        let model = ConvolutionalAutoencoder<Float>(using: &generator)        // the paper's Table 1
        let images: [Tensor<Float>] = SyntheticImages.make(count: 4, height: 48, width: 64)
        let trainer = FullBatchTrainer(model: model, optimizer: Adam<Float>(learningRate: 1e-3), images: images)
        for epoch in 1...3 {
            let metrics = try trainer.step()                                 // E = E_PL + E_SFL, one full-batch update
            print("epoch \(epoch): E = \(metrics["loss"]!), E_SFL = \(metrics["E_SFL"]!)")
        }
        let features = model.encode(images[0])                               // [1, 16, 24, 32]: the paper's features

        // Any computation is differentiable, and gradients can be checked numerically.
        let x = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]).requiringGradient()
        (x * x).sum().backward()
        print(x.gradient!.scalars)                                           // [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]
        let report = checkGradients(at: [x.detached()]) { $0[0].tanh().sum() }
        print(report)                                                        // gradient check passed over 6 elements; …
        // END README SNIPPET

        #expect(features.shape == [1, 16, 24, 32])
        #expect(x.gradient!.scalars == [2, 4, 6, 8, 10, 12])
        #expect(report.passed)
        #expect(trainer.epoch == 3)
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
