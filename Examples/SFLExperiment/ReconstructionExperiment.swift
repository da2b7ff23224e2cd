import Foundation
import SFLKit

/// Where an experiment stands after an epoch, for a progress display.
public struct ExperimentProgress: Sendable {
    /// The epoch just completed (from 1).
    public var epoch: Int
    /// The epoch the experiment trains to.
    public var totalEpochs: Int
    /// The losses of each run in this epoch, in run order.
    public var losses: [(run: ExperimentRun, losses: EpochLosses)]
    /// The LoG scales, in subband order.
    public var sigmas: [Double]
    /// Seconds since this session started training.
    public var elapsedSeconds: Double
    /// Estimated seconds to the last epoch, from this session's pace.
    public var remainingSeconds: Double
}

/// What an experiment session did.
public struct ExperimentOutcome: Sendable {
    /// The epoch reached by every run.
    public var completedEpochs: Int
    /// The epoch the session started from (0 unless resumed).
    public var startEpoch: Int
    /// Whether the session stopped before ``ExperimentSettings/epochs`` (on request).
    public var stoppedEarly: Bool
    /// The losses of the last epoch of each run, in run order.
    public var finalLosses: [(run: ExperimentRun, losses: EpochLosses)]
    /// The files written, relative to the output folder, sorted.
    public var files: [String]
    /// Wall-clock seconds of this session.
    public var sessionSeconds: Double
    /// The plain-text comparison table (per-subband SFL of both runs and their ratios).
    public var comparison: String
}

/// The paper's experiment (Sec. 4) end to end: trains the autoencoder with
/// the pixel loss alone and with pixel loss + SFL, from the same initial
/// weights and on the same full batch, epoch by epoch in turn, and writes
/// everything to the output folder:
///
/// | file | content |
/// |---|---|
/// | `curves-pl.csv`, `curves-pl-sfl.csv` | learning curves (``LearningCurves``) |
/// | `fig5a-loss.svg`, `fig5b-sfl-sigma0.8.svg`, … | Fig. 5: E / E_PL and each per-subband SFL of both runs |
/// | `fig6-reconstructions.png` | Fig. 6: original / PL / PL + SFL, then the same magnified crop of each |
/// | `fig7-snapshots.png`, `snapshots/*.png` | Fig. 7: reconstructions of the first image at the snapshot epochs |
/// | `checkpoint-pl.ckpt`, `checkpoint-pl-sfl.ckpt` | the runs' last checkpoints (``Checkpoint``) |
/// | `summary.md` | every setting, the result table, links to every file |
///
/// Training is deterministic, and a session resumed from the checkpoints
/// (``ExperimentSettings/resume``) gives bit-identical results to an
/// uninterrupted one. Every file is written atomically.
public final class ReconstructionExperiment {
    /// The settings.
    public let settings: ExperimentSettings
    /// The images.
    public let dataset: ExperimentDataset
    /// The output folder.
    public let outputFolder: URL

    /// How many images Fig. 6 shows.
    static let figureImageCount = 3
    /// Seconds between checkpoints (besides snapshot epochs, a stop and the end).
    static let checkpointInterval = 60.0

    /// Creates an experiment; nothing is read or written until ``run(shouldStop:progress:)``.
    public init(settings: ExperimentSettings, dataset: ExperimentDataset) {
        self.settings = settings
        self.dataset = dataset
        outputFolder = URL(fileURLWithPath: settings.outputFolder)
    }

    /// The checkpoint file of `run`, relative to the output folder.
    public static func checkpointFile(_ run: ExperimentRun) -> String { "checkpoint-\(run.rawValue).ckpt" }
    /// The learning-curve file of `run`, relative to the output folder.
    public static func curvesFile(_ run: ExperimentRun) -> String { "curves-\(run.rawValue).csv" }
    /// The snapshot of `run` after `epoch`, relative to the output folder.
    public static func snapshotFile(_ run: ExperimentRun, epoch: Int) -> String {
        "snapshots/\(run.rawValue)-epoch-" + String(format: "%05d", epoch) + ".png"
    }

