import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import SFLKit
@testable import SFLExperiment

@Suite struct ExperimentPipelineTests {
    /// Two tiny built-in images (15×20 and 20×15), a few epochs.
    static func settings(output: URL, epochs: Int = 2, optimizer: ExperimentSettings.OptimizerKind = .adam) -> ExperimentSettings {
        var settings = ExperimentSettings()
        settings.imageCount = 2
        settings.longestSide = 20
        settings.epochs = epochs
        settings.optimizer = optimizer
        settings.learningRate = optimizer == .sgd ? 0.02 : 1e-3
        settings.outputFolder = output.path
        settings.threads = 2
        return settings
    }

    static func run(_ settings: ExperimentSettings, stopAfter stopEpoch: Int? = nil) throws -> ExperimentOutcome {
        var completed = 0
        return try ReconstructionExperiment(settings: settings, dataset: ExperimentDataset.load(for: settings))
            .run(shouldStop: { stopEpoch.map { completed >= $0 } ?? false }, progress: { completed = $0.epoch })
    }

    @Test func pipelineWritesEveryOutputAndEachParses() throws {
        let folder = try makeTemporaryFolder("sfl-pipeline")
        defer { try? FileManager.default.removeItem(at: folder) }
        var epochsSeen: [Int] = []
        let settings = Self.settings(output: folder)
        let outcome = try ReconstructionExperiment(settings: settings, dataset: .load(for: settings)).run(progress: { epochsSeen.append($0.epoch) })
        #expect(epochsSeen == [1, 2] && outcome.completedEpochs == 2 && !outcome.stoppedEarly && outcome.startEpoch == 0)

        let expected = ["checkpoint-pl-sfl.ckpt", "checkpoint-pl.ckpt", "curves-pl-sfl.csv", "curves-pl.csv",
                        "fig-colour-psnr.svg", "fig5a-loss.svg", "fig5b-sfl-sigma0.8.svg", "fig5c-sfl-sigma1.6.svg", "fig5d-sfl-sigma3.2.svg",
                        "fig6-reconstructions.png", "fig7-snapshots.png", "snapshots/original.png",
                        "snapshots/pl-epoch-00001.png", "snapshots/pl-epoch-00002.png",
                        "snapshots/pl-sfl-epoch-00001.png", "snapshots/pl-sfl-epoch-00002.png", "summary.md"]
        #expect(outcome.files == expected)
        for file in expected { #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)") }

        for run in ExperimentRun.allCases {
            let text = try String(contentsOf: folder.appendingPathComponent(ReconstructionExperiment.curvesFile(run)), encoding: .utf8)
            let lines = text.split(separator: "\n")
            #expect(lines.count == 3)
            #expect(lines[0].split(separator: ",").map(String.init) == ["epoch", "E", "E_PL", "E_SFL", "E_PL_ch1", "E_PL_ch2", "E_PL_ch3",
                                                                        "SFL_sigma0.8", "SFL_sigma1.6", "SFL_sigma3.2", "colour_PSNR_dB",
                                                                        "colour_error_ch1", "colour_error_ch2", "colour_error_ch3", "seconds"])
            let curves = try LearningCurves(csv: text, source: run.rawValue)
            #expect(curves.records.map(\.epoch) == [1, 2])
            #expect(curves.records.allSatisfy { EpochLosses($0.metrics).spatialFrequencyPerSubband.count == 3 && EpochLosses($0.metrics).total.isFinite })
            let checkpoint = try Checkpoint<Float>(contentsOf: folder.appendingPathComponent(ReconstructionExperiment.checkpointFile(run)))
            #expect(checkpoint.epoch == 2 && checkpoint.metadata["run"] == run.rawValue && checkpoint.model.parameters.count == 8)
            #expect(checkpoint.architecture?.name == "ConvolutionalAutoencoder" && checkpoint.optimizer != nil)
        }
        // Both runs start from the same weights: epoch 1 losses are equal.
        let first = try ExperimentRun.allCases.map { try LearningCurves(contentsOf: folder.appendingPathComponent(ReconstructionExperiment.curvesFile($0))).records[0].metrics }.map(EpochLosses.init)
        #expect(first[0].pixel == first[1].pixel && first[0].spatialFrequencyPerSubband == first[1].spatialFrequencyPerSubband)

