import Foundation
import Testing
import SFLKit
@testable import SFLExperiment

/// `--resume` on an output folder whose files were tampered with: each case
/// must give a ``ResumeError`` naming the file and the problem, and leave
/// every file of the folder byte-identical.
@Suite(.serialized) struct ExperimentResumeConsistencyTests {
    typealias Pipeline = ExperimentPipelineTests

    /// A tampering: what is done to a copy of a good two-epoch folder, the
    /// options of the resume, the file the error must name and the start of its problem.
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let tamper: @Sendable (URL) throws -> Void
        var options: @Sendable (inout ExperimentSettings) -> Void = { _ in }
        let file: String
        let problem: String
        var testDescription: String { name }
    }

    /// Where the good folder is made: one per test process, removed when it exits.
    static let goodFolderLocation = FileManager.default.temporaryDirectory.appendingPathComponent("sfl-resume-good-\(UUID().uuidString)")

    /// A good folder: both runs, 2 epochs of Adam (made once, shared by every case).
    static let goodFolder: Result<URL, any Error> = Result {
        let folder = goodFolderLocation
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: ExperimentResumeConsistencyTests.goodFolderLocation) }
        _ = try Pipeline.run(Pipeline.settings(output: folder, epochs: 2))
        return folder
    }

    static func url(_ folder: URL, _ file: String) -> URL { folder.appendingPathComponent(file) }

    static func swap(_ folder: URL, _ a: String, _ b: String) throws {
        let fileManager = FileManager.default
        try fileManager.moveItem(at: url(folder, a), to: url(folder, "swap.tmp"))
        try fileManager.moveItem(at: url(folder, b), to: url(folder, a))
        try fileManager.moveItem(at: url(folder, "swap.tmp"), to: url(folder, b))
    }

    /// Rewrites a checkpoint, changed by `change`, as a valid file (correct CRC-32).
    static func rewrite(_ folder: URL, _ file: String, _ change: (inout Checkpoint<Float>) -> Void) throws {
        var checkpoint = try Checkpoint<Float>(contentsOf: url(folder, file))
        change(&checkpoint)
        try checkpoint.write(to: url(folder, file))
    }

    static func edit(_ folder: URL, _ file: String, _ change: (String) -> String) throws {
        let text = try String(contentsOf: url(folder, file), encoding: .utf8)
        try Data(change(text).utf8).write(to: url(folder, file))
    }

    static let cases: [Case] = [
        Case(name: "checkpoints of the two runs swapped",
             tamper: { try swap($0, "checkpoint-pl.ckpt", "checkpoint-pl-sfl.ckpt") },
             file: "checkpoint-pl.ckpt", problem: "holds the PL + SFL run, not PL only (the checkpoint files were swapped or renamed)"),
        Case(name: "learning curves of the two runs swapped",
             tamper: { try swap($0, "curves-pl.csv", "curves-pl-sfl.csv") },
             file: "curves-pl.csv", problem: "epochs 1–2 are not those saved with"),
        Case(name: "epoch differs from the optimizer's step (CRC valid)",
             tamper: { try rewrite($0, "checkpoint-pl-sfl.ckpt") { $0.epoch = 1 } },
             file: "checkpoint-pl-sfl.ckpt", problem: "records epoch 1 but its Adam optimizer made 2 updates, not 1 per epoch"),
        Case(name: "optimizer step differs from the epoch (CRC valid)",
             tamper: { try rewrite($0, "checkpoint-pl.ckpt") { $0.optimizer?.state.step = 5 } },
             file: "checkpoint-pl.ckpt", problem: "records epoch 2 but its Adam optimizer made 5 updates, not 1 per epoch"),
        Case(name: "model for another channel count (CRC valid)",
             tamper: { folder in
                 try rewrite(folder, "checkpoint-pl.ckpt") { checkpoint in
                     var configuration = ConvolutionalAutoencoder<Float>.Configuration()
                     configuration.imageChannels = 1
                     var generator = SeededGenerator(seed: 1)
                     let model = ConvolutionalAutoencoder<Float>(configuration: configuration, using: &generator)
                     let optimizer = Adam<Float>()
                     optimizer.state.step = 2
                     checkpoint = Checkpoint(model: model, optimizer: optimizer, epoch: 2, metadata: checkpoint.metadata)
                 }
             },
             file: "checkpoint-pl.ckpt", problem: "holds a model for 1-channel images; these images have 3 channels"),
        Case(name: "curves for another channel count",
             tamper: { folder in
                 let curves = try LearningCurves(contentsOf: url(folder, "curves-pl.csv"))
                 var four = LearningCurves(metricNames: EpochLosses.curveColumns(channelCount: 4, sigmas: [0.8, 1.6, 3.2]))
                 for record in curves.records {
                     var entries = record.metrics.entries.map { ($0.name, $0.value) }
                     entries.insert(("E_PL_ch4", 0.01), at: 6)
                     entries.append(("colour_error_ch4", 0.01))
                     four.append(epoch: record.epoch, metrics: TrainingMetrics(entries), elapsedSeconds: record.elapsedSeconds)
                 }
                 try four.write(to: url(folder, "curves-pl.csv"))
             },
             file: "curves-pl.csv", problem: "has the columns E,E_PL,E_SFL,E_PL_ch1,E_PL_ch2,E_PL_ch3,E_PL_ch4,SFL_sigma0.8,SFL_sigma1.6,SFL_sigma3.2,"
                 + "colour_PSNR_dB,colour_error_ch1,colour_error_ch2,colour_error_ch3,colour_error_ch4, "
                 + "this run records E,E_PL,E_SFL,E_PL_ch1,E_PL_ch2,E_PL_ch3,SFL_sigma0.8,SFL_sigma1.6,SFL_sigma3.2,"
                 + "colour_PSNR_dB,colour_error_ch1,colour_error_ch2,colour_error_ch3 (3 image channels, σ = 0.8, 1.6, 3.2)"),
        Case(name: "non-finite parameters (CRC valid)",
             tamper: { try rewrite($0, "checkpoint-pl.ckpt") { checkpoint in
                 var parameters = checkpoint.model.parameters
                 parameters[0].value = parameters[0].value * Float.nan
                 checkpoint.model = ModelState(parameters: parameters)
             } },
             file: "checkpoint-pl.ckpt", problem: "tensor 'model.conv1.weight' holds 864 non-finite values (NaN or infinity) of 864; it is a diverged state"),
        Case(name: "settings in the metadata changed (CRC valid)",
             tamper: { try rewrite($0, "checkpoint-pl.ckpt") { $0.metadata["sigmas"] = "0.5,1.0,2.0" } },
             file: "checkpoint-pl.ckpt", problem: "was made with sigmas = 0.5,1.0,2.0; this run has sigmas = 0.8,1.6,3.2. Give the same options"),
        Case(name: "run name missing (CRC valid)",
             tamper: { try rewrite($0, "checkpoint-pl-sfl.ckpt") { $0.metadata["run"] = nil } },
             file: "checkpoint-pl-sfl.ckpt", problem: "records no run name"),
        Case(name: "weights-only checkpoint",
             tamper: { try rewrite($0, "checkpoint-pl.ckpt") { $0.optimizer = nil } },
             file: "checkpoint-pl.ckpt", problem: "holds no optimizer state"),
        Case(name: "truncated checkpoint",
             tamper: { folder in
                 let data = try Data(contentsOf: url(folder, "checkpoint-pl.ckpt"))
                 try data.prefix(data.count / 2).write(to: url(folder, "checkpoint-pl.ckpt"))
             },
             file: "checkpoint-pl.ckpt", problem: "is truncated"),
        Case(name: "truncated curves (a whole epoch missing)",
             tamper: { try edit($0, "curves-pl-sfl.csv") { text in text.split(separator: "\n").prefix(2).joined(separator: "\n") + "\n" } },
             file: "curves-pl-sfl.csv", problem: "holds 1 epochs, its checkpoint"),
        Case(name: "truncated curves (mid-line)",
             tamper: { try edit($0, "curves-pl.csv") { String($0.prefix($0.count - 30)) } },
             file: "curves-pl.csv", problem: "line 3: "),
        Case(name: "a curve value edited",
             tamper: { try edit($0, "curves-pl.csv") { text in
                 var lines = text.split(separator: "\n").map(String.init)
                 var fields = lines[1].split(separator: ",").map(String.init)
                 fields[2] = "0.5"
                 lines[1] = fields.joined(separator: ",")
                 return lines.joined(separator: "\n") + "\n"
             } },
             file: "curves-pl.csv", problem: "epochs 1–2 are not those saved with"),
        Case(name: "epoch beyond --epochs",
             tamper: { _ in }, options: { $0.epochs = 1 },
             file: "checkpoint-pl.ckpt", problem: "is at epoch 2, beyond --epochs 1; give --epochs 2 or more"),
        Case(name: "another seed on the command line",
             tamper: { _ in }, options: { $0.seed = 9 },
             file: "checkpoint-pl.ckpt", problem: "was made with seed = 1; this run has seed = 9. Give the same options as the interrupted run"),
        Case(name: "another optimizer on the command line",
             tamper: { _ in }, options: { $0.optimizer = .sgd },
             file: "checkpoint-pl.ckpt", problem: "was made with momentum = -, optimizer = adam; this run has momentum = 0.5, optimizer = sgd."),
    ]

    @Test(arguments: cases)
    func tamperedFolderIsRefusedAndLeftUnchanged(_ tampering: Case) throws {
        let good = try Self.goodFolder.get()
        let folder = try copyOfFolder(good, "sfl-resume-tampered")
        defer { try? FileManager.default.removeItem(at: folder) }
        try tampering.tamper(folder)
        let before = try folderSnapshot(folder)

        var settings = Pipeline.settings(output: folder, epochs: 3)
        settings.resume = true
        tampering.options(&settings)
        do {
            _ = try Pipeline.run(settings)
            Issue.record("\(tampering.name): resumed without an error")
        } catch let error as ExperimentError {
            guard case let .resume(resumeError) = error.cause else {
                Issue.record("\(tampering.name): not a resume error: \(error)")
                return
            }
            #expect(resumeError.source == Self.url(folder, tampering.file).path, "\(tampering.name): \(resumeError)")
            #expect(resumeError.problem.hasPrefix(tampering.problem), "\(tampering.name): \(resumeError.problem)")
            #expect(error.message == "--resume: \(resumeError.source): \(resumeError.problem)")
        } catch {
            Issue.record("\(tampering.name): not an ExperimentError: \(error)")
        }
        #expect(try folderSnapshot(folder) == before, "\(tampering.name): the folder changed")
    }

    /// The untampered copy resumes (so the cases above fail for their tampering alone).
    @Test func untamperedCopyResumes() throws {
        let folder = try copyOfFolder(try Self.goodFolder.get(), "sfl-resume-untampered")
        defer { try? FileManager.default.removeItem(at: folder) }
        var settings = Pipeline.settings(output: folder, epochs: 3)
        settings.resume = true
        let outcome = try Pipeline.run(settings)
        #expect(outcome.startEpoch == 2 && outcome.completedEpochs == 3)
    }

    /// `--resume` into a folder that does not exist creates nothing.
    @Test func missingFolderIsNotCreated() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sfl-resume-missing-\(UUID().uuidString)")
        var settings = Pipeline.settings(output: folder, epochs: 2)
        settings.resume = true
        #expect(throws: ExperimentError.self) { try Pipeline.run(settings) }
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }
}
