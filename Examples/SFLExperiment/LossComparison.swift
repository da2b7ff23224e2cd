import Foundation
import SFLKit

/// One trained and evaluated run of `sfl-example compare`.
public struct ComparisonRun: Sendable {
    /// The loss added to the pixel loss.
    public var loss: ComparedLoss
    /// Its weight `w`.
    public var weight: Double
    /// The training curves: `loss` (E), `E_PL` and `wE_X` of every epoch, before its update.
    public var curves: LearningCurves
    /// Wall-clock seconds of the training steps (no evaluation, no file writing).
    public var trainingSeconds: Double
    /// The figures of each held-out image.
    public var evaluation: [ReconstructionMetrics]
    /// Their mean, named after the loss.
    public var mean: ReconstructionMetrics
    /// The reconstructions of the first held-out images, for the figure.
    var figureReconstructions: [Image]

    /// Training seconds per epoch.
    public var secondsPerEpoch: Double { trainingSeconds / Double(max(curves.records.count, 1)) }
}

/// What `sfl-example compare` did.
public struct ComparisonOutcome: Sendable {
    /// The runs, in the order of ``ComparisonSettings/losses``.
    public var runs: [ComparisonRun]
    /// The text of `comparison.md`.
    public var report: String
    /// The files written, relative to the output folder, sorted.
    public var files: [String]
}

/// `sfl-example compare`: trains the paper's autoencoder once per loss from
/// the same initial weights on the same full batch, evaluates every run on
/// the same held-out images, and writes the comparison (see
/// ``ComparisonReport``). Runs are trained one after the other, each using
/// every compute thread across its images (the trainer's
/// ``BatchParallelism/acrossParts``).
public struct LossComparison: Sendable {
    /// The settings.
    public let settings: ComparisonSettings
    /// The training images.
    public let training: ExperimentDataset
    /// The held-out images.
    public let evaluation: ExperimentDataset

    /// How many held-out images the figure shows.
    static let figureImageCount = 3

    /// Loads the data `settings` describe and splits it.
    ///
    /// - Throws: ``ExperimentError`` when a folder cannot be read, holds no
    ///   image, or is too small to hold an image out.
    public init(settings: ComparisonSettings) throws(ExperimentError) {
        self.settings = settings
        let loaded: ExperimentDataset
        if let folder = settings.dataFolder {
            loaded = try ExperimentDataset.load(folder: folder, maxCount: settings.imageCount, longestSide: settings.longestSide)
        } else {
            loaded = ExperimentDataset.builtIn(count: settings.imageCount ?? 10, longestSide: settings.longestSide,
                                               seed: ExperimentSettings().builtInDataSeed)
        }
        if let folder = settings.evaluationFolder {
            training = loaded
            evaluation = try ExperimentDataset.load(folder: folder, maxCount: nil, longestSide: settings.longestSide)
        } else {
            let every = settings.heldOutEvery
            let heldOut = loaded.images.indices.filter { ($0 + 1) % every == 0 }
            guard !heldOut.isEmpty else {
                throw ExperimentError("compare: \(loaded.images.count) images hold none out (every \(every)th is held out); give more images, a smaller --held-out-every or --eval-data DIR")
            }
            let kept = loaded.images.indices.filter { ($0 + 1) % every != 0 }
            func subset(_ indices: [Int], _ words: String) -> ExperimentDataset {
                ExperimentDataset(images: indices.map { loaded.images[$0] }, names: indices.map { loaded.names[$0] },
                                  origin: "\(indices.count) \(words) of \(loaded.origin)", failures: loaded.failures)
            }
            training = subset(kept, "images (all but every \(every)th)")
            evaluation = subset(heldOut, "images held out (every \(every)th, counted from 1)")
        }
    }

    /// Trains and evaluates every run, then writes every output.
    ///
    /// - Parameter progress: called with a line of text after every tenth of each run and at its end.
    /// - Throws: ``ExperimentError`` when a run diverges (naming it) or a file cannot be written.
    public func run(progress: (String) -> Void = { _ in }) throws(ExperimentError) -> ComparisonOutcome {
        let output = URL(fileURLWithPath: settings.outputFolder)
        do {
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        } catch {
            throw ExperimentError("compare: cannot create the output folder \(output.path) (\(error.localizedDescription))")
        }
        let result = withComputeThreads(settings.threads) {
            Result { () throws(ExperimentError) -> [ComparisonRun] in
                var runs: [ComparisonRun] = []
                for loss in settings.losses { runs.append(try train(loss, progress: progress)) }
                return runs
            }
        }
        let runs = try result.get()
        let report = ComparisonReport(settings: settings, training: training, evaluation: evaluation, runs: runs)
        let files = try report.write(to: output)
        return ComparisonOutcome(runs: runs, report: report.markdown, files: files)
    }

    /// Trains one run and evaluates it on the held-out images.
    private func train(_ loss: ComparedLoss, progress: (String) -> Void) throws(ExperimentError) -> ComparisonRun {
        var generator = SeededGenerator(seed: settings.seed)
        let model = ConvolutionalAutoencoder<Float>(using: &generator)
        let optimizer: any Optimizer<Float> = settings.optimizer == .sgd
            ? SGD<Float>(learningRate: settings.learningRate, momentum: settings.momentum)
            : Adam<Float>(learningRate: settings.learningRate)
        let weight = settings.weight(of: loss)
        let objective = ComparisonObjective(loss: loss, weight: weight, images: training.images)
        let trainer = Trainer<ConvolutionalAutoencoder<Float>, ImageBatch<Float>>(model: model, optimizer: optimizer) { model, batch, metrics in
            objective(model, batch, &metrics)
        }
        let parts = ImageBatches(training.images, shuffle: false, grouping: .perImage).epoch(0)[0]
        var curves = LearningCurves(metricNames: ["loss", "E_PL", "wE_X"])
        var trainingSeconds = 0.0
        for epoch in 1...settings.epochs {
            let start = ContinuousClock.now
            let metrics: TrainingMetrics
            do { metrics = try trainer.step(parts) } catch {
                throw ExperimentError("compare: the \(loss.title) run diverged at epoch \(epoch): \(error.problem); try a smaller --lr or --weights \(loss.rawValue)=…")
            }
            trainingSeconds += seconds(ContinuousClock.now - start)
            curves.append(epoch: epoch, metrics: metrics, elapsedSeconds: trainingSeconds)
            if epoch == settings.epochs || epoch % max(1, settings.epochs / 10) == 0 {
                progress(String(format: "  %@  epoch %d/%d  E %.5g  E_PL %.5g  %.2f s/epoch", loss.title.padding(toLength: 13, withPad: " ", startingAt: 0),
                                epoch, settings.epochs, metrics["loss"] ?? .nan, metrics["E_PL"] ?? .nan, trainingSeconds / Double(epoch)))
            }
        }
        let evaluated = withoutGradients {
            zip(evaluation.images, evaluation.names).map { original, name in
                let reconstruction = model(original)
                return (ReconstructionMetrics(name: name, reconstruction: reconstruction, original: original), Image(tensor: reconstruction))
            }
        }
        var mean = ReconstructionMetrics.mean(of: evaluated.map(\.0))!
        mean.name = loss.rawValue
        return ComparisonRun(loss: loss, weight: weight, curves: curves, trainingSeconds: trainingSeconds, evaluation: evaluated.map(\.0),
                             mean: mean, figureReconstructions: evaluated.prefix(Self.figureImageCount).map(\.1))
    }
}
