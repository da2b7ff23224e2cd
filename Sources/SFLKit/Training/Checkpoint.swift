import Foundation

/// Why a checkpoint could not be read, written or applied: which file and
/// what is wrong with it.
public struct CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The checkpoint's path (or a caller-given name for in-memory data).
    public let file: String
    /// The problem in words.
    public let problem: String

    /// `"<file>: <problem>"`.
    public var description: String { "\(file): \(problem)" }
}

/// A snapshot of training: model parameters, optimizer state, the epoch and
/// the random generator, so that training resumes exactly where it stopped.
///
/// ## File format (version 1)
/// | bytes | content |
/// |---|---|
/// | 8 | magic `SFLKCKPT` |
/// | 4 | format version, UInt32 little-endian (1) |
/// | 4 | header length `H`, UInt32 little-endian |
/// | `H` | header: UTF-8 JSON `{"scalar": "Float" or "Double", "epoch": Int, "optimizer": String, "optimizerStep": Int, "generatorState": [String] or null, "metadata": {String: String}, "tensors": [{"name": String, "shape": [Int]}]}` |
/// | … | each tensor's scalars in header order, IEEE 754 little-endian of the scalar type |
/// | 4 | CRC-32 (ISO-HDLC, as in PNG) of every preceding byte, UInt32 little-endian |
///
/// Tensor names are `model.<parameter>` and `optimizer.<kind>.<parameter>`
/// (e.g. `optimizer.velocity.conv1.weight`). Files are written atomically
/// (temporary file, then rename); reading verifies the magic, version, sizes
/// and checksum, and ``restore(model:optimizer:file:)`` verifies the optimizer
/// type and every name and shape.
public struct Checkpoint<Scalar: TensorScalar>: Sendable {
    /// The format version this library writes and reads.
    public static var formatVersion: UInt32 { 1 }

    /// The number of completed epochs.
    public var epoch: Int
    /// The model's parameters by name, in the model's order.
    public var parameters: [(name: String, value: Tensor<Scalar>)]
    /// The optimizer's update count and state tensors.
    public var optimizerState: OptimizerState<Scalar>
    /// The optimizer's type name (`"SGD"`, `"Adam"`).
    public var optimizerName: String
    /// The random generator's state, when the run uses one after initialisation.
    public var generatorState: [UInt64]?
    /// Free-form settings recorded with the run (e.g. learning rate, data folder).
    public var metadata: [String: String]

    /// Captures the current state of `model` and `optimizer`.
    public init(model: some Layer<Scalar>, optimizer: some Optimizer<Scalar>, epoch: Int,
                generator: SeededGenerator? = nil, metadata: [String: String] = [:]) {
        self.epoch = epoch
        parameters = model.namedParameters.map { ($0.name, $0.value.detached()) }
        optimizerState = optimizer.state
        optimizerName = Self.name(of: optimizer)
        generatorState = generator?.state
        self.metadata = metadata
    }

    /// The type name of an optimizer without its generic argument.
    static func name(of optimizer: some Optimizer<Scalar>) -> String {
        String(String(describing: type(of: optimizer)).prefix { $0 != "<" })
    }

