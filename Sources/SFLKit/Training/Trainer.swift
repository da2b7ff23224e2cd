import Foundation

/// A unit of training data that knows how many examples it holds, so that
/// the parts of one update can be weighted by their size.
public protocol TrainingBatch: Sendable {
    /// The number of examples (images, rows, sequences) in the batch.
    var exampleCount: Int { get }
}

extension Tensor: TrainingBatch {
    /// The size of the first axis: a batch `[N, …]` holds `N` examples.
    public var exampleCount: Int { rank == 0 ? 1 : shape[0] }
}

/// How a training step uses the threads it is given when an update is made
/// of several parts (images of different sizes, for example).
public enum BatchParallelism: Equatable, Sendable {
    /// Parts one after another, each operation's kernel using every thread.
    case withinOperations
    /// Several parts at once, each on one thread (fewer, larger work units;
    /// faster for the paper's many small images).
    case acrossParts
}

/// A general training loop: a model, an optimizer and an objective — a
/// closure that computes the loss of a batch and records named metrics.
///
/// ```swift
/// let trainer = Trainer<Sequential<Float>, ImageBatch<Float>>(model: model, optimizer: Adam()) { model, batch, metrics in
///     let reconstruction = model(noisy(batch.images))
///     let pixel = PixelLoss()(reconstruction, batch.images), frequency = SpatialFrequencyLoss<Float>()(reconstruction, batch.images)
///     metrics.record("PL", pixel)
///     return pixel + frequency
/// }
/// for epoch in 0..<10 {
///     let metrics = try trainer.train(on: batches.epoch(epoch))   // one update per mini-batch
///     print(epoch, metrics)
/// }
/// ```
///
/// One update may be computed from several parts (`step(_ parts: [Batch])`): the
/// objective is evaluated on each part, and the loss, the metrics and the
/// gradients are averaged, weighted by each part's
/// ``TrainingBatch/exampleCount``. That is how a mini-batch of images of
/// different sizes is trained: each size is one part, so each image's loss
/// is normalised by its own size, and the gradient is exactly that of the
/// mean over the images. Parts are summed in order and every kernel is
/// deterministic, so a step gives bit-identical results whatever the thread
/// count and ``parallelism``. With ``BatchParallelism/acrossParts`` the
/// objective is called from several threads at once: it must not mutate
/// shared state (SFLKit's layers and losses do not).
///
/// A step whose loss or gradients are not finite throws ``TrainingError``
/// and leaves the parameters unchanged.
public final class Trainer<Model: Layer, Batch: TrainingBatch> {
    /// The element type of the model's tensors.
    public typealias Scalar = Model.Scalar
    /// Computes the loss of `batch` (a scalar tensor to minimise) and may
    /// record named metrics; the trainer records the loss itself as `"loss"`.
    ///
    /// The loss must be the *mean* over the batch's examples (as
    /// ``PixelLoss`` and ``SpatialFrequencyLoss`` are), since the parts of
    /// an update are weighted by their example counts. With
    /// ``BatchParallelism/acrossParts`` it runs on several threads at once:
    /// it must not mutate captured state (draw random augmentations from a
    /// generator seeded by the batch, not from a shared one).
    public typealias Objective = (_ model: Model, _ batch: Batch, _ metrics: inout TrainingMetrics) -> Tensor<Scalar>

    /// The model being trained.
    public let model: Model
    /// The optimizer that applies each update.
    public let optimizer: any Optimizer<Scalar>
    /// The objective.
    public let objective: Objective
    /// How the threads are used when an update has several parts.
    public var parallelism: BatchParallelism
    /// The number of updates applied so far (the optimizer's step count).
    public var updateCount: Int { optimizer.state.step }

    /// Creates a trainer with an objective that records metrics.
    public init(model: Model, optimizer: any Optimizer<Scalar>, parallelism: BatchParallelism = .acrossParts,
                objective: @escaping Objective) {
        self.model = model
        self.optimizer = optimizer
        self.parallelism = parallelism
        self.objective = objective
    }

