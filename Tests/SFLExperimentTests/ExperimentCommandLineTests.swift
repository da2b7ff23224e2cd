import Testing
import SFLKit
@testable import SFLExperiment

@Suite struct ExperimentCommandLineTests {
    func settings(_ arguments: [String]) throws -> ExperimentSettings {
        guard case let .run(settings) = try ExperimentCommandLine.parse(arguments) else {
            Issue.record("expected a run for \(arguments)")
            return ExperimentSettings()
        }
        return settings
    }

    func problem(_ arguments: [String]) -> String? {
        do { _ = try ExperimentCommandLine.parse(arguments); return nil } catch { return error.message }
    }

    @Test func noArgumentsIsTheQuickDemonstration() throws {
        let demo = try settings([])
        #expect(demo.dataFolder == nil && demo.optimizer == .adam && demo.learningRate == 1e-3)
        #expect(demo.imageCount == ExperimentSettings.defaultBuiltInImageCount && demo.longestSide == ExperimentSettings.defaultBuiltInLongestSide)
        #expect(demo.sigmas == [0.8, 1.6, 3.2] && demo.subbandWeights == [100, 10, 10] && demo.runs == .both)
        #expect(demo.resolvedSnapshotEpochs == [1, demo.epochs / 4, demo.epochs / 2, demo.epochs * 3 / 4, demo.epochs])
        #expect(!demo.resume && !demo.paper)
    }

    @Test func paperAppliesEverySettingAndLaterOptionsOverride() throws {
        let paper = try settings(["--paper"])
        #expect(paper.dataFolder == ExperimentSettings.paperDataFolder && paper.imageCount == 70 && paper.longestSide == 300)
        #expect(paper.epochs == 2000 && paper.optimizer == .sgd && paper.learningRate == 0.02 && paper.momentum == 0.5)
        #expect(paper.subbandWeights == [100, 10, 10] && paper.paper)
        let overridden = try settings(["--epochs", "10", "--paper", "--data=/tmp/photos"])
        #expect(overridden.epochs == 10 && overridden.dataFolder == "/tmp/photos" && overridden.imageCount == 70 && overridden.optimizer == .sgd)
    }

    @Test func everyOptionParses() throws {
        let s = try settings(["--data", "photos", "--size", "200", "--images", "5", "--epochs", "40", "--optimizer", "sgd",
                              "--lr", "0.01", "--momentum", "0.9", "--sigmas", "1,2", "--subband-weights", "3, 4", "--loss", "sfl",
                              "--threads", "1", "--seed", "42", "--out", "o", "--snapshot-epochs", "2,40", "--resume"])
        #expect(s.dataFolder == "photos" && s.longestSide == 200 && s.imageCount == 5 && s.epochs == 40)
        #expect(s.optimizer == .sgd && s.learningRate == 0.01 && s.momentum == 0.9)
        #expect(s.sigmas == [1, 2] && s.subbandWeights == [3, 4] && s.selectedRuns == [.pixelAndSpatialFrequencyLoss])
        #expect(s.threads == 1 && s.seed == 42 && s.outputFolder == "o" && s.resolvedSnapshotEpochs == [2, 40] && s.resume)
    }

