import Foundation
import SFLKit

extension ReconstructionExperiment {
    /// Restores a run from its checkpoint and learning curves, after checking
    /// that they agree with each other and with this session's options.
    ///
    /// Only reads: every check is made before the run's model, optimizer or
    /// curves change, and nothing is written, so a refused `--resume` leaves
    /// the output folder as it was. The learning rate may differ from the
    /// checkpoint's (to continue after a divergence); it is recorded.
    ///
    /// - Throws: ``ExperimentError`` with a ``ResumeError`` naming the file
    ///   and the first inconsistency found:
    ///   - the checkpoint cannot be read, is truncated or corrupt;
    ///   - it holds another run (`checkpoint-pl.ckpt` and `checkpoint-pl-sfl.ckpt` swapped) or none;
    ///   - it was made with other settings or data;
    ///   - its model has another architecture or channel count;
    ///   - its epoch is not its optimizer's update count, or is beyond `--epochs`;
    ///   - it holds NaN or infinite values;
    ///   - the curves cannot be read, have other columns, stop before the
    ///     checkpoint's epoch, or are not those saved with the checkpoint.
    func restore(_ state: RunState) throws(ExperimentError) {
        let file = url(Self.checkpointFile(state.run)).path
        func refuse(_ source: String, _ problem: String) -> ExperimentError {
            ExperimentError(.resume(ResumeError(source: source, problem: problem)))
        }
        func refuse(_ error: some SFLKitError) -> ExperimentError { ExperimentError(.resume(ResumeError(error))) }

        let checkpoint: Checkpoint<Float>
        do { checkpoint = try Checkpoint<Float>(contentsOf: URL(fileURLWithPath: file)) } catch { throw refuse(error) }
        guard let storedRun = checkpoint.metadata["run"] else {
            throw refuse(file, "records no run name; it was not written by sfl-example's training")
        }
        guard storedRun == state.run.rawValue else {
            let title = ExperimentRun(rawValue: storedRun)?.title ?? "'\(storedRun)'"
            throw refuse(file, "holds the \(title) run, not \(state.run.title) (the checkpoint files were swapped or renamed)")
        }
        let changed = checkpointMetadata.sorted { $0.key < $1.key }.filter { checkpoint.metadata[$0.key] != $0.value }
        if !changed.isEmpty {
            let stored = changed.map { "\($0.key) = \(checkpoint.metadata[$0.key] ?? "nothing")" }.joined(separator: ", ")
            let current = changed.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")
            throw refuse(file, "was made with \(stored); this run has \(current). Give the same options as the interrupted run")
        }
        try checkArchitecture(of: checkpoint, file: file, model: state.model)
        do {
            try checkpoint.checkUpdateCount(updatesPerEpoch: 1, source: file)   // full batch: one update per epoch
            try checkpoint.checkFinite(source: file)
        } catch {
            throw refuse(error)
        }
        guard checkpoint.epoch <= settings.epochs else {
            throw refuse(file, "is at epoch \(checkpoint.epoch), beyond --epochs \(settings.epochs); give --epochs \(checkpoint.epoch) or more")
        }

        let curvesFile = url(Self.curvesFile(state.run)).path
        var curves: LearningCurves
        do { curves = try LearningCurves(contentsOf: URL(fileURLWithPath: curvesFile)) } catch { throw refuse(error) }
        guard curves.metricNames == state.curves.metricNames else {
            throw refuse(curvesFile, "has the columns \(curves.metricNames.joined(separator: ",")), this run records "
                         + "\(state.curves.metricNames.joined(separator: ",")) (\(dataset.images[0].shape[1]) image channels, σ = "
                         + "\(settings.sigmas.map { "\($0)" }.joined(separator: ", ")))")
        }
        guard curves.records.count >= checkpoint.epoch else {
            throw refuse(curvesFile, "holds \(curves.records.count) epochs, its checkpoint \(file) is at epoch \(checkpoint.epoch)")
        }
        curves.truncate(afterEpoch: checkpoint.epoch)   // curves are written first, so they may be ahead
        if let stored = checkpoint.metadata["curvesChecksum"], stored != Self.checksum(of: curves) {
            throw refuse(curvesFile, "epochs 1–\(checkpoint.epoch) are not those saved with \(file) (checksum \(Self.checksum(of: curves)), "
                         + "the checkpoint records \(stored)): another run's curves, or edited")
        }
        guard curves.records.allSatisfy({ $0.elapsedSeconds.isFinite && $0.elapsedSeconds >= 0 }) else {
            throw refuse(curvesFile, "holds a negative or non-finite time in its seconds column")
        }

        do { try checkpoint.restore(model: state.model, optimizer: state.optimizer, source: file) } catch { throw refuse(error) }
        state.curves = curves
        state.previousSeconds = curves.records.last?.elapsedSeconds ?? 0
        state.savedEpoch = checkpoint.epoch
        let storedRate = checkpoint.metadata["learningRate"] ?? "\(settings.learningRate)"
        state.learningRates = checkpoint.metadata["learningRates"] ?? "\(storedRate) from epoch 1"
        if storedRate != "\(settings.learningRate)" {
            state.learningRates += ", \(settings.learningRate) from epoch \(checkpoint.epoch + 1)"
        }
    }

    /// Checks that the checkpoint's model is the one this session builds
    /// (same configuration, in particular the same number of image channels).
    private func checkArchitecture(of checkpoint: Checkpoint<Float>, file: String, model: ConvolutionalAutoencoder<Float>) throws(ExperimentError) {
        guard let stored = checkpoint.architecture else { return }   // shapes are still checked when it is restored
        let expected = ModelArchitecture(of: model)
        guard stored != expected else { return }
        let problem: String
        if stored.name == expected.name,
           let configuration = try? JSONDecoder().decode(ConvolutionalAutoencoder<Float>.Configuration.self, from: Data(stored.configuration.utf8)),
           configuration.imageChannels != model.configuration.imageChannels {
            problem = "holds a model for \(configuration.imageChannels)-channel images; these images have \(model.configuration.imageChannels) channels"
        } else {
            problem = "holds a \(stored.name) \(stored.configuration), this run builds a \(expected.name) \(expected.configuration)"
        }
        throw ExperimentError(.resume(ResumeError(source: file, problem: problem)))
    }

    /// The 64-bit FNV-1a hash of the curves' CSV text, in hexadecimal: what
    /// a checkpoint records to recognise the curves saved with it.
    static func checksum(of curves: LearningCurves) -> String {
        var hash = FNV1aHash()
        hash.add(curves.csv().utf8)
        return String(hash.value, radix: 16)
    }
}
