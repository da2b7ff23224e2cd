import Foundation
import Testing
import SFLKit
@testable import SFLExperiment

@Suite struct ExperimentDivergenceTests {
    typealias Pipeline = ExperimentPipelineTests

    /// The divergence behind an experiment's error, or nil.
    static func divergence(_ settings: ExperimentSettings) -> (error: DivergenceError?, message: String) {
        do {
            _ = try Pipeline.run(settings)
            return (nil, "no error")
        } catch let error as ExperimentError {
            guard case let .divergence(divergence) = error.cause else { return (nil, error.message) }
            return (divergence, error.message)
        } catch {
            return (nil, "\(error)")
        }
    }

    /// Two good epochs, then a session resumed with a huge learning rate: its
    /// first update is applied (the loss and gradients of epoch 3 are finite),
    /// and epoch 4 is not finite. Epoch 3 is a snapshot epoch, so a checkpoint
    /// of the state after it was due; it must not be written, since that state
    /// diverged. Then a resume with a smaller learning rate completes.
    @Test func divergedRunKeepsItsLastGoodCheckpointAndResumesWithASmallerRate() throws {
        let folder = try makeTemporaryFolder("sfl-diverge")
        defer { try? FileManager.default.removeItem(at: folder) }
        var settings = Pipeline.settings(output: folder, epochs: 2)
        settings.runs = .pl
        _ = try Pipeline.run(settings)
        let good = try folderSnapshot(folder).filter { $0.key.hasPrefix("checkpoint-") || $0.key.hasPrefix("curves-") }
        #expect(good.keys.sorted() == ["checkpoint-pl.ckpt", "curves-pl.csv"])

        settings.resume = true
        settings.epochs = 6   // snapshot epochs 1, 3, 4, 6
        settings.learningRate = 1e30
        let (error, message) = Self.divergence(settings)
        let error2 = try #require(error, "expected a divergence, got: \(message)")
        #expect(error2.run == .pixelLoss && error2.epoch == 4)
        #expect(error2.nonFinite.hasPrefix("the loss is not finite") || error2.nonFinite.hasPrefix("the gradient of '"))
        #expect(error2.nonFinite.hasSuffix("; no update was applied"))
        let checkpoint = folder.appendingPathComponent("checkpoint-pl.ckpt").path, diverged = folder.appendingPathComponent("diverged-pl.ckpt").path
        #expect(error2.goodCheckpoint == DivergenceError.GoodCheckpoint(file: checkpoint, epoch: 2) && error2.divergedFile == diverged)
        #expect(message == "PL only run, epoch 4: diverged: \(error2.nonFinite). Its last good checkpoint, \(checkpoint) (epoch 2), is unchanged; "
                + "the diverged state is in \(diverged). Continue from the good checkpoint with the same options, --resume and a smaller --lr.")

        // The good checkpoint and its curves are byte-identical; the diverged state is beside them.
        let after = try folderSnapshot(folder)
        for (file, bytes) in good { #expect(after[file] == bytes, "\(file) changed") }
        let divergedState = try Checkpoint<Float>(contentsOf: URL(fileURLWithPath: diverged))
        #expect(divergedState.epoch == 3 && divergedState.optimizer?.state.step == 3 && divergedState.metadata["diverged"] == error2.nonFinite)

        // --resume from the good checkpoint with a smaller learning rate works and records both rates.
        settings.learningRate = 1e-4
        let resumed = try Pipeline.run(settings)
        #expect(resumed.startEpoch == 2 && resumed.completedEpochs == 6)
        let final = try Checkpoint<Float>(contentsOf: URL(fileURLWithPath: checkpoint))
        #expect(final.epoch == 6 && final.metadata["learningRate"] == "0.0001")
        #expect(final.metadata["learningRates"] == "0.001 from epoch 1, 0.0001 from epoch 3")
        let summary = try String(contentsOf: folder.appendingPathComponent("summary.md"), encoding: .utf8)
        #expect(summary.contains("| learning rates, PL only (changed on --resume) | 0.001 from epoch 1, 0.0001 from epoch 3 |"))
        let curves = try LearningCurves(contentsOf: folder.appendingPathComponent("curves-pl.csv"))
        #expect(curves.records.map(\.epoch) == Array(1...6) && curves.records.allSatisfy { EpochLosses($0.metrics).total.isFinite })
        let before = try LearningCurves(csv: String(decoding: good["curves-pl.csv"]!, as: UTF8.self), source: "before")
        #expect(Array(curves.records.prefix(2)) == before.records)
    }

    /// A fresh run that diverges before any checkpoint is due writes none
    /// (and says so); its first checkpoint would have held the diverged state.
    @Test func divergenceBeforeAnyGoodCheckpointWritesNone() throws {
        let folder = try makeTemporaryFolder("sfl-diverge-fresh")
        defer { try? FileManager.default.removeItem(at: folder) }
        var settings = Pipeline.settings(output: folder, epochs: 3)
        settings.runs = .sfl
        settings.learningRate = 1e30
        let (error, message) = Self.divergence(settings)
        let divergence = try #require(error, "expected a divergence, got: \(message)")
        #expect(divergence.run == .pixelAndSpatialFrequencyLoss && divergence.epoch == 2 && divergence.goodCheckpoint == nil)
        #expect(message.hasPrefix("PL + SFL run, epoch 2: diverged: "))
        #expect(message.hasSuffix(" No checkpoint of it was written in this session; the diverged state is in "
                                  + folder.appendingPathComponent("diverged-pl-sfl.ckpt").path + ". Start again with a smaller --lr."))
        let files = try folderSnapshot(folder).keys.sorted()
        #expect(!files.contains("checkpoint-pl-sfl.ckpt") && !files.contains("curves-pl-sfl.csv") && files.contains("diverged-pl-sfl.ckpt"))
    }
}
