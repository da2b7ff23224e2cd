import Foundation
import Testing
@testable import SFLKit

@Suite struct CheckpointConsistencyTests {
    /// A trainer after two full-batch epochs of Adam, and its checkpoint.
    static func trained() throws -> (trainer: FullBatchTrainer<ConvolutionalAutoencoder<Float>>, checkpoint: Checkpoint<Float>) {
        let trainer = TrainerTests.trainer(optimizer: Adam<Float>(learningRate: 1e-3))
        for _ in 0..<2 { try trainer.step() }
        return (trainer, Checkpoint(model: trainer.model, optimizer: trainer.optimizer, epoch: 2))
    }

    static func problem(_ body: () throws(CheckpointError) -> Void) -> String {
        do { try body(); return "no error" } catch { return error.description }
    }

    @Test func updateCountMustMatchTheEpoch() throws {
        var (_, checkpoint) = try Self.trained()
        #expect(Self.problem { () throws(CheckpointError) in try checkpoint.checkUpdateCount(source: "run.ckpt") } == "no error")
        checkpoint.epoch = 3
        #expect(Self.problem { () throws(CheckpointError) in try checkpoint.checkUpdateCount(source: "run.ckpt") }
                == "run.ckpt: records epoch 3 but its Adam optimizer made 2 updates, not 1 per epoch")
        checkpoint.epoch = 1
        #expect(Self.problem { () throws(CheckpointError) in try checkpoint.checkUpdateCount(updatesPerEpoch: 2, source: "run.ckpt") } == "no error")
        checkpoint.epoch = Int.max   // the product overflows: an error, not a trap
        #expect(Self.problem { () throws(CheckpointError) in try checkpoint.checkUpdateCount(updatesPerEpoch: 2, source: "run.ckpt") }.contains("records epoch \(Int.max)"))
        let weightsOnly = Checkpoint(model: checkpoint.model)
        #expect(Self.problem { () throws(CheckpointError) in try weightsOnly.checkUpdateCount(source: "w.ckpt") }.hasPrefix("w.ckpt: holds no optimizer state"))
    }

    /// A well-formed file (valid CRC-32) whose epoch disagrees with its
    /// optimizer's step count reads without error; the check finds it.
    @Test func crcValidButInconsistentFileIsFoundAfterReading() throws {
        var (_, checkpoint) = try Self.trained()
        checkpoint.epoch = 7
        let decoded = try Checkpoint<Float>(decoding: checkpoint.encoded(), name: "tampered.ckpt")
        #expect(decoded.epoch == 7 && decoded.optimizer?.state.step == 2)
        #expect(Self.problem { () throws(CheckpointError) in try decoded.checkUpdateCount(source: "tampered.ckpt") }.contains("records epoch 7 but its Adam optimizer made 2 updates"))
    }

    @Test func nonFiniteParametersAndStateAreNamed() throws {
        let (trainer, checkpoint) = try Self.trained()
        #expect(Self.problem { () throws(CheckpointError) in try checkpoint.checkFinite(source: "good.ckpt") } == "no error")

        var parameters = checkpoint.model.parameters
        var scalars = parameters[2].value.scalars
        scalars[0] = .nan
        scalars[5] = .infinity
        parameters[2].value = Tensor(shape: parameters[2].value.shape, scalars: scalars)
        var broken = checkpoint
        broken.model = ModelState(parameters: parameters)
        let decoded = try Checkpoint<Float>(decoding: broken.encoded(), name: "nan.ckpt")   // CRC-valid
        #expect(Self.problem { () throws(CheckpointError) in try decoded.checkFinite(source: "nan.ckpt") }
                == "nan.ckpt: tensor 'model.\(parameters[2].name)' holds 2 non-finite values (NaN or infinity) of \(scalars.count); it is a diverged state")

        var state = trainer.optimizer.state
        let key = state.tensors.keys.sorted()[0]
        state.tensors[key] = state.tensors[key]! * Float.infinity + Float.infinity
        var brokenState = checkpoint
        brokenState.optimizer = OptimizerSnapshot(name: "Adam", state: state)
        #expect(Self.problem { () throws(CheckpointError) in try brokenState.checkFinite(source: "m.ckpt") }.hasPrefix("m.ckpt: tensor 'optimizer.\(key)' holds"))
    }
}
