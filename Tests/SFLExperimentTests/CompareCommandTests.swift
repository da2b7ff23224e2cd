import Foundation
import Testing
import SFLKit
@testable import SFLExperiment

@Suite struct CompareCommandTests {
    @Test func parsesItsOptionsAndNamesMistakes() throws {
        guard case let .compare(defaults) = try ExperimentCommandLine.parse(["compare"]) else { Issue.record("not a compare command"); return }
        #expect(defaults.losses == ComparedLoss.allCases && defaults.epochs == 100 && defaults.dataFolder == nil && defaults.imageCount == 10)
        #expect(ComparedLoss.allCases.map(\.rawValue) == ["pl", "sfl", "l1", "ssim", "msssim", "ffl", "gdl", "lap1"])

        let parsed = try ExperimentCommandLine.parse(["compare", "--losses", "pl,SSIM,ffl", "--weights=ssim=0.84,ffl=10", "--data", "photos",
                                                      "--epochs", "7", "--optimizer", "sgd", "--out", "o"])
        guard case let .compare(settings) = parsed else { Issue.record("not a compare command"); return }
        #expect(settings.losses == [.pl, .ssim, .ffl])
        #expect(settings.weight(of: .ssim) == 0.84 && settings.weight(of: .ffl) == 10 && settings.weight(of: .pl) == 0)
        #expect(settings.longestSide == 300 && settings.imageCount == nil)   // photographs: 300 px, every image
        #expect(settings.learningRate == 0.02 && settings.optimizer == .sgd && settings.epochs == 7 && settings.outputFolder == "o")
        #expect(try ExperimentCommandLine.parse(["compare", "--help"]) == .compareHelp)

        func problem(_ arguments: [String]) -> String {
            do { _ = try ExperimentCommandLine.parse(["compare"] + arguments); return "no error" } catch { return error.description }
        }
        #expect(problem(["--losses", "pl,blur"]) == "compare: --losses: unknown loss 'blur'; choose from pl,sfl,l1,ssim,msssim,ffl,gdl,lap1")
        #expect(problem(["--losses", "pl,pl"]) == "compare: --losses: 'pl' is listed twice")
        #expect(problem(["--weights", "ssim"]).hasPrefix("compare: --weights needs loss=weight pairs"))
        #expect(problem(["--weights", "ssim=-1"]).hasPrefix("compare: --weights needs loss=weight pairs"))
        #expect(problem(["--weights", "pl=2"]) == "compare: --weights: pl has no added term to weigh")
        #expect(problem(["--losses", "pl,sfl", "--weights", "ffl=2"]) == "compare: --weights gives a weight for ffl, which is not among --losses pl,sfl")
        #expect(problem(["--epochs", "0"]) == "compare: --epochs needs an integer of at least 1, got '0'")
        #expect(problem(["--momentum", "0.9"]) == "compare: --momentum applies to --optimizer sgd only (the optimizer is adam)")
        #expect(problem(["--resume"]) == "compare: unknown option '--resume'")
    }

    @Test func holdsOutEveryKthImageOrTheEvaluationFolder() throws {
        var settings = ComparisonSettings()
        settings.imageCount = 11
        settings.longestSide = 16
        let split = try LossComparison(settings: settings)
        #expect(split.training.names == ["01", "02", "03", "04", "06", "07", "08", "09", "11"].map { "synthetic-\($0)" })
        #expect(split.evaluation.names == ["synthetic-05", "synthetic-10"])
        settings.imageCount = 4
        #expect(throws: ExperimentError.self) { try LossComparison(settings: settings) }
    }