        for file in expected where file.hasSuffix(".svg") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            #expect(XMLParser(data: Data(text.utf8)).parse(), "\(file) is not well-formed XML")
            #expect(text.components(separatedBy: "<polyline").count >= 3, "\(file)")
        }
        for file in expected where file.hasSuffix(".png") {
            let image = try Image(contentsOf: folder.appendingPathComponent(file))
            #expect(image.channels == 3 && image.width >= 15 && image.height >= 15, "\(file)")
        }
        let fig6 = try Image(contentsOf: folder.appendingPathComponent("fig6-reconstructions.png"))
        #expect(fig6.width > 6 * 20 && fig6.height > 2 * 20)   // 2 rows of original, PL, PL + SFL and three crops

        let summary = try String(contentsOf: folder.appendingPathComponent("summary.md"), encoding: .utf8)
        for file in expected { #expect(summary.contains("](\(file))"), "summary.md does not link \(file)") }
        for needle in ["Adam, learning rate 0.001", "N(0, 0.02²)", "| threads | 2 |", "| w_SFL | 100.0, 10.0, 10.0 |", "paper PL only", "18.90", "Completed 2 of 2"] {
            #expect(summary.contains(needle), "summary.md lacks '\(needle)'")
        }
        #expect(outcome.comparison.contains("ratio") && outcome.comparison.split(separator: "\n").count == 5)
    }

    @Test(arguments: [ExperimentSettings.OptimizerKind.adam, .sgd])
    func resumeGivesTheSameResultAsAnUninterruptedRun(optimizer: ExperimentSettings.OptimizerKind) throws {
        let straight = try makeTemporaryFolder("sfl-straight"), interrupted = try makeTemporaryFolder("sfl-interrupted")
        defer { for folder in [straight, interrupted] { try? FileManager.default.removeItem(at: folder) } }
        _ = try Self.run(Self.settings(output: straight, epochs: 5, optimizer: optimizer))

        // Stopped after epoch 2 (as Ctrl-C does), then resumed with one thread.
        let stopped = try Self.run(Self.settings(output: interrupted, epochs: 5, optimizer: optimizer), stopAfter: 2)
        #expect(stopped.stoppedEarly && stopped.completedEpochs == 2)
        #expect(try String(contentsOf: interrupted.appendingPathComponent("summary.md"), encoding: .utf8).contains("Stopped at epoch 2 of 5"))
        var resume = Self.settings(output: interrupted, epochs: 5, optimizer: optimizer)
        resume.resume = true
        resume.threads = 1
        let resumed = try Self.run(resume)
        #expect(resumed.startEpoch == 2 && resumed.completedEpochs == 5 && !resumed.stoppedEarly)

        for run in ExperimentRun.allCases {
            let a = try Checkpoint<Float>(contentsOf: straight.appendingPathComponent(ReconstructionExperiment.checkpointFile(run)))
            let b = try Checkpoint<Float>(contentsOf: interrupted.appendingPathComponent(ReconstructionExperiment.checkpointFile(run)))
            #expect(a.epoch == 5 && b.epoch == 5)
            #expect(a.model.names == b.model.names)
            #expect(a.model.parameters.map(\.value.scalars) == b.model.parameters.map(\.value.scalars), "\(run): parameters differ after resuming")
            #expect(a.optimizer?.state.step == b.optimizer?.state.step)
            #expect(a.optimizer?.state.tensors.mapValues(\.scalars) == b.optimizer?.state.tensors.mapValues(\.scalars))
            let curvesA = try LearningCurves(contentsOf: straight.appendingPathComponent(ReconstructionExperiment.curvesFile(run)))
            let curvesB = try LearningCurves(contentsOf: interrupted.appendingPathComponent(ReconstructionExperiment.curvesFile(run)))
            #expect(curvesA.records.map(\.metrics) == curvesB.records.map(\.metrics), "\(run): losses differ after resuming")
            #expect(curvesB.records.map(\.epoch) == Array(1...5))
        }
        // The snapshots of both sessions are in the Fig. 7 grid.
        let grid = try Image(contentsOf: interrupted.appendingPathComponent("fig7-snapshots.png"))
        let straightGrid = try Image(contentsOf: straight.appendingPathComponent("fig7-snapshots.png"))
        #expect(grid == straightGrid)
    }

    @Test func resumeChecksTheCheckpointsAndSettings() throws {
        let folder = try makeTemporaryFolder("sfl-resume-check")
        defer { try? FileManager.default.removeItem(at: folder) }
        var settings = Self.settings(output: folder)
        settings.resume = true
        func problem(_ settings: ExperimentSettings) -> String {
            do { _ = try Self.run(settings); return "no error" } catch { return "\(error)" }
        }
        #expect(problem(settings).hasPrefix("--resume: \(folder.path)/checkpoint-pl.ckpt: cannot be read"))
        settings.resume = false
        _ = try Self.run(settings)
        settings.resume = true
        settings.seed = 5
        #expect(problem(settings).contains("was made with seed = 1; this run has seed = 5."))
        settings.seed = 1
        settings.epochs = 3   // --epochs may grow, the learning rate may change
        settings.learningRate = 5e-4
        #expect(problem(settings) == "no error")
    }

    @Test func stopBeforeTheFirstEpochStillReportsAndResumes() throws {
        let folder = try makeTemporaryFolder("sfl-stop-at-once")
        defer { try? FileManager.default.removeItem(at: folder) }
        var settings = Self.settings(output: folder)
        let stopped = try Self.run(settings, stopAfter: 0)
        #expect(stopped.stoppedEarly && stopped.completedEpochs == 0 && stopped.finalLosses.isEmpty)
        #expect(stopped.files.contains("summary.md") && stopped.files.contains("checkpoint-pl.ckpt") && stopped.files.contains("fig6-reconstructions.png"))
        settings.resume = true
        let resumed = try Self.run(settings)
        #expect(resumed.startEpoch == 0 && resumed.completedEpochs == 2)
    }

    @Test func builtInImagesMixSizesAndAreDeterministic() {
        let a = ExperimentDataset.builtIn(count: 5, longestSide: 40, seed: 3), b = ExperimentDataset.builtIn(count: 5, longestSide: 40, seed: 3)
        #expect(a.images.map(\.shape) == [[1, 3, 30, 40], [1, 3, 40, 30], [1, 3, 40, 40], [1, 3, 26, 40], [1, 3, 30, 40]])
        #expect(a.images.map(\.scalars) == b.images.map(\.scalars) && a.checksum == b.checksum)
        #expect(a.images[0].scalars != a.images[4].scalars)
        #expect(a.names[0] == "synthetic-01")
    }

    @Test func dataFolderProblemsNameTheFile() throws {
        let folder = try makeTemporaryFolder("sfl-data")
        defer { try? FileManager.default.removeItem(at: folder) }
        func problem(_ path: String) -> String {
            do { _ = try ExperimentDataset.load(folder: path, maxCount: nil, longestSide: 16); return "no error" } catch { return error.description }
        }
        #expect(problem(folder.appendingPathComponent("missing").path).contains("missing"))
        #expect(problem(folder.path) == "\(folder.path): holds no PNG, PPM, PGM or JPEG image")
        try Data("not a png".utf8).write(to: folder.appendingPathComponent("broken.png"))
        let allFailed = problem(folder.path)
        #expect(allFailed.hasPrefix("\(folder.path): no image could be read:") && allFailed.contains("broken.png"))
        try Image(tensor: SyntheticImages.make(count: 1, height: 12, width: 18)[0] as Tensor<Float>).write(to: folder.appendingPathComponent("good.png"))
        let dataset = try ExperimentDataset.load(folder: folder.path, maxCount: nil, longestSide: 16)
        #expect(dataset.names == ["good.png"] && dataset.images[0].shape == [1, 3, 11, 16])
        #expect(dataset.failures.count == 1 && dataset.failures[0].contains("broken.png"))
    }
}

