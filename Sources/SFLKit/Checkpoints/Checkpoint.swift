import Foundation

/// Why a checkpoint or a model's parameters could not be read, written or
/// applied: which file and what is wrong with it.
public struct CheckpointError: SFLKitError, Equatable {
    /// The checkpoint's path (or a caller-given name for in-memory data).
    public let source: String
    /// The problem in words.
    public let problem: String

    /// Creates an error about `source`.
    public init(source: String, problem: String) {
        self.source = source
        self.problem = problem
    }
}

/// An optimizer's type name and state, as a checkpoint holds them.
public struct OptimizerSnapshot<Scalar: TensorScalar>: Sendable {
    /// The optimizer's type name without its generic argument (`"SGD"`, `"Adam"`).
    public var name: String
    /// The update count and the named state tensors.
    public var state: OptimizerState<Scalar>

    /// Captures the state of `optimizer`.
    public init(of optimizer: any Optimizer<Scalar>) {
        name = Self.typeName(of: optimizer)
        state = optimizer.state
    }

    /// Creates a snapshot from its parts.
    public init(name: String, state: OptimizerState<Scalar>) {
        self.name = name
        self.state = state
    }

    /// The type name of an optimizer without its generic argument.
    static func typeName(of optimizer: any Optimizer<Scalar>) -> String {
        String(String(describing: type(of: optimizer)).prefix { $0 != "<" })
    }
}

/// A snapshot of a model and, optionally, of its training: parameters by
/// name, the optimizer's state, the epoch, the random generator, the
/// model's architecture and free-form metadata.
///
/// A checkpoint with optimizer state resumes training exactly where it
/// stopped; one without it (``ModelState/write(to:)``) is a weights file.
/// Restoring a model for inference never needs an optimizer:
///
/// ```swift
/// try Checkpoint(model: model, optimizer: adam, epoch: 10).write(to: url)   // during training
/// try model.loadParameters(from: url)                                        // inference: weights only
/// let rebuilt = try ConvolutionalAutoencoder<Float>(contentsOf: url)         // architecture recorded too
/// ```
///
/// ## File format (version 2)
/// | bytes | content |
/// |---|---|
/// | 8 | magic `SFLKCKPT` |
/// | 4 | format version, UInt32 little-endian (2) |
/// | 4 | header length `H`, UInt32 little-endian |
/// | `H` | header: UTF-8 JSON `{"scalar": "Float" or "Double", "epoch": Int, "optimizer": {"name": String, "step": Int} or absent, "architecture": {"name": String, "configuration": String} or absent, "generatorState": [String] or absent, "metadata": {String: String}, "tensors": [{"name": String, "shape": [Int]}]}` |
/// | … | each tensor's scalars in header order, IEEE 754 little-endian of the scalar type |
/// | 4 | CRC-32 (ISO-HDLC, as in PNG) of every preceding byte, UInt32 little-endian |
///
/// Tensor names are `model.<parameter>` and `optimizer.<kind>.<parameter>`
/// (e.g. `optimizer.velocity.conv1.weight`). Version 1 files (optimizer state
/// always present, no architecture) are still read. Files are written
/// atomically (temporary file, then rename); reading verifies the magic,
/// version, sizes and checksum, and ``restore(model:optimizer:source:)``
/// verifies the optimizer type and every name and shape.
public struct Checkpoint<Scalar: TensorScalar>: Sendable {
    /// The format version this library writes.
    public static var formatVersion: UInt32 { 2 }

    /// The model's parameters by name, in the model's order.
    public var model: ModelState<Scalar>
    /// The optimizer's name and state, or nil for a weights-only checkpoint.
    public var optimizer: OptimizerSnapshot<Scalar>?
    /// The model's architecture, when the model is a ``ConfiguredModel``.
    public var architecture: ModelArchitecture?
    /// The number of completed epochs.
    public var epoch: Int
    /// The random generator's state, when the run uses one after initialisation.
    public var generatorState: [UInt64]?
    /// Free-form settings recorded with the run (e.g. learning rate, data folder).
    public var metadata: [String: String]