    @Test func multiScaleSSIMKeepsTheScalesThatFit() {
        #expect(ComparisonObjective.multiScaleSSIM(shorterSide: 161)?.weights.count == 5)
        let four = ComparisonObjective.multiScaleSSIM(shorterSide: 153)   // the smallest photograph of the paper's set
        #expect(four?.weights.count == 4 && four.map { $0.minimumSide <= 153 } == true)
        let keptTotal: Double = four?.weights.reduce(0, +) ?? 0
        let fullTotal: Double = MultiScaleSSIMLoss().weights.reduce(0, +)
        #expect(abs(keptTotal - fullTotal) < 1e-12)
        #expect(ComparisonObjective.multiScaleSSIM(shorterSide: 11)?.weights.count == 1)
        #expect(ComparisonObjective.multiScaleSSIM(shorterSide: 10) == nil)
    }

    /// Every loss on a few small built-in images for two epochs: the files exist,
    /// every figure of the table is finite, and every run starts from the same weights.
    @Test func comparesEveryLossAndWritesTheTableAndFigures() throws {
        let root = try makeTemporaryFolder("sfl-compare")
        defer { try? FileManager.default.removeItem(at: root) }
        var settings = ComparisonSettings()
        settings.imageCount = 5
        settings.longestSide = 24
        settings.epochs = 2
        settings.threads = 2
        settings.outputFolder = root.path
        let outcome = try LossComparison(settings: settings).run()
        #expect(outcome.runs.map(\.loss) == ComparedLoss.allCases)

        var expectedFiles = ["comparison.csv", "comparison.md", "fig-crops.png", "fig-training-loss.svg"]
        for loss in ComparedLoss.allCases { expectedFiles += ["curves-\(loss.rawValue).csv", "metrics-\(loss.rawValue).csv"] }
        #expect(outcome.files == expectedFiles.sorted())
        for file in expectedFiles { #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(file).path), "\(file)") }

        // The first epoch's pixel loss is measured before any update: the same initial weights give the same value.
        let firstPixelLosses = Set(outcome.runs.map { $0.curves.records[0].metrics["E_PL"]! })
        #expect(firstPixelLosses.count == 1, "\(firstPixelLosses)")
        // The added terms differ, so the runs diverge after their first update.
        #expect(Set(outcome.runs.map { $0.curves.records[1].metrics["E_PL"]! }).count > 1)
        #expect(outcome.runs.first { $0.loss == .pl }!.curves.records.allSatisfy { $0.metrics["wE_X"] == 0 })
        #expect(outcome.runs.filter { $0.loss != .pl }.allSatisfy { $0.curves.records[0].metrics["wE_X"]! > 0 })

        let csv = try String(contentsOf: root.appendingPathComponent("comparison.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 1 + ComparedLoss.allCases.count)
        #expect(csv[0].hasPrefix("name,width,height,E_PL,SFL_sigma0.8,SFL_sigma1.6,SFL_sigma3.2,PSNR_dB,SSIM,gradient_energy_ratio,colour_PSNR_dB"))
        for (row, loss) in zip(csv.dropFirst(), ComparedLoss.allCases) {
            let fields = row.split(separator: ",")
            #expect(fields[0] == Substring(loss.rawValue))
            #expect(fields.dropFirst().allSatisfy { Double($0)?.isFinite == true }, "\(row)")
        }
        let markdown = try String(contentsOf: root.appendingPathComponent("comparison.md"), encoding: .utf8)
        let tableRows = markdown.split(separator: "\n").filter { line in ComparedLoss.allCases.contains { line.hasPrefix("| \($0.title) | ") } }
        #expect(tableRows.count == 2 * ComparedLoss.allCases.count)   // the results and the weights
        for row in tableRows.prefix(ComparedLoss.allCases.count) {
            let cells = row.split(separator: "|").dropFirst(2).map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "*", with: "") }
            #expect(cells.count == 8 && cells.allSatisfy { Double($0)?.isFinite == true }, "\(row)")
        }
        let figure = try Image(contentsOf: root.appendingPathComponent("fig-crops.png"))
        #expect(figure.width > 10 * 24)   // the original, its crop and eight crops side by side
        let heldOut = try String(contentsOf: root.appendingPathComponent("metrics-sfl.csv"), encoding: .utf8).split(separator: "\n")
        #expect(heldOut.count == 2 && heldOut[1].hasPrefix("synthetic-05,"))
    }
}