    /// One run's model, optimizer, trainer and curves.
    final class RunState {
        let run: ExperimentRun
        let model: ConvolutionalAutoencoder<Float>
        let optimizer: any Optimizer<Float>
        let trainer: FullBatchTrainer<ConvolutionalAutoencoder<Float>>
        var curves: LearningCurves
        /// Training seconds of the run before this session.
        var previousSeconds = 0.0
        /// Training seconds of the run in this session.
        var sessionSeconds = 0.0

        init(run: ExperimentRun, settings: ExperimentSettings, images: [Tensor<Float>]) {
            self.run = run
            var generator = SeededGenerator(seed: settings.seed)
            model = ConvolutionalAutoencoder<Float>(using: &generator)
            optimizer = settings.optimizer == .sgd
                ? SGD<Float>(learningRate: settings.learningRate, momentum: settings.momentum)
                : Adam<Float>(learningRate: settings.learningRate)
            let loss = SpatialFrequencyLoss<Float>(bank: LoGFilterBank(sigmas: settings.sigmas), subbandWeights: settings.subbandWeights)
            trainer = FullBatchTrainer(model: model, optimizer: optimizer, images: images, spatialFrequencyLoss: loss,
                                       optimizesSpatialFrequencyLoss: run.optimizesSpatialFrequencyLoss, monitorsSpatialFrequencyLoss: true)
            curves = LearningCurves(metricNames: EpochLosses.curveColumns(channelCount: images[0].shape[1], sigmas: settings.sigmas))
        }
    }

    /// The metadata recorded in (and checked against) each checkpoint.
    var checkpointMetadata: [String: String] {
        settings.fingerprint.merging(["dataChecksum": String(dataset.checksum), "imageCountLoaded": String(dataset.images.count)]) { $1 }
    }

    private func url(_ relative: String) -> URL { outputFolder.appendingPathComponent(relative) }

    /// Trains (or resumes) both runs to ``ExperimentSettings/epochs`` and writes every output.
    ///
    /// - Parameters:
    ///   - shouldStop: asked before each epoch; when it returns true the
    ///     session stops, saves checkpoints, curves and reports, and returns.
    ///   - progress: called after each epoch.
    /// - Throws: ``ExperimentError`` when a file cannot be read or written,
    ///   the checkpoints do not match the settings, or a loss is not finite
    ///   (the last good state is saved first).
    public func run(shouldStop: () -> Bool = { false }, progress: (ExperimentProgress) -> Void = { _ in }) throws(ExperimentError) -> ExperimentOutcome {
        let sessionStart = ContinuousClock.now
        do {
            try FileManager.default.createDirectory(at: url("snapshots"), withIntermediateDirectories: true)
        } catch let error {
            throw ExperimentError("cannot create the output folder \(url("snapshots").path) (\(error.localizedDescription))")
        }
        let result = withComputeThreads(settings.threads) {
            Result { () throws(ExperimentError) -> ExperimentOutcome in try session(started: sessionStart, shouldStop: shouldStop, progress: progress) }
        }
        return try result.get()
    }