    /// Captures the current state of `model` and, when given, `optimizer`;
    /// the architecture of a ``ConfiguredModel`` is recorded too.
    public init(model: some Layer<Scalar>, optimizer: (any Optimizer<Scalar>)? = nil, epoch: Int = 0,
                generator: SeededGenerator? = nil, metadata: [String: String] = [:]) {
        self.model = ModelState(of: model)
        self.optimizer = optimizer.map { OptimizerSnapshot(of: $0) }
        architecture = (model as? any ConfiguredModel).map { ModelArchitecture(of: $0) }
        self.epoch = epoch
        generatorState = generator?.state
        self.metadata = metadata
    }

    /// A weights-only checkpoint of `state`.
    public init(model state: ModelState<Scalar>, architecture: ModelArchitecture? = nil, metadata: [String: String] = [:]) {
        model = state
        optimizer = nil
        self.architecture = architecture
        epoch = 0
        generatorState = nil
        self.metadata = metadata
    }

    /// Copies the parameters into `model` and, when given, the optimizer
    /// state into `optimizer`.
    ///
    /// - Parameters:
    ///   - target: the model that receives the parameters.
    ///   - targetOptimizer: the optimizer that receives the state, or nil (inference).
    ///   - source: names the checkpoint in errors.
    /// - Throws: ``CheckpointError`` naming the first problem — no optimizer
    ///   state, another optimizer type, or a parameter or state tensor that
    ///   is missing, extra or of another shape; nothing is changed then.
    public func restore(model target: some Layer<Scalar>, optimizer targetOptimizer: (any Optimizer<Scalar>)? = nil,
                        source: String = "checkpoint") throws(CheckpointError) {
        if let targetOptimizer {
            guard let optimizer else {
                throw CheckpointError(source: source, problem: "holds no optimizer state (a weights-only checkpoint); it cannot resume training")
            }
            let expectedName = OptimizerSnapshot.typeName(of: targetOptimizer)
            guard optimizer.name == expectedName else {
                throw CheckpointError(source: source, problem: "holds the state of a \(optimizer.name) optimizer, not \(expectedName)")
            }
            let shapes = Dictionary(target.namedParameters.map { ($0.name, $0.value.shape) }, uniquingKeysWith: { first, _ in first })
            for (key, tensor) in optimizer.state.tensors.sorted(by: { $0.key < $1.key }) {
                guard let dot = key.firstIndex(of: "."), let shape = shapes[String(key[key.index(after: dot)...])] else {
                    throw CheckpointError(source: source, problem: "optimizer state '\(key)' names no parameter of the model")
                }
                guard shape == tensor.shape else {
                    throw CheckpointError(source: source, problem: "optimizer state '\(key)' has shape \(tensor.shape), its parameter has \(shape)")
                }
            }
        }
        try target.loadParameters(model, source: source)   // checks every name and shape before changing anything
        if let targetOptimizer, let optimizer { targetOptimizer.state = optimizer.state }
    }

    /// A restored generator, if the checkpoint holds one.
    public var generator: SeededGenerator? {
        generatorState.flatMap { $0.count == 4 && $0.contains { $0 != 0 } ? SeededGenerator(state: $0) : nil }
    }

    // MARK: - Encoding

    private struct Entry: Codable { let name: String; let shape: [Int] }
    private struct OptimizerEntry: Codable { let name: String; let step: Int }

    /// The version-2 header.
    private struct Header: Codable {
        let scalar: String
        let epoch: Int
        let optimizer: OptimizerEntry?
        let architecture: ModelArchitecture?
        let generatorState: [String]?
        let metadata: [String: String]
        let tensors: [Entry]
    }

    /// The version-1 header (optimizer state always present, no architecture).
    private struct HeaderVersion1: Codable {
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

    /// The checkpoint in the version-2 file format.
    public func encoded() -> [UInt8] {
        let optimizerTensors = (optimizer?.state.tensors ?? [:]).sorted { $0.key < $1.key }
        let tensors = model.parameters.map { ("model.\($0.name)", $0.value) } + optimizerTensors.map { ("optimizer.\($0.key)", $0.value) }
        let header = Header(scalar: Self.scalarName, epoch: epoch, optimizer: optimizer.map { OptimizerEntry(name: $0.name, step: $0.state.step) },
                            architecture: architecture, generatorState: generatorState?.map { String($0) }, metadata: metadata,
                            tensors: tensors.map { Entry(name: $0.0, shape: $0.1.shape) })
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
            throw CheckpointError(source: url.path, problem: error.reason)
        }
    }