    /// Creates a trainer from a plain loss function.
    public convenience init(model: Model, optimizer: any Optimizer<Scalar>, parallelism: BatchParallelism = .acrossParts,
                            loss: @escaping (_ model: Model, _ batch: Batch) -> Tensor<Scalar>) {
        self.init(model: model, optimizer: optimizer, parallelism: parallelism) { model, batch, _ in loss(model, batch) }
    }

    // MARK: - Updates

    /// The metrics (the weighted mean loss first, as `"loss"`) and the
    /// gradient of the weighted mean loss with respect to every parameter,
    /// by name, at the current parameters. Nothing is updated.
    ///
    /// - Precondition: at least one part, each with at least one example.
    public func metricsAndGradients(_ parts: [Batch]) -> (metrics: TrainingMetrics, gradients: [String: Tensor<Scalar>]) {
        check(!parts.isEmpty, "Trainer: an update needs at least one batch")
        check(parts.allSatisfy { $0.exampleCount > 0 }, "Trainer: every batch needs at least one example, got \(parts.map(\.exampleCount))")
        let parameters = model.namedParameters
        let results = PartResults<Scalar>(count: parts.count)
        let threads = ComputeThreads.current
        if parallelism == .acrossParts && threads > 1 && parts.count > 1 {
            Parallel.forEachBlock(parts.count, threads: threads) { index in
                withComputeThreads(1) { results[index] = evaluate(parts[index], parameters: parameters.map(\.value)) }
            }
        } else {
            for index in parts.indices { results[index] = evaluate(parts[index], parameters: parameters.map(\.value)) }
        }
        let names = parameters.map(\.name)
        if parts.count == 1 {   // one part: its own loss and gradients, not rescaled by its example count
            let result = results.all[0]
            return (result.metrics, Dictionary(uniqueKeysWithValues: zip(names, result.gradients)))
        }
        let weights = parts.map { Double($0.exampleCount) }
        let metrics = TrainingMetrics.weightedMean(zip(results.all.map(\.metrics), weights).map { ($0, $1) })
        let total = weights.reduce(0, +)
        let gradients = withoutGradients {
            parameters.indices.map { parameter in
                let terms = zip(results.all, weights).map { result, weight in
                    weight == 1 ? result.gradients[parameter] : result.gradients[parameter] * Scalar(weight)
                }
                return terms.dropFirst().reduce(terms[0], +) * Scalar(1 / total)
            }
        }
        return (metrics, Dictionary(uniqueKeysWithValues: zip(names, gradients)))
    }

    /// One update from one batch; returns the metrics evaluated before it.
    ///
    /// - Throws: ``TrainingError`` without updating when the loss or a
    ///   gradient is NaN or infinite.
    @discardableResult
    public func step(_ batch: Batch) throws(TrainingError) -> TrainingMetrics {
        try step([batch])
    }

    /// One update from the union of `parts` (weighted by their example
    /// counts); returns the metrics evaluated before it.
    ///
    /// - Throws: ``TrainingError`` without updating when the loss or a
    ///   gradient is NaN or infinite.
    @discardableResult
    public func step(_ parts: [Batch]) throws(TrainingError) -> TrainingMetrics {
        let (metrics, gradients) = try checkedMetricsAndGradients(parts)
        optimizer.update(model, along: gradients)
        return metrics
    }