    @Test func colourRemediesAreOffByDefaultAndParse() throws {
        for defaults in [try settings([]), try settings(["--paper"])] {
            #expect(!defaults.usesColourRemedies && defaults.colourRemedyDescription == "none")
            #expect(defaults.pixelColourSpace == .rgb && defaults.pixelChannelWeights == nil && defaults.lowPassWeight == 0 && !defaults.meanColourBias)
        }
        let s = try settings(["--paper", "--pixel-space", "YCbCr", "--pixel-weights", "1,4,4", "--low-pass-weight=10",
                              "--low-pass-sigma", "2.5", "--mean-colour-bias"])
        #expect(s.pixelColourSpace == .ycbcr && s.pixelChannelWeights == [1, 4, 4] && s.lowPassWeight == 10 && s.lowPassSigma == 2.5)
        #expect(s.meanColourBias && s.usesColourRemedies)
        #expect(s.colourRemedyDescription == "pixel loss in ycbcr, weights 1.0,4.0,4.0; low-pass band σ 2.5, weight 10.0 (PL + SFL run); output bias at the data's mean colour")
        // The paper's settings add nothing to the resume fingerprint; each remedy does.
        #expect(try settings(["--paper"]).fingerprint.count == 8 && s.fingerprint.count == 12)
        #expect(problem(["--pixel-space", "lab"]) == "--pixel-space needs rgb, ycbcr or opponent, got 'lab'")
        #expect(problem(["--pixel-weights", "1,-1,1"]) == "--pixel-weights needs a comma-separated list of non-negative weights, got '1,-1,1'")
        #expect(problem(["--low-pass-weight", "-2"]) == "--low-pass-weight needs a weight in [0, 1e6], got '-2'")
        #expect(problem(["--low-pass-sigma", "0"]) == "--low-pass-sigma needs a σ in (0, 64], got '0'")
        #expect(ExperimentCommandLine.usage.contains("--mean-colour-bias") && ExperimentCommandLine.usage.contains("--low-pass-weight"))
    }

    @Test func dependentDefaults() throws {
        let photos = try settings(["--data", "photos"])
        #expect(photos.longestSide == 300 && photos.imageCount == nil)
        #expect(try settings(["--optimizer", "sgd"]).learningRate == 0.02)
        #expect(try settings(["--optimizer", "adam", "--lr", "5e-4"]).learningRate == 5e-4)
        #expect(try ExperimentCommandLine.parse(["--epochs", "3", "--help"]) == .help)
        #expect(ExperimentCommandLine.usage.contains("--snapshot-epochs") && ExperimentCommandLine.usage.contains("default"))
    }

    @Test func mistakesAreNamed() {
        #expect(problem(["--bogus"]) == "unknown option '--bogus'")
        #expect(problem(["photos"]) == "unexpected argument 'photos' (options start with --)")
        #expect(problem(["--epochs"]) == "--epochs needs a value")
        #expect(problem(["--epochs", "--seed", "1"]) == "--epochs needs a value")
        #expect(problem(["--epochs", "ten"]) == "--epochs needs an integer of at least 1, got 'ten'")
        #expect(problem(["--epochs", "0"]) == "--epochs needs an integer of at least 1, got '0'")
        #expect(problem(["--size", "2"]) == "--size needs an integer of at least 4, got '2'")
        #expect(problem(["--optimizer", "rmsprop"]) == "--optimizer needs sgd or adam, got 'rmsprop'")
        #expect(problem(["--lr", "-1"]) == "--lr needs a positive number, got '-1'")
        #expect(problem(["--lr", "nan"]) == "--lr needs a positive number, got 'nan'")
        #expect(problem(["--optimizer", "sgd", "--momentum", "1"]) == "--momentum needs a number in [0, 1), got '1'")
        #expect(problem(["--momentum", "0.9"]) == "--momentum applies to --optimizer sgd only (the optimizer is adam)")
        #expect(problem(["--sigmas", "0.8,,3.2"]) == "--sigmas needs a comma-separated list of scales in (0, 16], got '0.8,,3.2'")
        #expect(problem(["--sigmas", "1,2"])?.hasPrefix("--subband-weights gives 3 weights for 2 sigmas") == true)
        #expect(problem(["--loss", "all"]) == "--loss needs pl, sfl or both, got 'all'")
        #expect(problem(["--seed", "-3"]) == "--seed needs a non-negative integer, got '-3'")
        #expect(problem(["--snapshot-epochs", "0,5"]) == "--snapshot-epochs needs a comma-separated list of epochs ≥ 1, got '0,5'")
        #expect(problem(["--epochs", "10", "--snapshot-epochs", "5,20"]) == "--snapshot-epochs: epoch 20 is beyond --epochs 10")
    }
}
