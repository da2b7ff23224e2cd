import Foundation
import Testing
import SFLKit

@Suite struct ModelStateTests {
    /// A small denoiser built from the library's layers.
    static func denoiser(seed: UInt64) -> Sequential<Float> {
        var generator = SeededGenerator(seed: seed)
        return Sequential<Float>([
            Conv2D(inputChannels: 3, outputChannels: 8, kernelSize: 3, padding: .same, initializer: .heNormal, using: &generator),
            ActivationLayer(.relu),
            Conv2D(inputChannels: 8, outputChannels: 3, kernelSize: 3, padding: .same, using: &generator),
        ])
    }

    static func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("sfl-state-\(UUID().uuidString)-\(name)")
    }

    @Test func weightsAloneRoundTripIntoAFreshModelBitForBit() throws {
        let trained = Self.denoiser(seed: 1)
        let file = Self.temporaryFile("weights.ckpt")
        defer { try? FileManager.default.removeItem(at: file) }
        try trained.saveParameters(to: file)
        let fresh = Self.denoiser(seed: 99)
        let image = SyntheticImages.make(count: 1, height: 12, width: 10)[0] as Tensor<Float>
        #expect(fresh(image).scalars != trained(image).scalars)
        let report = try fresh.loadParameters(from: file)
        #expect(report.missing.isEmpty && report.unexpected.isEmpty)
        #expect(fresh(image).scalars == trained(image).scalars)
        let checkpoint = try Checkpoint<Float>(contentsOf: file)
        #expect(checkpoint.optimizer == nil && checkpoint.architecture == nil)
        #expect(checkpoint.model.names == ["0.weight", "0.bias", "2.weight", "2.bias"])
    }

    @Test func strictLoadingNamesTheMissingExtraOrMisshapedParameterAndChangesNothing() throws {
        let model = Self.denoiser(seed: 1)
        let before = model.parameters.map(\.scalars)
        let state = model.parameterState
        func problem(_ parameters: [(name: String, value: Tensor<Float>)]) -> String {
            do { try model.loadParameters(ModelState(parameters: parameters), source: "w.ckpt"); return "no error" } catch { return error.description }
        }
        #expect(problem(Array(state.parameters.dropLast())).hasPrefix("w.ckpt: has no parameter '2.bias'"))
        #expect(problem(state.parameters + [("3.weight", Tensor(zeros: [1]))]) == "w.ckpt: holds parameter '3.weight', which the model does not have")
        var misshaped = state.parameters
        misshaped[1] = ("0.bias", Tensor(zeros: [4]))
        #expect(problem(misshaped) == "w.ckpt: parameter '0.bias' has shape [4], the model expects [8]")
        #expect(model.parameters.map(\.scalars) == before)

        // Non-strict: loads what matches and reports the rest.
        let partial = ModelState<Float>(parameters: [("0.weight", Tensor(zeros: [8, 3, 3, 3])), ("head.weight", Tensor(zeros: [2]))])
        let report = try model.loadParameters(partial, strict: false)
        #expect(report.missing == ["0.bias", "2.weight", "2.bias"] && report.unexpected == ["head.weight"])
        #expect(model.parameters[0].scalars.allSatisfy { $0 == 0 } && model.parameters[2].scalars == before[2])
    }

    @Test func aCheckpointRebuildsTheAutoencoderFromItsConfiguration() throws {
        var configuration = ConvolutionalAutoencoder<Float>.Configuration()
        configuration.featureChannels = 8
        configuration.hiddenActivation = .leakyRelu(slope: 0.1)
        var generator = SeededGenerator(seed: 5)
        let model = ConvolutionalAutoencoder<Float>(configuration: configuration, using: &generator)
        let file = Self.temporaryFile("ae.ckpt")
        defer { try? FileManager.default.removeItem(at: file) }
        try Checkpoint(model: model, optimizer: Adam<Float>(), epoch: 4).write(to: file)

        let rebuilt = try ConvolutionalAutoencoder<Float>(contentsOf: file)
        #expect(rebuilt.configuration == configuration)
        let image = SyntheticImages.make(count: 1, height: 9, width: 13)[0] as Tensor<Float>
        #expect(rebuilt(image).scalars == model(image).scalars)

        // The weights alone of a configured model record its architecture too.
        let saved = Self.temporaryFile("ae-weights.ckpt")
        defer { try? FileManager.default.removeItem(at: saved) }
        try model.saveParameters(to: saved)
        #expect(try ConvolutionalAutoencoder<Float>(contentsOf: saved).configuration == configuration)

        // A weights file without an architecture cannot rebuild a model, and says so.
        let weights = Self.temporaryFile("plain.ckpt")
        defer { try? FileManager.default.removeItem(at: weights) }
        try Self.denoiser(seed: 1).saveParameters(to: weights)
        #expect(throws: CheckpointError.self) { try ConvolutionalAutoencoder<Float>(contentsOf: weights) }
    }

    @Test func aWeightsOnlyCheckpointCannotResumeAnOptimizer() throws {
        let model = Self.denoiser(seed: 1)
        let checkpoint = Checkpoint(model: model)
        #expect(throws: CheckpointError(source: "w", problem: "holds no optimizer state (a weights-only checkpoint); it cannot resume training")) {
            try checkpoint.restore(model: model, optimizer: SGD<Float>(), source: "w")
        }
        try checkpoint.restore(model: Self.denoiser(seed: 2))   // inference needs no optimizer
    }

    @Test func versionOneCheckpointsStillRead() throws {
        // A version-1 file: the header's optimizer is a name and its step a field of its own.
        let header = #"{"epoch":2,"generatorState":null,"metadata":{},"optimizer":"SGD","optimizerStep":2,"scalar":"Double","tensors":[{"name":"model.w","shape":[1]},{"name":"optimizer.velocity.w","shape":[1]}]}"#
        var bytes = Array("SFLKCKPT".utf8) + [1, 0, 0, 0]
        bytes += withUnsafeBytes(of: UInt32(header.utf8.count).littleEndian, Array.init)
        bytes += Array(header.utf8)
        bytes += withUnsafeBytes(of: 1.5, Array.init) + withUnsafeBytes(of: -0.25, Array.init)
        bytes += withUnsafeBytes(of: crc32(bytes).littleEndian, Array.init)
        let checkpoint = try Checkpoint<Double>(decoding: bytes, name: "v1.ckpt")
        #expect(checkpoint.epoch == 2 && checkpoint.optimizer?.name == "SGD" && checkpoint.optimizer?.state.step == 2)
        #expect(checkpoint.model["w"]?.scalars == [1.5] && checkpoint.optimizer?.state.tensors["velocity.w"]?.scalars == [-0.25])
    }
}

/// CRC-32 (ISO-HDLC), bit by bit: an independent check of the library's table-driven one.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}
