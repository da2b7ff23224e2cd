import Foundation
import Testing
import SFLKit

// The code of the DocC articles, verbatim between BEGIN/END markers, compiled and run here;
// `articleShowsThisCode` checks that each article's Swift blocks are exactly these sections.

// BEGIN DefiningAModel
final class Denoiser: Layer {
    let conv1: Conv2D<Float>
    let conv2: Conv2D<Float>

    init(channels: Int, using generator: inout SeededGenerator) {
        conv1 = Conv2D(inputChannels: 3, outputChannels: channels, kernelSize: 3, padding: .same, initializer: .heNormal, using: &generator)
        conv2 = Conv2D(inputChannels: channels, outputChannels: 3, kernelSize: 3, padding: .same, using: &generator)
    }

    func callAsFunction(_ images: Tensor<Float>) -> Tensor<Float> {
        images + conv2(conv1(images, then: .relu))   // the ReLU is fused into conv1's stores
    }

    func visitParameters(_ visit: (String, inout Tensor<Float>) -> Void) {
        conv1.visitParameters { name, parameter in visit("conv1.\(name)", &parameter) }
        conv2.visitParameters { name, parameter in visit("conv2.\(name)", &parameter) }
    }
}
// END DefiningAModel

@Suite struct ArticleTests {
    /// A folder of six small synthetic photographs of two sizes, and an output folder.
    static func folders() throws -> (root: URL, photos: URL, output: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sfl-articles-\(UUID().uuidString)")
        let photos = root.appendingPathComponent("photos"), output = root.appendingPathComponent("out")
        for folder in [photos, output] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        let images: [Tensor<Float>] = SyntheticImages.make(count: 3, height: 48, width: 64, seed: 3)
            + SyntheticImages.make(count: 3, height: 64, width: 48, seed: 4)
        for (index, image) in images.enumerated() { try Image(tensor: image).write(to: photos.appendingPathComponent("photo-\(index).png")) }
        return (root, photos, output)
    }

    @Test func definingAModel() throws {
        // BEGIN DefiningAModel
        var generator = SeededGenerator(seed: 1)
        let stacked = Sequential<Float>([
            Conv2D(inputChannels: 3, outputChannels: 16, kernelSize: 3, padding: .same, initializer: .heNormal, using: &generator),
            ActivationLayer(.relu),
            Upsample(.factor(2)),
            Conv2D(inputChannels: 16, outputChannels: 3, kernelSize: 3, padding: .same, using: &generator),
            ActivationLayer(.tanh),
        ])
        let image: Tensor<Float> = SyntheticImages.make(count: 1, height: 24, width: 32)[0]   // [1, 3, 24, 32] in [−1, 1]
        print(stacked(image).shape)                   // [1, 3, 48, 64]
        print(stacked.namedParameters.map(\.name))    // ["0.weight", "0.bias", "3.weight", "3.bias"]
        // END DefiningAModel
        #expect(stacked(image).shape == [1, 3, 48, 64])
        #expect(stacked.namedParameters.map(\.name) == ["0.weight", "0.bias", "3.weight", "3.bias"])

        // BEGIN DefiningAModel
        let denoiser = Denoiser(channels: 8, using: &generator)
        let loss = PixelLoss()(denoiser(image * 0.8), image)
        let gradients = loss.gradients(withRespectTo: denoiser.parameters)
        print(denoiser.parameterCount, gradients.map(\.shape))   // 443 [[8, 3, 3, 3], [8], [3, 8, 3, 3], [3]]
        // END DefiningAModel
        #expect(denoiser.parameterCount == 443)
        #expect(gradients.map(\.shape) == [[8, 3, 3, 3], [8], [3, 8, 3, 3], [3]])
        #expect(denoiser.namedParameters.map(\.name) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"])
    }

