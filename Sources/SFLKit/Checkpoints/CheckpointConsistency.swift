/// Checks a training run makes of a checkpoint before resuming from it: the
/// parts of a file can each be well-formed (and its CRC-32 valid) and still
/// disagree with one another.
extension Checkpoint {
    /// Checks that every value the checkpoint holds — parameters and
    /// optimizer state — is finite, so that training resumed from it does
    /// not start from a diverged state.
    ///
    /// - Parameter source: names the checkpoint in errors.
    /// - Throws: ``CheckpointError`` naming the first tensor (parameters in
    ///   the model's order, then optimizer state by name) holding a NaN or an
    ///   infinity, and how many of its values are not finite.
    public func checkFinite(source: String = "checkpoint") throws(CheckpointError) {
        let optimizerTensors = (optimizer?.state.tensors ?? [:]).sorted { $0.key < $1.key }
        let tensors = model.parameters.map { ("model.\($0.name)", $0.value) } + optimizerTensors.map { ("optimizer.\($0.key)", $0.value) }
        for (name, tensor) in tensors where !tensor.allFinite {
            let count = tensor.scalars.filter { !$0.isFinite }.count
            throw CheckpointError(source: source, problem: "tensor '\(name)' holds \(count) non-finite value\(count == 1 ? "" : "s") (NaN or infinity) of \(tensor.scalarCount); it is a diverged state")
        }
    }

    /// Checks that the optimizer made exactly `updatesPerEpoch` updates in
    /// each of the ``epoch`` epochs, as a run with a fixed number of updates
    /// per epoch does (full-batch training: one).
    ///
    /// - Parameters:
    ///   - updatesPerEpoch: the updates of one epoch, at least 1.
    ///   - source: names the checkpoint in errors.
    /// - Throws: ``CheckpointError`` when the checkpoint holds no optimizer
    ///   state or its update count is not `updatesPerEpoch × epoch`.
    /// - Precondition: `updatesPerEpoch ≥ 1`.
    public func checkUpdateCount(updatesPerEpoch: Int = 1, source: String = "checkpoint") throws(CheckpointError) {
        check(updatesPerEpoch >= 1, "Checkpoint.checkUpdateCount: updatesPerEpoch must be at least 1, got \(updatesPerEpoch)")
        guard let optimizer else {
            throw CheckpointError(source: source, problem: "holds no optimizer state (a weights-only checkpoint); it cannot resume training")
        }
        let (expected, overflow) = epoch.multipliedReportingOverflow(by: updatesPerEpoch)
        guard !overflow, optimizer.state.step == expected else {
            throw CheckpointError(source: source, problem: "records epoch \(epoch) but its \(optimizer.name) optimizer made \(optimizer.state.step) updates, not \(updatesPerEpoch) per epoch")
        }
    }
}
