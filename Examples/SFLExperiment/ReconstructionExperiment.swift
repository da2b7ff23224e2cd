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
/// | `checkpoint-pl.ckpt`, `checkpoint-pl-sfl.ckpt` | the runs' last good checkpoints (``Checkpoint``) |
/// | `diverged-pl.ckpt`, `diverged-pl-sfl.ckpt` | only after a divergence: the state whose loss or gradients were not finite |
/// | `summary.md` | every setting, the result table, links to every file |
///
/// Training is deterministic, and a session resumed from the checkpoints
/// (``ExperimentSettings/resume``) gives bit-identical results to an
/// uninterrupted one. Every file is written atomically.
///
/// A checkpoint is written only for a state whose loss and gradients have
/// been computed and found finite (at the start of the next epoch, before
/// its update, or by one extra evaluation when the session ends), so the
/// checkpoint on disk is always a good state to resume from. When a run
/// diverges the session stops with a ``DivergenceError``, leaving that
/// checkpoint and its curves untouched; `--resume` with a smaller `--lr`
/// continues from it (the learning rates used are recorded in the
/// checkpoint's `learningRates` metadata).
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
    /// The file of `run`'s diverged state, relative to the output folder.
    public static func divergedCheckpointFile(_ run: ExperimentRun) -> String { "diverged-\(run.rawValue).ckpt" }
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
        /// Whether the current state is to be saved once its loss and gradients are found finite.
        var savePending = false
        /// The epoch of the run's good checkpoint on disk, if this session wrote or resumed one.
        var savedEpoch: Int?
        /// The learning rates used so far, as `"<rate> from epoch <n>"`, comma-separated.
        var learningRates: String

        init(run: ExperimentRun, settings: ExperimentSettings, images: [Tensor<Float>]) {
            self.run = run
            var generator = SeededGenerator(seed: settings.seed)
            model = ConvolutionalAutoencoder<Float>(using: &generator)
            if settings.meanColourBias { model.setOutputBias(toColour: ConvolutionalAutoencoder<Float>.meanColour(of: images)) }
            optimizer = settings.optimizer == .sgd
                ? SGD<Float>(learningRate: settings.learningRate, momentum: settings.momentum)
                : Adam<Float>(learningRate: settings.learningRate)
            let loss = SpatialFrequencyLoss<Float>(bank: LoGFilterBank(sigmas: settings.sigmas), subbandWeights: settings.subbandWeights)
            let lowPass = settings.lowPassWeight > 0 ? LowPassLoss<Float>(sigma: settings.lowPassSigma, weight: settings.lowPassWeight) : nil
            trainer = FullBatchTrainer(model: model, optimizer: optimizer, images: images,
                                       pixelLoss: PixelLoss(colourSpace: settings.pixelColourSpace, channelWeights: settings.pixelChannelWeights),
                                       spatialFrequencyLoss: loss,
                                       optimizesSpatialFrequencyLoss: run.optimizesSpatialFrequencyLoss, monitorsSpatialFrequencyLoss: true,
                                       lowPassLoss: lowPass, monitorsColour: true)
            curves = LearningCurves(metricNames: EpochLosses.curveColumns(channelCount: images[0].shape[1], sigmas: settings.sigmas,
                                                                          lowPass: trainer.lowPassLoss != nil))
            learningRates = "\(settings.learningRate) from epoch 1"
        }
    }

    /// The metadata recorded in (and checked against) each checkpoint.
    var checkpointMetadata: [String: String] {
        settings.fingerprint.merging(["dataChecksum": String(dataset.checksum), "imageCountLoaded": String(dataset.images.count)]) { $1 }
    }

    /// The file `relative` in the output folder.
    func url(_ relative: String) -> URL { outputFolder.appendingPathComponent(relative) }

    /// Trains (or resumes) both runs to ``ExperimentSettings/epochs`` and writes every output.
    ///
    /// - Parameters:
    ///   - shouldStop: asked before each epoch; when it returns true the
    ///     session stops, saves checkpoints, curves and reports, and returns.
    ///   - progress: called after each epoch.
    /// - Throws: ``ExperimentError`` when a file cannot be read or written;
    ///   with the cause ``ExperimentError/Cause/resume(_:)`` when `--resume`
    ///   finds the checkpoints, curves and options inconsistent (nothing is
    ///   written then), and ``ExperimentError/Cause/divergence(_:)`` when a
    ///   loss or gradient is not finite (the last good checkpoint is kept).
    public func run(shouldStop: () -> Bool = { false }, progress: (ExperimentProgress) -> Void = { _ in }) throws(ExperimentError) -> ExperimentOutcome {
        let sessionStart = ContinuousClock.now
        let result = withComputeThreads(settings.threads) {
            Result { () throws(ExperimentError) -> ExperimentOutcome in try session(started: sessionStart, shouldStop: shouldStop, progress: progress) }
        }
        return try result.get()
    }

    /// The body of ``run(shouldStop:progress:)``, with the thread count set.
    private func session(started sessionStart: ContinuousClock.Instant, shouldStop: () -> Bool,
                         progress: (ExperimentProgress) -> Void) throws(ExperimentError) -> ExperimentOutcome {
        try checkColourRemedies()
        let states = settings.selectedRuns.map { RunState(run: $0, settings: settings, images: dataset.images) }
        if settings.resume {
            for state in states { try restore(state) }   // reads and checks every file before anything is written
        }
        do {
            try FileManager.default.createDirectory(at: url("snapshots"), withIntermediateDirectories: true)
        } catch let error {
            throw ExperimentError("cannot create the output folder \(url("snapshots").path) (\(error.localizedDescription))")
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
                for state in states { state.savePending = true }   // saved by the next epoch once found finite
                lastSave = ContinuousClock.now
            }
            let elapsed = seconds(ContinuousClock.now - sessionStart)
            progress(ExperimentProgress(
                epoch: epoch, totalEpochs: settings.epochs,
                losses: states.compactMap { state in state.curves.records.last.map { (state.run, EpochLosses($0.metrics)) } },
                sigmas: settings.sigmas, elapsedSeconds: elapsed,
                remainingSeconds: elapsed / Double(epoch - startEpoch) * Double(settings.epochs - epoch)))
        }
        for state in states { try saveChecked(state) }
        try writeFigures(states, epoch: epoch)
        let finalLosses = states.compactMap { state in state.curves.records.last.map { (state.run, EpochLosses($0.metrics)) } }
        let comparison = ExperimentReport.comparisonTable(finalLosses, sigmas: settings.sigmas, epoch: epoch)
        let sessionSeconds = seconds(ContinuousClock.now - sessionStart)
        let files = outputFiles(states, epoch: epoch)
        let summary = ExperimentReport.summary(settings: settings, dataset: dataset, states: states.map { ($0.run, $0.curves) },
                                               epoch: epoch, stoppedEarly: stoppedEarly, sessionSeconds: sessionSeconds, files: files,
                                               learningRates: states.map { ($0.run, $0.learningRates) })
        try write(text: summary, to: "summary.md")
        return ExperimentOutcome(completedEpochs: epoch, startEpoch: startEpoch, stoppedEarly: stoppedEarly, finalLosses: finalLosses,
                                 files: files, sessionSeconds: sessionSeconds, comparison: comparison)
    }

    /// Refuses colour remedies the images cannot take: a colour space other
    /// than RGB needs 3 channels, and the pixel weights one per channel.
    private func checkColourRemedies() throws(ExperimentError) {
        let channels = dataset.images[0].shape[1]
        if settings.pixelColourSpace != .rgb && channels != 3 {
            throw ExperimentError("--pixel-space \(settings.pixelColourSpace.rawValue) needs colour images; \(dataset.origin) has \(channels) channel(s)")
        }
        if let weights = settings.pixelChannelWeights, weights.count != channels {
            throw ExperimentError("--pixel-weights gives \(weights.count) weights for \(channels) image channel(s) (\(dataset.origin)); give one per channel")
        }
    }

    // MARK: - Training

    /// One epoch of one run, recorded in its curves. The loss and gradients
    /// are checked first; a pending save then writes the state they were
    /// computed from (now known to be good), and the update is applied.
    ///
    /// - Throws: ``ExperimentError`` with a ``DivergenceError`` when the loss
    ///   or a gradient is not finite; nothing is updated and the run's
    ///   checkpoint and curves are left as they are.
    private func step(_ state: RunState) throws(ExperimentError) {
        let start = ContinuousClock.now
        let checked: (metrics: TrainingMetrics, gradients: [String: Tensor<Float>])
        do {
            checked = try state.trainer.checkedMetricsAndGradients()
        } catch {
            throw diverged(state, error)
        }
        var trainingTime = ContinuousClock.now - start
        if state.savePending { try save(state) }
        let updateStart = ContinuousClock.now
        state.optimizer.update(state.model, along: checked.gradients)
        trainingTime += ContinuousClock.now - updateStart
        state.sessionSeconds += seconds(trainingTime)
        state.curves.append(epoch: state.trainer.epoch, metrics: EpochLosses.curveMetrics(checked.metrics),
                            elapsedSeconds: state.previousSeconds + state.sessionSeconds)
    }

    /// Saves the run at the end of the session, after checking that its
    /// current state's loss and gradients are finite (one evaluation, no
    /// update); nothing is written when its checkpoint already holds this state.
    private func saveChecked(_ state: RunState) throws(ExperimentError) {
        guard state.savedEpoch != state.trainer.epoch else { return }
        do {
            _ = try state.trainer.checkedMetricsAndGradients()
        } catch {
            throw diverged(state, error)
        }
        try save(state)
    }

    /// Writes the run's curves, then its checkpoint (so the curves are never
    /// behind the checkpoint); the checkpoint records the run, the settings,
    /// the learning rates and a checksum of the curves, which `--resume` checks.
    private func save(_ state: RunState) throws(ExperimentError) {
        do {
            try state.curves.write(to: url(Self.curvesFile(state.run)))
        } catch {
            throw ExperimentError("cannot write the learning curves: \(error)")
        }
        let checkpoint = Checkpoint(model: state.model, optimizer: state.optimizer, epoch: state.trainer.epoch, metadata: metadata(of: state))
        do {
            try checkpoint.write(to: url(Self.checkpointFile(state.run)))
        } catch {
            throw ExperimentError("cannot write a checkpoint: \(error)")
        }
        state.savedEpoch = state.trainer.epoch
        state.savePending = false
    }

    /// The metadata of `state`'s checkpoint: ``checkpointMetadata``, the run,
    /// the learning rate and its history, and the curves' checksum.
    func metadata(of state: RunState) -> [String: String] {
        checkpointMetadata.merging([
            "run": state.run.rawValue,
            "learningRate": "\(settings.learningRate)",
            "learningRates": state.learningRates,
            "curvesChecksum": Self.checksum(of: state.curves),
        ]) { $1 }
    }

    /// The error of a diverged run. Its state is written to
    /// ``divergedCheckpointFile(_:)`` for inspection (never over the good
    /// checkpoint); a failure to write it is not reported over the divergence.
    private func diverged(_ state: RunState, _ error: TrainingError) -> ExperimentError {
        var metadata = metadata(of: state)
        metadata["diverged"] = error.problem
        let file = url(Self.divergedCheckpointFile(state.run))
        let divergedFile: String?
        do {
            try Checkpoint(model: state.model, optimizer: state.optimizer, epoch: state.trainer.epoch, metadata: metadata).write(to: file)
            divergedFile = file.path
        } catch {
            divergedFile = nil
        }
        let good = state.savedEpoch.map { DivergenceError.GoodCheckpoint(file: url(Self.checkpointFile(state.run)).path, epoch: $0) }
        return ExperimentError(.divergence(DivergenceError(run: state.run, epoch: error.step, nonFinite: error.problem,
                                                           goodCheckpoint: good, divergedFile: divergedFile)))
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