    /// Copies the parameters and optimizer state into `model` and `optimizer`.
    ///
    /// - Throws: ``CheckpointError`` naming the first problem — another
    ///   optimizer type, or a parameter or state tensor that is missing, extra
    ///   or of another shape; nothing is changed then.
    public func restore(model: some Layer<Scalar>, optimizer: some Optimizer<Scalar>, file: String = "checkpoint") throws(CheckpointError) {
        guard optimizerName == Self.name(of: optimizer) else {
            throw CheckpointError(file: file, problem: "holds the state of a \(optimizerName) optimizer, not \(Self.name(of: optimizer))")
        }
        let expected = model.namedParameters
        let shapes = Dictionary(expected.map { ($0.name, $0.value.shape) }, uniquingKeysWith: { first, _ in first })
        for (key, tensor) in optimizerState.tensors.sorted(by: { $0.key < $1.key }) {
            guard let dot = key.firstIndex(of: "."), let shape = shapes[String(key[key.index(after: dot)...])] else {
                throw CheckpointError(file: file, problem: "optimizer state '\(key)' names no parameter of the model")
            }
            guard shape == tensor.shape else {
                throw CheckpointError(file: file, problem: "optimizer state '\(key)' has shape \(tensor.shape), its parameter has \(shape)")
            }
        }
        let stored = Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        for (name, value) in expected {
            guard let saved = stored[name] else { throw CheckpointError(file: file, problem: "has no parameter '\(name)' (it holds \(parameters.map(\.name)))") }
            guard saved.shape == value.shape else {
                throw CheckpointError(file: file, problem: "parameter '\(name)' has shape \(saved.shape), the model expects \(value.shape)")
            }
        }
        if let extra = parameters.first(where: { name in !expected.contains { $0.name == name.name } }) {
            throw CheckpointError(file: file, problem: "holds parameter '\(extra.name)', which the model does not have")
        }
        model.updateParameters { name, _ in stored[name]! }
        optimizer.state = optimizerState
    }

    /// A restored generator, if the checkpoint holds one.
    public var generator: SeededGenerator? {
        generatorState.flatMap { $0.count == 4 && $0.contains { $0 != 0 } ? SeededGenerator(state: $0) : nil }
    }

    // MARK: - Encoding

    private struct Header: Codable {
        struct Entry: Codable { let name: String; let shape: [Int] }
        let scalar: String
        let epoch: Int
        let optimizer: String
        let optimizerStep: Int
        let generatorState: [String]?
        let metadata: [String: String]
        let tensors: [Entry]
    }

    private static var magic: [UInt8] { Array("SFLKCKPT".utf8) }
    private static var scalarName: String { Scalar.self == Float.self ? "Float" : "Double" }