    /// The largest header a checkpoint file may declare (16 MiB, far more than
    /// any model's names, shapes and metadata need); a file declaring more is
    /// refused before its header is read.
    static var maximumHeaderBytes: Int { 1 << 24 }

    /// Reads a checkpoint file.
    ///
    /// Only a regular file is read (after following links): a FIFO, a device
    /// or a directory is refused without being read. The first 16 bytes are
    /// checked (magic, version, header length) before the header is read, and
    /// the file's size is checked against the size its header describes
    /// before the tensors are read, so memory stays bounded by the model the
    /// header names, whatever the file holds.
    ///
    /// - Throws: ``CheckpointError`` naming the file and the problem: missing
    ///   or unreadable, not a regular file, truncated or longer than its
    ///   header says, not a checkpoint, another version or scalar type, a
    ///   corrupt header, or a checksum mismatch.
    public init(contentsOf url: URL) throws(CheckpointError) {
        do {
            self = try Self.read(url)
        } catch let failure as FileReadFailure {
            throw CheckpointError(source: url.path, problem: failure.reason)
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(source: url.path, problem: "cannot be read (\(error))")
        }
    }

    /// Reads `url` as ``init(contentsOf:)`` describes.
    private static func read(_ url: URL) throws -> Checkpoint {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(source: url.path, problem: problem) }
        let file = try RegularFile(openingForReading: url.path)
        var bytes = try file.read(upTo: 16)
        guard bytes.count == 16, file.size >= 20 else {   // too short to hold a size: the decoder says what is wrong
            return try Checkpoint(decoding: bytes, name: url.path)
        }
        let (version, headerLength) = try parsePrefix(bytes, fail: fail)
        guard headerLength <= maximumHeaderBytes else {
            throw fail("declares a header of \(headerLength) bytes, more than the limit of \(maximumHeaderBytes); not read")
        }
        guard 16 + headerLength + 4 <= file.size else {
            throw fail("is truncated (\(file.size) bytes; the header alone claims \(headerLength))")
        }
        try file.read(upTo: headerLength, appendingTo: &bytes)
        let header = try parseHeader(bytes[16...], version: version, fail: fail)
        let tensorBytes = try tensorByteCounts(header, atMost: file.size, fail: fail).reduce(0, +)
        let expectedSize = 16 + headerLength + tensorBytes + 4
        guard file.size == expectedSize else {
            throw fail(file.size < expectedSize
                ? "is truncated (\(file.size) bytes; its header describes \(expectedSize))"
                : "is \(file.size) bytes, more than the \(expectedSize) its header describes; not read")
        }
        bytes.reserveCapacity(file.size)
        try file.read(upTo: file.size - bytes.count, appendingTo: &bytes)
        return try Checkpoint(decoding: bytes, name: url.path)
    }

    /// Decodes a checkpoint from `bytes`; `name` identifies them in errors.
    public init(decoding bytes: [UInt8], name: String) throws(CheckpointError) {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(source: name, problem: problem) }
        guard bytes.count >= 20 else { throw fail("is truncated (\(bytes.count) bytes; a checkpoint has at least 20)") }
        let (version, headerLength) = try Self.parsePrefix(bytes, fail: fail)
        guard 16 + headerLength + 4 <= bytes.count else { throw fail("is truncated (the header claims \(headerLength) bytes)") }
        let storedChecksum = readLittleEndianUInt32(bytes, at: bytes.count - 4)
        let computedChecksum = bytes.withUnsafeBytes { CRC32.update(0, UnsafeRawBufferPointer(rebasing: $0[..<(bytes.count - 4)])) }
        guard computedChecksum == storedChecksum else {
            throw fail("is corrupt (CRC-32 mismatch) or truncated")
        }
        let header = try Self.parseHeader(bytes[16..<(16 + headerLength)], version: version, fail: fail)
        let byteCounts = try Self.tensorByteCounts(header, atMost: bytes.count, fail: fail)
        var offset = 16 + headerLength
        let dataEnd = bytes.count - 4
        var parameters: [(name: String, value: Tensor<Scalar>)] = []
        var optimizerTensors: [String: Tensor<Scalar>] = [:]
        for (entry, byteCount) in zip(header.tensors, byteCounts) {
            let count = byteCount / MemoryLayout<Scalar>.stride
            guard byteCount <= dataEnd - offset else { throw fail("is truncated (tensor '\(entry.name)' \(entry.shape) runs past the end)") }
            let scalars = bytes[offset..<(offset + byteCount)].withUnsafeBytes { raw in
                (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<Scalar>.stride, as: Scalar.self) }
            }
            offset += byteCount
            let tensor = Tensor(shape: entry.shape, scalars: scalars)
            if entry.name.hasPrefix("model.") {
                let parameterName = String(entry.name.dropFirst(6))
                guard !parameters.contains(where: { $0.name == parameterName }) else { throw fail("holds parameter '\(parameterName)' twice") }
                parameters.append((parameterName, tensor))
            } else if entry.name.hasPrefix("optimizer.") {
                guard header.optimizer != nil else { throw fail("holds optimizer tensor '\(entry.name)' but no optimizer") }
                optimizerTensors[String(entry.name.dropFirst(10))] = tensor
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
        model = ModelState(parameters: parameters)
        optimizer = header.optimizer.map { OptimizerSnapshot(name: $0.name, state: OptimizerState(step: $0.step, tensors: optimizerTensors)) }
        architecture = header.architecture
        self.generatorState = generatorState
        metadata = header.metadata
    }
}

