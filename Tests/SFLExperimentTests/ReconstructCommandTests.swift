import Foundation
import Testing
import SFLKit
@testable import SFLExperiment

@Suite struct ReconstructCommandTests {
    @Test func parsesItsOptionsAndNamesMistakes() throws {
        let command = try ExperimentCommandLine.parse(["reconstruct", "--checkpoint", "a.ckpt", "--data=photos", "--size", "64", "--out", "o"])
        var expected = ReconstructSettings(checkpoint: "a.ckpt", dataFolder: "photos")
        expected.longestSide = 64
        expected.outputFolder = "o"
        #expect(command == .reconstruct(expected))
        #expect(try ExperimentCommandLine.parse(["reconstruct", "--help"]) == .reconstructHelp)
        func problem(_ arguments: [String]) -> String {
            do { _ = try ExperimentCommandLine.parse(["reconstruct"] + arguments); return "no error" } catch { return error.description }
        }
        #expect(problem(["--data", "d"]) == "reconstruct: --checkpoint FILE is required")
        #expect(problem(["--checkpoint", "c"]) == "reconstruct: --data DIR is required")
        #expect(problem(["--checkpoint", "c", "--data", "d", "--size", "2"]) == "reconstruct: --size needs an integer of at least 4, got '2'")
        #expect(problem(["--checkpoint", "c", "--data", "d", "--epochs", "2"]) == "reconstruct: unknown option '--epochs'")
    }

    /// Trains on a folder for two epochs, reconstructs it from the checkpoint, then resumes
    /// for a third epoch: that epoch's logged losses are evaluated at the checkpoint's
    /// weights, so they must equal the mean of the reconstruction metrics.
    @Test func metricsAgreeWithTheTrainingLog() throws {
        let root = try makeTemporaryFolder("sfl-reconstruct")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let images = ExperimentDataset.builtIn(count: 3, longestSide: 20, seed: 5)
        for (tensor, name) in zip(images.images, images.names) { try Image(tensor: tensor).write(to: data.appendingPathComponent("\(name).png")) }
        try Data("not an image".utf8).write(to: data.appendingPathComponent("broken.png"))

        var settings = ExperimentSettings()
        settings.dataFolder = data.path
        settings.imageCount = nil
        settings.longestSide = 20
        settings.epochs = 2
        settings.runs = .sfl
        settings.outputFolder = root.appendingPathComponent("train").path
        settings.threads = 2
        _ = try ReconstructionExperiment(settings: settings, dataset: .load(for: settings)).run()

        var reconstructSettings = ReconstructSettings(
            checkpoint: root.appendingPathComponent("train/\(ReconstructionExperiment.checkpointFile(.pixelAndSpatialFrequencyLoss))").path,
            dataFolder: data.path)
        reconstructSettings.outputFolder = root.appendingPathComponent("eval").path
        let outcome = try reconstruct(reconstructSettings)
        #expect(outcome.longestSide == 20)
        #expect(outcome.result.entries.map(\.metrics.name) == ["synthetic-01.png", "synthetic-02.png", "synthetic-03.png"])
        #expect(outcome.result.failures.map(\.source) == [data.appendingPathComponent("broken.png").path])
        let csv = try String(contentsOf: root.appendingPathComponent("eval/metrics.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "name,width,height,E_PL,SFL_sigma0.8,SFL_sigma1.6,SFL_sigma3.2,PSNR_dB,SSIM,gradient_energy_ratio,colour_PSNR_dB,mean_error_ch1,mean_error_ch2,mean_error_ch3")
        #expect(csv.count == 4)
        for row in csv.dropFirst() {
            #expect(row.split(separator: ",").dropFirst().allSatisfy { Double($0)?.isFinite == true }, "\(row)")
        }
        for file in outcome.result.reconstructionFiles {
            let image = try Image(contentsOf: root.appendingPathComponent("eval").appendingPathComponent(file))
            #expect(image.channels == 3 && max(image.width, image.height) == 20)
        }

        settings.epochs = 3
        settings.resume = true
        _ = try ReconstructionExperiment(settings: settings, dataset: .load(for: settings)).run()
        let curves = try LearningCurves(contentsOf: root.appendingPathComponent("train/\(ReconstructionExperiment.curvesFile(.pixelAndSpatialFrequencyLoss))"))
        let logged = EpochLosses(curves.records[2].metrics)
        let mean = try #require(outcome.result.mean)
        #expect(abs(mean.pixelLoss - logged.pixel) <= 1e-9 * logged.pixel, "E_PL \(mean.pixelLoss) vs logged \(logged.pixel)")
        for (measured, log) in zip(mean.spatialFrequencyPerSubband, logged.spatialFrequencyPerSubband) {
            #expect(abs(measured - log) <= 1e-9 * log, "SFL \(measured) vs logged \(log)")
        }
        #expect(mean.peakSignalToNoiseRatio > 5 && mean.peakSignalToNoiseRatio < 60)
    }
}