    /// ``metricsAndGradients(_:)``, checked as `step(_:)` checks
    /// them: the update that `step` would apply, without applying it.
    ///
    /// A caller that saves checkpoints can use it to write a state only once
    /// its loss and gradients are known to be finite, then apply the update
    /// with `optimizer.update(model, along: gradients)`.
    ///
    /// - Throws: ``TrainingError`` when the loss or a gradient is NaN or
    ///   infinite; ``TrainingError/step`` is the update that would have been made.
    public func checkedMetricsAndGradients(_ parts: [Batch]) throws(TrainingError)
        -> (metrics: TrainingMetrics, gradients: [String: Tensor<Scalar>]) {
        let (metrics, gradients) = metricsAndGradients(parts)
        let loss = metrics["loss"] ?? .nan
        guard loss.isFinite else {
            throw TrainingError(step: updateCount + 1, metrics: metrics, problem: "the loss is not finite (\(metrics)); no update was applied")
        }
        for (name, _) in model.namedParameters {
            if let gradient = gradients[name], !gradient.allFinite {
                throw TrainingError(step: updateCount + 1, metrics: metrics,
                                    problem: "the gradient of '\(name)' is not finite (loss \(loss)); no update was applied")
            }
        }
        return (metrics, gradients)
    }

    /// One update per element of `updates` (each a list of parts, as
    /// ``ImageBatches/epoch(_:)`` yields); returns the mean of the metrics,
    /// weighted by the examples of each update.
    ///
    /// - Throws: ``TrainingError`` at the first non-finite step; the updates
    ///   before it stay applied.
    /// - Precondition: at least one update.
    @discardableResult
    public func train(on updates: some Sequence<[Batch]>) throws(TrainingError) -> TrainingMetrics {
        var recorded: [(metrics: TrainingMetrics, weight: Double)] = []
        for parts in updates {
            let metrics = try step(parts)
            recorded.append((metrics, Double(parts.map(\.exampleCount).reduce(0, +))))
        }
        check(!recorded.isEmpty, "Trainer.train(on:): no updates (an empty sequence of batches)")
        return TrainingMetrics.weightedMean(recorded)
    }

    /// The objective's metrics over `batches` without updating or recording
    /// gradients: the mean weighted by each batch's examples.
    ///
    /// - Precondition: at least one batch.
    public func evaluate(_ batches: some Sequence<Batch>) -> TrainingMetrics {
        let parts = Array(batches)
        check(!parts.isEmpty, "Trainer.evaluate: no batches")
        let results = withoutGradients {
            parts.map { part in
                var metrics = TrainingMetrics()
                let loss = objective(model, part, &metrics)
                check(loss.scalarCount == 1, "Trainer.evaluate: the objective must return one value, got a tensor of shape \(loss.shape)")
                return Self.leadingLoss(loss, metrics)
            }
        }
        return TrainingMetrics.weightedMean(zip(results, parts).map { ($0, Double($1.exampleCount)) })
    }

    // MARK: - One part

    private func evaluate(_ part: Batch, parameters: [Tensor<Scalar>]) -> PartResult<Scalar> {
        // Gradients are the point of this function: record even if the caller turned recording off.
        GradientMode.$isRecording.withValue(true) {
            var metrics = TrainingMetrics()
            let loss = objective(model, part, &metrics)
            check(loss.scalarCount == 1, "Trainer: the objective must return one value, got a tensor of shape \(loss.shape)")
            return PartResult(metrics: Self.leadingLoss(loss, metrics), gradients: loss.gradients(withRespectTo: parameters))
        }
    }

    /// `metrics` with the loss first, as `"loss"`.
    private static func leadingLoss(_ loss: Tensor<Scalar>, _ metrics: TrainingMetrics) -> TrainingMetrics {
        TrainingMetrics([("loss", loss.doubles[0])] + metrics.entries.filter { $0.name != "loss" })
    }
}

/// One part's contribution to an update.
struct PartResult<Scalar: TensorScalar> {
    let metrics: TrainingMetrics
    let gradients: [Tensor<Scalar>]
}

/// Per-part results written by worker threads into their own slots.
final class PartResults<Scalar: TensorScalar>: @unchecked Sendable {
    private var slots: [PartResult<Scalar>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    subscript(index: Int) -> PartResult<Scalar>? {
        get { lock.withLock { slots[index] } }
        set { lock.withLock { slots[index] = newValue } }
    }

    /// Every result, in part order.
    var all: [PartResult<Scalar>] { lock.withLock { slots.map { $0! } } }
}
