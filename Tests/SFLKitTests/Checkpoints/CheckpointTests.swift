import Foundation
import Testing
@testable import SFLKit

@Suite struct CheckpointTests {
    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sflkit-checkpoint-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func roundTripAndExactResume() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("run.ckpt")

        // Uninterrupted: 6 epochs.
        let straight = TrainerTests.trainer(optimizer: SGD<Float>(learningRate: 0.02, momentum: 0.5))
        var straightLosses: [Double] = []
        for _ in 0..<6 { straightLosses.append(try straight.step()["loss"]!) }

        // Interrupted after 3, saved, restored into a fresh model and optimizer, 3 more.
        let first = TrainerTests.trainer(optimizer: SGD<Float>(learningRate: 0.02, momentum: 0.5))
        var resumedLosses: [Double] = []
        for _ in 0..<3 { resumedLosses.append(try first.step()["loss"]!) }
        var generator = SeededGenerator(seed: 99)
        _ = generator.next()
        try Checkpoint(model: first.model, optimizer: first.optimizer, epoch: 3, generator: generator, metadata: ["note": "test"]).write(to: file)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["run.ckpt"])   // no temporary left

        let loaded = try Checkpoint<Float>(contentsOf: file)
        #expect(loaded.epoch == 3)
        #expect(loaded.metadata == ["note": "test"])
        #expect(loaded.generator == generator)
        let second = TrainerTests.trainer(optimizer: SGD<Float>(learningRate: 0.02, momentum: 0.5), seed: 12345)   // other initial weights
        try loaded.restore(model: second.model, optimizer: second.optimizer)
        #expect(second.epoch == 3)
        for _ in 0..<3 { resumedLosses.append(try second.step()["loss"]!) }
        #expect(resumedLosses == straightLosses)
        #expect(second.model.parameters.map(\.scalars) == straight.model.parameters.map(\.scalars))
    }

    @Test func adamStateRoundTrips() throws {
        let trainer = TrainerTests.trainer(optimizer: Adam<Float>())
        try trainer.step()
        let bytes = Checkpoint(model: trainer.model, optimizer: trainer.optimizer, epoch: 1).encoded()
        let decoded = try Checkpoint<Float>(decoding: bytes, name: "memory")
        #expect(decoded.optimizer!.state.tensors.keys.sorted() == trainer.optimizer.state.tensors.keys.sorted())
        #expect(decoded.optimizer!.state.tensors.count == 16)
        for (key, value) in trainer.optimizer.state.tensors { #expect(decoded.optimizer!.state.tensors[key]?.scalars == value.scalars) }
    }

    @Test func corruptTruncatedAndMismatchedFilesThrowNamedErrors() throws {
        let trainer = TrainerTests.trainer(optimizer: SGD<Float>())
        let bytes = Checkpoint(model: trainer.model, optimizer: trainer.optimizer, epoch: 0).encoded()
        func problem(_ data: [UInt8]) -> String? {
            do { _ = try Checkpoint<Float>(decoding: data, name: "bad.ckpt"); return nil } catch { return error.description }
        }
        #expect(problem(Array(bytes.prefix(10)))?.contains("bad.ckpt: is truncated") == true)
        #expect(problem(Array(bytes.dropLast(100))) == "bad.ckpt: is corrupt (CRC-32 mismatch) or truncated")
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x40
        #expect(problem(flipped)?.contains("CRC-32 mismatch") == true)
        var wrongMagic = bytes
        wrongMagic[0] = UInt8(ascii: "X")
        #expect(problem(wrongMagic)?.contains("not an SFLKit checkpoint") == true)
        var version = bytes
        version[8] = 9
        #expect(problem(version)?.contains("format version 9") == true)
        #expect(throws: CheckpointError.self) { try Checkpoint<Double>(decoding: bytes, name: "float.ckpt") }

        // A checkpoint of another architecture does not fit.
        var configuration = ConvolutionalAutoencoder<Float>.Configuration()
        configuration.featureChannels = 8
        var generator = SeededGenerator(seed: 1)
        let other = ConvolutionalAutoencoder<Float>(configuration: configuration, using: &generator)
        let checkpoint = try Checkpoint<Float>(decoding: bytes, name: "small.ckpt")
        let before = other.parameters.map(\.scalars)
        #expect(throws: CheckpointError.self) { try checkpoint.restore(model: other, optimizer: SGD<Float>(), source: "small.ckpt") }
        do { try checkpoint.restore(model: other, optimizer: SGD<Float>(), source: "small.ckpt") } catch {
            #expect("\(error)".contains("conv2.weight' has shape [16, 32, 3, 3], the model expects [8, 32, 3, 3]"))
        }
        #expect(other.parameters.map(\.scalars) == before)
        #expect(throws: CheckpointError.self) { try Checkpoint<Float>(contentsOf: URL(fileURLWithPath: "/nonexistent/run.ckpt")) }

        // SGD state does not go into Adam.
        let sgdTrained = TrainerTests.trainer(optimizer: SGD<Float>())
        try sgdTrained.step()
        let sgdCheckpoint = Checkpoint(model: sgdTrained.model, optimizer: sgdTrained.optimizer, epoch: 1)
        #expect(sgdCheckpoint.optimizer?.name == "SGD")
        var freshGenerator = SeededGenerator(seed: 2)
        let fresh = ConvolutionalAutoencoder<Float>(using: &freshGenerator)
        #expect(throws: CheckpointError(source: "sgd.ckpt", problem: "holds the state of a SGD optimizer, not Adam")) {
            try sgdCheckpoint.restore(model: fresh, optimizer: Adam<Float>(), source: "sgd.ckpt")
        }
    }
}