@Suite struct ExperimentColourRemedyTests {
    @Test func remediesReachTheRunsAndTheRecord() throws {
        let folder = try makeTemporaryFolder("sfl-remedies")
        defer { try? FileManager.default.removeItem(at: folder) }
        var settings = ExperimentPipelineTests.settings(output: folder)
        settings.pixelColourSpace = .opponent
        settings.pixelChannelWeights = [2, 2, 1]
        settings.lowPassWeight = 10
        settings.lowPassSigma = 2
        settings.meanColourBias = true
        _ = try ExperimentPipelineTests.run(settings)
        let curves = try ExperimentRun.allCases.map { try LearningCurves(contentsOf: folder.appendingPathComponent(ReconstructionExperiment.curvesFile($0))) }
        // The low-pass band is part of the PL + SFL run's objective only.
        #expect(!curves[0].metricNames.contains("E_LP") && curves[1].metricNames.contains("E_LP"))
        let sfl = curves[1].records[0].metrics
        #expect(abs(sfl["E"]! - (sfl["E_PL"]! + sfl["E_SFL"]! + sfl["E_LP"]!)) <= 1e-6 * sfl["E"]!)
        // The pixel loss is weighted in opponent colours: E_PL = Σ w_c · term_c.
        let terms = (1...3).map { sfl["E_PL_ch\($0)"]! }
        #expect(abs(sfl["E_PL"]! - (2 * terms[0] + 2 * terms[1] + terms[2])) <= 1e-6 * sfl["E_PL"]!)
        // Both runs start at the data's mean colour: the first epoch's colour
        // errors are those of the seed's model with that output bias.
        let dataset = try ExperimentDataset.load(for: settings)
        var generator = SeededGenerator(seed: settings.seed)
        let model = ConvolutionalAutoencoder<Float>(using: &generator)
        let meanColour = ConvolutionalAutoencoder<Float>.meanColour(of: dataset.images)
        #expect(meanColour.contains { abs($0) > 1e-3 })
        model.setOutputBias(toColour: meanColour)
        let errors: [Double] = dataset.images.map { image in channelMeanErrors(withoutGradients { model(image) }, image)[0] }
        let expected = errors.reduce(0, +) / Double(errors.count)
        for curve in curves {
            #expect(abs(curve.records[0].metrics["colour_error_ch1"]! - expected) <= 1e-6 * expected)
        }
        let summary = try String(contentsOf: folder.appendingPathComponent("summary.md"), encoding: .utf8)
        #expect(summary.contains(settings.colourRemedyDescription) && summary.contains("Colour of PL + SFL at epoch 2"))
        let checkpoint = try Checkpoint<Float>(contentsOf: folder.appendingPathComponent(ReconstructionExperiment.checkpointFile(.pixelLoss)))
        #expect(checkpoint.metadata["lowPass"] == "sigma 2.0, weight 10.0" && checkpoint.metadata["meanColourBias"] == "yes")
    }

    @Test func weightsThatDoNotFitTheImagesAreRefused() throws {
        let folder = try makeTemporaryFolder("sfl-remedies")
        defer { try? FileManager.default.removeItem(at: folder) }
        var settings = ExperimentPipelineTests.settings(output: folder)
        settings.pixelChannelWeights = [1, 2]
        #expect { try ExperimentPipelineTests.run(settings) } throws: { error in
            "\(error)".contains("--pixel-weights gives 2 weights for 3 image channel(s)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }
}