    @Test func writingATrainingLoop() throws {
        let (root, photos, output) = try Self.folders()
        defer { try? FileManager.default.removeItem(at: root) }
        // BEGIN WritingATrainingLoop
        let folder = try ImageFolder(url: photos, options: .init(longestSide: 64))
        let images = folder.images.map { Tensor<Float>(image: $0) }
        let batches = ImageBatches(images, batchSize: 4, seed: 7)   // a new order every epoch, the same for the same seed
        // END WritingATrainingLoop
        #expect(images.count == 6 && batches.batchesPerEpoch == 2)

        // BEGIN WritingATrainingLoop
        var generator = SeededGenerator(seed: 1)
        let model = Sequential<Float>([
            Conv2D(inputChannels: 3, outputChannels: 16, kernelSize: 3, padding: .same, initializer: .heNormal, using: &generator),
            ActivationLayer(.relu),
            Conv2D(inputChannels: 16, outputChannels: 3, kernelSize: 3, padding: .same, using: &generator),
        ])
        let spatialFrequencyLoss = SpatialFrequencyLoss<Float>()
        let trainer = Trainer<Sequential<Float>, ImageBatch<Float>>(model: model, optimizer: Adam(learningRate: 2e-3)) { model, batch, metrics in
            let reconstruction = model(batch.images * 0.6)
            let pixel = PixelLoss()(reconstruction, batch.images)
            let frequency = spatialFrequencyLoss(reconstruction, batch.images)
            metrics.record("PL", pixel)
            metrics.record("SFL", frequency)
            return pixel + frequency
        }
        // END WritingATrainingLoop
        let before = trainer.evaluate(batches.epoch(0).joined())

        // BEGIN WritingATrainingLoop
        var curves = LearningCurves(metricNames: ["loss", "PL", "SFL"])
        for epoch in 0..<20 {
            let metrics = try trainer.train(on: batches.epoch(epoch))
            curves.append(epoch: epoch + 1, metrics: metrics, elapsedSeconds: 0)
        }
        try curves.write(to: output.appendingPathComponent("curves.csv"))
        let evaluation = trainer.evaluate(batches.epoch(0).joined())   // no update, no gradients
        print("after 20 epochs:", evaluation)                          // loss …, PL …, SFL …
        // END WritingATrainingLoop
        #expect(evaluation["loss"]! < 0.5 * before["loss"]!, "loss \(before["loss"]!) → \(evaluation["loss"]!)")
        #expect(try LearningCurves(contentsOf: output.appendingPathComponent("curves.csv")) == curves)

        // BEGIN WritingATrainingLoop
        let optimizer = SGD<Float>(learningRate: 0.01, momentum: 0.9)
        for image in images.prefix(2) {
            PixelLoss()(model(image * 0.6), image).backward()
            optimizer.step(model)   // the new parameters carry no gradient: nothing to zero
        }
        // END WritingATrainingLoop
        #expect(optimizer.state.step == 2 && model.parameters.allSatisfy { $0.gradient == nil })
    }