    /// The checkpoint in the version-1 file format.
    public func encoded() -> [UInt8] {
        let optimizerTensors = optimizerState.tensors.sorted { $0.key < $1.key }
        let tensors = parameters.map { ("model.\($0.name)", $0.value) } + optimizerTensors.map { ("optimizer.\($0.key)", $0.value) }
        let header = Header(scalar: Self.scalarName, epoch: epoch, optimizer: optimizerName, optimizerStep: optimizerState.step,
                            generatorState: generatorState?.map { String($0) }, metadata: metadata,
                            tensors: tensors.map { Header.Entry(name: $0.0, shape: $0.1.shape) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let headerBytes = [UInt8]((try? encoder.encode(header)) ?? Data())
        var bytes = Self.magic
        bytes += littleEndianBytes(Self.formatVersion)
        bytes += littleEndianBytes(UInt32(headerBytes.count))
        bytes += headerBytes
        for (_, tensor) in tensors {
            tensor.scalars.withUnsafeBytes { bytes += $0 }   // IEEE 754 in memory order: little-endian (checked below)
        }
        bytes += littleEndianBytes(CRC32.checksum(bytes))
        return bytes
    }

    /// Writes the checkpoint to `url` atomically (temporary file, then rename).
    public func write(to url: URL) throws(CheckpointError) {
        do {
            try writeAtomically(encoded(), to: url)
        } catch {
            throw CheckpointError(file: url.path, problem: error.reason)
        }
    }

    /// Reads a checkpoint file.
    ///
    /// - Throws: ``CheckpointError`` naming the file and the problem: missing
    ///   or unreadable, truncated, not a checkpoint, another version or scalar
    ///   type, a corrupt header, or a checksum mismatch.
    public init(contentsOf url: URL) throws(CheckpointError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CheckpointError(file: url.path, problem: "cannot be read (\(error.localizedDescription))")
        }
        try self.init(decoding: [UInt8](data), name: url.path)
    }

    /// Decodes a checkpoint from `bytes`; `name` identifies them in errors.
    public init(decoding bytes: [UInt8], name: String) throws(CheckpointError) {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(file: name, problem: problem) }
        guard bytes.count >= 20 else { throw fail("is truncated (\(bytes.count) bytes; a checkpoint has at least 20)") }
        guard Array(bytes[0..<8]) == Self.magic else { throw fail("is not an SFLKit checkpoint (wrong magic bytes)") }
        let version = readLittleEndianUInt32(bytes, at: 8)
        guard version == Self.formatVersion else { throw fail("has format version \(version); this SFLKit reads version \(Self.formatVersion)") }
        let headerLength = Int(readLittleEndianUInt32(bytes, at: 12))
        guard 16 + headerLength + 4 <= bytes.count else { throw fail("is truncated (the header claims \(headerLength) bytes)") }
        let storedChecksum = readLittleEndianUInt32(bytes, at: bytes.count - 4)
        let computedChecksum = bytes.withUnsafeBytes { CRC32.update(0, UnsafeRawBufferPointer(rebasing: $0[..<(bytes.count - 4)])) }
        guard computedChecksum == storedChecksum else {
            throw fail("is corrupt (CRC-32 mismatch) or truncated")
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(bytes[16..<(16 + headerLength)])) else {
            throw fail("has a corrupt header")
        }
        guard header.scalar == Self.scalarName else { throw fail("holds \(header.scalar) tensors, not \(Self.scalarName)") }
        guard header.epoch >= 0, header.optimizerStep >= 0 else { throw fail("has a negative epoch or optimizer step") }
        var offset = 16 + headerLength
        let dataEnd = bytes.count - 4
        var model: [(name: String, value: Tensor<Scalar>)] = []
        var optimizer: [String: Tensor<Scalar>] = [:]
        for entry in header.tensors {
            var count = 1
            for dimension in entry.shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard dimension >= 0, !overflow, product <= bytes.count else { throw fail("tensor '\(entry.name)' has an invalid shape \(entry.shape)") }
                count = product
            }
            let byteCount = count * MemoryLayout<Scalar>.stride
            guard byteCount <= dataEnd - offset else { throw fail("is truncated (tensor '\(entry.name)' \(entry.shape) runs past the end)") }
            let scalars = bytes[offset..<(offset + byteCount)].withUnsafeBytes { raw in
                (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<Scalar>.stride, as: Scalar.self) }
            }
            offset += byteCount
            let tensor = Tensor(shape: entry.shape, scalars: scalars)
            if entry.name.hasPrefix("model.") {
                let name = String(entry.name.dropFirst(6))
                guard !model.contains(where: { $0.name == name }) else { throw fail("holds parameter '\(name)' twice") }
                model.append((name, tensor))
            } else if entry.name.hasPrefix("optimizer.") {
                optimizer[String(entry.name.dropFirst(10))] = tensor
            } else {
                throw fail("holds a tensor '\(entry.name)' of unknown kind")
            }
        }
        guard offset == dataEnd else { throw fail("has \(dataEnd - offset) unexpected bytes after the tensors") }
        var generatorState: [UInt64]?
        if let words = header.generatorState {
            let parsed = words.compactMap(UInt64.init)
            guard parsed.count == 4, parsed.contains(where: { $0 != 0 }) else { throw fail("has an invalid generator state") }
            generatorState = parsed
        }
        epoch = header.epoch
        parameters = model
        optimizerState = OptimizerState(step: header.optimizerStep, tensors: optimizer)
        optimizerName = header.optimizer
        self.generatorState = generatorState
        metadata = header.metadata
    }
}

#if _endian(big)
#error("the checkpoint format stores scalars little-endian; add byte swapping for big-endian hosts")
#endif

private func littleEndianBytes(_ value: UInt32) -> [UInt8] {
    (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}

private func readLittleEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
}