    /// The body of ``run(shouldStop:progress:)``, with the thread count set.
    private func session(started sessionStart: ContinuousClock.Instant, shouldStop: () -> Bool,
                         progress: (ExperimentProgress) -> Void) throws(ExperimentError) -> ExperimentOutcome {
        let states = settings.selectedRuns.map { RunState(run: $0, settings: settings, images: dataset.images) }
        if settings.resume {
            for state in states { try restore(state) }
        }
        let startEpoch = states.map(\.trainer.epoch).min() ?? 0
        try write(Image(tensor: dataset.images[0]), to: "snapshots/original.png")

        var lastSave = ContinuousClock.now
        var epoch = startEpoch
        var stoppedEarly = false
        while epoch < settings.epochs {
            if shouldStop() {
                stoppedEarly = true
                break
            }
            epoch += 1
            for state in states where state.trainer.epoch < epoch {
                try step(state)
                if settings.resolvedSnapshotEpochs.contains(epoch) { try writeSnapshot(of: state) }
            }
            if settings.resolvedSnapshotEpochs.contains(epoch) || ContinuousClock.now - lastSave > .seconds(Self.checkpointInterval) {
                for state in states { try save(state) }
                lastSave = ContinuousClock.now
            }
            let elapsed = seconds(ContinuousClock.now - sessionStart)
            progress(ExperimentProgress(
                epoch: epoch, totalEpochs: settings.epochs,
                losses: states.compactMap { state in state.curves.records.last.map { (state.run, EpochLosses($0.metrics)) } },
                sigmas: settings.sigmas, elapsedSeconds: elapsed,
                remainingSeconds: elapsed / Double(epoch - startEpoch) * Double(settings.epochs - epoch)))
        }
        for state in states { try save(state) }
        try writeFigures(states, epoch: epoch)
        let finalLosses = states.compactMap { state in state.curves.records.last.map { (state.run, EpochLosses($0.metrics)) } }
        let comparison = ExperimentReport.comparisonTable(finalLosses, sigmas: settings.sigmas, epoch: epoch)
        let sessionSeconds = seconds(ContinuousClock.now - sessionStart)
        let files = outputFiles(states, epoch: epoch)
        let summary = ExperimentReport.summary(settings: settings, dataset: dataset, states: states.map { ($0.run, $0.curves) },
                                               epoch: epoch, stoppedEarly: stoppedEarly, sessionSeconds: sessionSeconds, files: files)
        try write(text: summary, to: "summary.md")
        return ExperimentOutcome(completedEpochs: epoch, startEpoch: startEpoch, stoppedEarly: stoppedEarly, finalLosses: finalLosses,
                                 files: files, sessionSeconds: sessionSeconds, comparison: comparison)
    }

    // MARK: - Training

    /// One epoch of one run, recorded in its curves; on a non-finite loss the
    /// last good state is saved and the error explains it.
    private func step(_ state: RunState) throws(ExperimentError) {
        let start = ContinuousClock.now
        let metrics: TrainingMetrics
        do {
            metrics = try state.trainer.step()
        } catch {
            try save(state)
            throw ExperimentError("\(state.run.title): \(error); its checkpoint after epoch \(state.trainer.epoch) is saved in \(outputFolder.path)")
        }
        state.sessionSeconds += seconds(ContinuousClock.now - start)
        state.curves.append(epoch: state.trainer.epoch, metrics: EpochLosses.curveMetrics(metrics), elapsedSeconds: state.previousSeconds + state.sessionSeconds)
    }

    /// Writes the run's curves, then its checkpoint (so the curves are never behind the checkpoint).
    private func save(_ state: RunState) throws(ExperimentError) {
        do {
            try state.curves.write(to: url(Self.curvesFile(state.run)))
        } catch {
            throw ExperimentError("cannot write the learning curves: \(error)")
        }
        var metadata = checkpointMetadata
        metadata["run"] = state.run.rawValue
        let checkpoint = Checkpoint(model: state.model, optimizer: state.optimizer, epoch: state.trainer.epoch, metadata: metadata)
        do {
            try checkpoint.write(to: url(Self.checkpointFile(state.run)))
        } catch {
            throw ExperimentError("cannot write a checkpoint: \(error)")
        }
    }

    /// Restores a run from its checkpoint and curves, after checking that they
    /// were made with the same settings and data.
    private func restore(_ state: RunState) throws(ExperimentError) {
        let file = url(Self.checkpointFile(state.run))
        let checkpoint: Checkpoint<Float>
        do { checkpoint = try Checkpoint<Float>(contentsOf: file) } catch {
            throw ExperimentError("--resume: \(error)")
        }
        for (key, value) in checkpointMetadata.sorted(by: { $0.key < $1.key }) where checkpoint.metadata[key] != value {
            let stored = checkpoint.metadata[key] ?? "nothing"
            throw ExperimentError("--resume: \(file.path) was made with \(key) = \(stored), this run has \(value); give the same options as the interrupted run")
        }
        do { try checkpoint.restore(model: state.model, optimizer: state.optimizer, source: file.path) } catch {
            throw ExperimentError("--resume: \(error)")
        }
        do {
            state.curves = try LearningCurves(contentsOf: url(Self.curvesFile(state.run)))
        } catch {
            throw ExperimentError("--resume: \(error)")
        }
        state.curves.truncate(afterEpoch: checkpoint.epoch)
        guard state.curves.records.count == checkpoint.epoch,
              state.curves.metricNames == EpochLosses.curveColumns(channelCount: dataset.images[0].shape[1], sigmas: settings.sigmas) else {
            throw ExperimentError("--resume: \(url(Self.curvesFile(state.run)).path) holds \(state.curves.records.count) epochs, its checkpoint \(checkpoint.epoch)")
        }
        state.previousSeconds = state.curves.records.last?.elapsedSeconds ?? 0
    }