extension Checkpoint {
    /// The format version and header length from the first 16 bytes of
    /// `bytes`, after checking the magic and that the version is one this
    /// library reads.
    private static func parsePrefix(_ bytes: [UInt8], fail: (String) -> CheckpointError) throws(CheckpointError)
        -> (version: UInt32, headerLength: Int) {
        guard Array(bytes[0..<8]) == magic else { throw fail("is not an SFLKit checkpoint (wrong magic bytes)") }
        let version = readLittleEndianUInt32(bytes, at: 8)
        guard version == 1 || version == formatVersion else {
            throw fail("has format version \(version); this SFLKit reads versions 1 and \(formatVersion)")
        }
        return (version, Int(readLittleEndianUInt32(bytes, at: 12)))
    }

    /// The header in `bytes` (JSON of format `version`), checked for the
    /// scalar type and for a non-negative epoch and optimizer step.
    private static func parseHeader(_ bytes: ArraySlice<UInt8>, version: UInt32, fail: (String) -> CheckpointError)
        throws(CheckpointError) -> Header {
        let headerData = Data(bytes)
        let header: Header
        if version == 1 {
            guard let old = try? JSONDecoder().decode(HeaderVersion1.self, from: headerData) else { throw fail("has a corrupt header") }
            header = Header(scalar: old.scalar, epoch: old.epoch, optimizer: OptimizerEntry(name: old.optimizer, step: old.optimizerStep),
                            architecture: nil, generatorState: old.generatorState, metadata: old.metadata, tensors: old.tensors)
        } else {
            guard let decoded = try? JSONDecoder().decode(Header.self, from: headerData) else { throw fail("has a corrupt header") }
            header = decoded
        }
        guard header.scalar == scalarName else { throw fail("holds \(header.scalar) tensors, not \(scalarName)") }
        guard header.epoch >= 0, (header.optimizer?.step ?? 0) >= 0 else { throw fail("has a negative epoch or optimizer step") }
        return header
    }

    /// The number of bytes of each tensor the header lists, in order; a shape
    /// with a negative dimension or more scalars than `limit` is refused.
    private static func tensorByteCounts(_ header: Header, atMost limit: Int, fail: (String) -> CheckpointError)
        throws(CheckpointError) -> [Int] {
        var byteCounts: [Int] = []
        var total = 0
        for entry in header.tensors {
            var count = 1
            for dimension in entry.shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard dimension >= 0, !overflow, product <= limit else { throw fail("tensor '\(entry.name)' has an invalid shape \(entry.shape)") }
                count = product
            }
            let byteCount = count * MemoryLayout<Scalar>.stride
            total += byteCount
            guard total <= limit else { throw fail("is truncated (tensor '\(entry.name)' \(entry.shape) runs past the end)") }
            byteCounts.append(byteCount)
        }
        return byteCounts
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