    @Test func savingLoadingAndInference() throws {
        let (root, photos, output) = try Self.folders()
        defer { try? FileManager.default.removeItem(at: root) }
        let weights = root.appendingPathComponent("weights.ckpt"), checkpointFile = root.appendingPathComponent("run.ckpt")
        let autoencoderCheckpoint = root.appendingPathComponent("autoencoder.ckpt")
        var setup = SeededGenerator(seed: 5)
        let model = Sequential<Float>([
            Conv2D(inputChannels: 3, outputChannels: 16, kernelSize: 3, padding: .same, using: &setup),
            ActivationLayer(.relu),
            Conv2D(inputChannels: 16, outputChannels: 3, kernelSize: 3, padding: .same, using: &setup),
        ])
        let image: Tensor<Float> = SyntheticImages.make(count: 1, height: 24, width: 32)[0]
        try Checkpoint(model: ConvolutionalAutoencoder<Float>(using: &setup)).write(to: autoencoderCheckpoint)

        // BEGIN SavingLoadingAndInference
        try model.saveParameters(to: weights)

        var generator = SeededGenerator(seed: 99)
        let fresh = Sequential<Float>([
            Conv2D(inputChannels: 3, outputChannels: 16, kernelSize: 3, padding: .same, using: &generator),
            ActivationLayer(.relu),
            Conv2D(inputChannels: 16, outputChannels: 3, kernelSize: 3, padding: .same, using: &generator),
        ])
        try fresh.loadParameters(from: weights)
        print(fresh(image).scalars == model(image).scalars)   // true: bit-identical outputs
        // END SavingLoadingAndInference
        #expect(fresh(image).scalars == model(image).scalars)

        // BEGIN SavingLoadingAndInference
        let optimizer = Adam<Float>(learningRate: 1e-3)
        try Checkpoint(model: model, optimizer: optimizer, epoch: 12).write(to: checkpointFile)

        let resumed = try Checkpoint<Float>(contentsOf: checkpointFile)
        try resumed.restore(model: fresh, optimizer: optimizer)   // checks the optimizer type and every name and shape
        print(resumed.epoch)                                      // 12
        // END SavingLoadingAndInference
        #expect(resumed.epoch == 12)

        // BEGIN SavingLoadingAndInference
        let autoencoder = try ConvolutionalAutoencoder<Float>(contentsOf: autoencoderCheckpoint)
        let result = try FolderReconstruction(model: autoencoder, folder: photos, options: .init(longestSide: 64))
        try result.write(to: output)   // reconstructions/<name>.png and metrics.csv
        print(result.mean!.peakSignalToNoiseRatio, result.failures)
        // END SavingLoadingAndInference
        #expect(result.entries.count == 6 && result.failures.isEmpty)
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("reconstructions/photo-5.png").path))
        #expect(try String(contentsOf: output.appendingPathComponent("metrics.csv"), encoding: .utf8).split(separator: "\n").count == 7)
    }

    @Test func theSpatialFrequencyLoss() throws {
        let image: Tensor<Float> = SyntheticImages.make(count: 1, height: 24, width: 32)[0]
        // BEGIN TheSpatialFrequencyLoss
        let loss = SpatialFrequencyLoss<Float>()   // σ = 0.8, 1.6, 3.2; w = 100, 10, 10
        let blurred = image.upsampled(toHeight: 48, width: 64).upsampled(toHeight: 24, width: 32)   // a smoothed copy
        let parts = loss.breakdown(blurred, image)
        print(parts.value.scalar, parts.terms.scalars)   // E_SFL, then the SFL of each subband with w = 1
        let objective = PixelLoss()(blurred, image) + loss(blurred, image)   // the paper's E = E_PL + E_SFL (Eq. 7)
        // END TheSpatialFrequencyLoss
        let terms = parts.terms.scalars.map(Double.init)
        #expect(abs(Double(parts.value.scalar) - (100 * terms[0] + 10 * terms[1] + 10 * terms[2])) < 1e-5 * Double(parts.value.scalar))
        #expect(objective.scalar > parts.value.scalar && terms.allSatisfy { $0 > 0 })

        // BEGIN TheSpatialFrequencyLoss
        let response = loss.response(of: image)
        print(loss.breakdown(blurred, originalResponse: response).value.scalar == parts.value.scalar)   // true
        // END TheSpatialFrequencyLoss
        #expect(loss.breakdown(blurred, originalResponse: response).value.scalar == parts.value.scalar)
    }

    @Test(arguments: ["DefiningAModel", "WritingATrainingLoop", "SavingLoadingAndInference", "TheSpatialFrequencyLoss"])
    func articleShowsThisCode(_ article: String) throws {
        let catalog = SharedData.repositoryRoot.appendingPathComponent("Sources/SFLKit/SFLKit.docc")
        let markdown = try String(contentsOf: catalog.appendingPathComponent("\(article).md"), encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let shown = DocumentationCode.swiftBlocks(in: markdown)
        let tested = DocumentationCode.markedSections(in: source, marker: article)
        #expect(!shown.isEmpty)
        #expect(shown.sorted { $0.joined() < $1.joined() } == tested.sorted { $0.joined() < $1.joined() })
    }
}

/// Code shown in documentation and code marked in tests, compared line by line.
enum DocumentationCode {
    /// The trimmed, non-empty lines of `text`.
    static func lines(_ text: Substring) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Each ```swift block of a Markdown text, as lines (without `import SFLKit`).
    static func swiftBlocks(in markdown: String) -> [[String]] {
        var blocks: [[String]] = []
        var rest = markdown[...]
        while let start = rest.range(of: "```swift\n"), let end = rest.range(of: "```", range: start.upperBound..<rest.endIndex) {
            blocks.append(lines(rest[start.upperBound..<end.lowerBound]).filter { $0 != "import SFLKit" })
            rest = rest[end.upperBound...]
        }
        return blocks
    }

    /// Each section between `// BEGIN <marker>` and `// END <marker>` lines, as lines.
    static func markedSections(in source: String, marker: String) -> [[String]] {
        var sections: [[String]] = []
        var rest = source[...]
        while let start = rest.range(of: "// BEGIN \(marker)\n"), let end = rest.range(of: "// END \(marker)\n", range: start.upperBound..<rest.endIndex) {
            sections.append(lines(rest[start.upperBound..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        return sections
    }
}