    // MARK: - Outputs

    private func writeSnapshot(of state: RunState) throws(ExperimentError) {
        let reconstruction = withoutGradients { state.model(dataset.images[0]) }
        try write(Image(tensor: reconstruction), to: Self.snapshotFile(state.run, epoch: state.trainer.epoch))
    }

    /// Fig. 5 plots, the Fig. 6 grid and the Fig. 7 grid.
    private func writeFigures(_ states: [RunState], epoch: Int) throws(ExperimentError) {
        for plot in ExperimentReport.learningCurvePlots(states.map { ($0.run, $0.curves) }, sigmas: settings.sigmas) {
            do { try plot.plot.write(to: url(plot.file)) } catch { throw ExperimentError("cannot write a plot: \(error)") }
        }
        // Fig. 6: original | runs…, then the same crop of each, magnified.
        var rows: [[Image?]] = []
        for index in 0..<min(Self.figureImageCount, dataset.images.count) {
            let image = dataset.images[index]
            let panels = [Image(tensor: image)] + states.map { state in Image(tensor: withoutGradients { state.model(image) }) }
            let (region, magnification) = ExperimentReport.detail(of: panels[0])
            rows.append(panels.map { $0.outlining(region, colour: [255, 215, 0]) } + panels.map { $0.cropped(to: region).magnified(by: magnification) })
        }
        try write(ImageGrid.compose(rows), to: "fig6-reconstructions.png")
        // Fig. 7: per run, the original and the snapshots saved so far.
        let epochs = settings.resolvedSnapshotEpochs.filter { $0 <= epoch }
        let original = try? Image(contentsOf: url("snapshots/original.png"))
        let snapshotRows: [[Image?]] = states.map { state in
            [original] + epochs.map { epoch in try? Image(contentsOf: url(Self.snapshotFile(state.run, epoch: epoch))) }
        }
        try write(ImageGrid.compose(snapshotRows), to: "fig7-snapshots.png")
    }

    private func write(_ image: Image, to relative: String) throws(ExperimentError) {
        do { try image.write(to: url(relative)) } catch { throw ExperimentError("cannot write an image: \(error)") }
    }

    private func write(text: String, to relative: String) throws(ExperimentError) {
        let file = url(relative)
        do { try Data(text.utf8).write(to: file, options: .atomic) } catch {
            throw ExperimentError("cannot write \(file.path) (\(error.localizedDescription))")
        }
    }

    /// The files this experiment has written for `states` up to `epoch`, relative, sorted.
    private func outputFiles(_ states: [RunState], epoch: Int) -> [String] {
        var files = ["summary.md", "fig6-reconstructions.png", "fig7-snapshots.png", "snapshots/original.png"]
        files += ExperimentReport.learningCurvePlots(states.map { ($0.run, $0.curves) }, sigmas: settings.sigmas).map(\.file)
        for state in states {
            files += [Self.curvesFile(state.run), Self.checkpointFile(state.run)]
            files += settings.resolvedSnapshotEpochs.filter { $0 <= epoch }.map { Self.snapshotFile(state.run, epoch: $0) }
        }
        return files.filter { FileManager.default.fileExists(atPath: url($0).path) || $0 == "summary.md" }.sorted()
    }
}

/// A duration in seconds.
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}
