import Foundation

/// A model whose architecture is described by a `Codable` configuration, so
/// that a checkpoint can record it and rebuild the model in one call.
///
/// ```swift
/// let model = try ConvolutionalAutoencoder<Float>(contentsOf: checkpointURL)   // built and loaded
/// ```
///
/// ``Checkpoint/init(model:optimizer:epoch:generator:metadata:)`` records the
/// configuration of any model that conforms.
public protocol ConfiguredModel<Scalar>: Layer {
    /// The architecture's free choices.
    associatedtype Configuration: Codable & Sendable

    /// The name recorded with the configuration, checked when a model is rebuilt.
    static var architectureName: String { get }
    /// The configuration the model was built with.
    var configuration: Configuration { get }
    /// Builds the model with parameters drawn from `generator`.
    init(configuration: Configuration, using generator: inout SeededGenerator)
}

/// The architecture a checkpoint records: a model type's name and its
/// configuration as JSON.
public struct ModelArchitecture: Equatable, Sendable, Codable {
    /// The model type's ``ConfiguredModel/architectureName``.
    public var name: String
    /// The configuration, encoded as JSON with sorted keys.
    public var configuration: String

    /// Records the architecture of `model`.
    public init<Model: ConfiguredModel>(of model: Model) {
        name = Model.architectureName
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        configuration = (try? encoder.encode(model.configuration)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension ConfiguredModel {
    /// Rebuilds the model a checkpoint describes and loads its parameters
    /// (strictly: every name and shape must match).
    ///
    /// - Parameters:
    ///   - checkpoint: a checkpoint with an architecture, read or made in memory.
    ///   - source: names the checkpoint in errors.
    /// - Throws: ``CheckpointError`` when the checkpoint records no
    ///   architecture, another architecture, a configuration that does not
    ///   decode, or parameters that do not fit.
    public init(checkpoint: Checkpoint<Scalar>, source: String = "checkpoint") throws(CheckpointError) {
        guard let architecture = checkpoint.architecture else {
            throw CheckpointError(source: source, problem: "records no model architecture; build the model yourself and call loadParameters(from:)")
        }
        guard architecture.name == Self.architectureName else {
            throw CheckpointError(source: source, problem: "holds a \(architecture.name), not a \(Self.architectureName)")
        }
        let configuration: Configuration
        do {
            configuration = try JSONDecoder().decode(Configuration.self, from: Data(architecture.configuration.utf8))
        } catch {
            throw CheckpointError(source: source, problem: "has a \(architecture.name) configuration that does not decode (\(error))")
        }
        var generator = SeededGenerator(seed: 0)   // every parameter is replaced below
        self.init(configuration: configuration, using: &generator)
        try loadParameters(checkpoint.model, source: source)
    }

    /// Reads a checkpoint file, rebuilds the model it describes and loads its parameters.
    ///
    /// - Throws: ``CheckpointError`` naming the file and the problem.
    public init(contentsOf url: URL) throws(CheckpointError) {
        try self.init(checkpoint: Checkpoint<Scalar>(contentsOf: url), source: url.path)
    }
}
