/// The losses of one full-batch evaluation, averaged over the images (each
/// image normalised by its own W·H first).
public struct EpochLosses: Equatable, Sendable, Codable {
    /// `E = E_PL + E_SFL` (Eq. 7), or `E_PL` alone when the SFL is not optimised.
    public var total: Double
    /// `E_PL` (Eq. 4), weighted.
    public var pixel: Double
    /// `E_SFL` (Eq. 6), weighted; computed for every run, optimised only when enabled.
    public var spatialFrequency: Double
    /// The unweighted per-channel pixel terms (`w = 1`).
    public var pixelPerChannel: [Double]
    /// The unweighted per-subband SFL terms (`w = 1`), in σ order: the paper's reported figures.
    public var spatialFrequencyPerSubband: [Double]
}

/// Why training stopped.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// The loss became NaN or infinite; no update was applied.
    case nonFiniteLoss(epoch: Int, losses: EpochLosses)

    /// A sentence naming the epoch and the losses.
    public var description: String {
        switch self {
        case let .nonFiniteLoss(epoch, losses):
            return "training stopped at epoch \(epoch): the loss is not finite (E = \(losses.total), E_PL = \(losses.pixel), E_SFL = \(losses.spatialFrequency)); the parameters were left as they were after epoch \(epoch - 1)"
        }
    }
}

/// How a full-batch step uses the threads it is given.
public enum ImageParallelism: Equatable, Sendable {
    /// Images one after another, each operation's kernel using every thread.
    case withinOperations
    /// Several images at once, each on one thread (fewer, larger work units).
    case acrossImages
}

/// Trains a model on a full batch of images of possibly different sizes, one
/// update per epoch, as in the paper (Sec. 4).
///
/// Each image `[1, C, H, W]` is reconstructed, its loss is normalised by its
/// own `W·H`, and the gradients are averaged over the `N` images: exactly the
/// gradient of `E = 1/N Σ_i E_i`. Per-image gradients are added in image
/// order and every kernel is deterministic, so the result is bit-identical
/// whatever the thread count and ``parallelism``. With `.acrossImages` the
/// model is called from several threads at once: its layers must not mutate
/// state during the forward pass (SFLKit's layers do not). Only the graphs of the
/// images being processed are alive at once. The originals' LoG responses
/// are computed once.
public final class FullBatchTrainer<Scalar: TensorScalar> {
    /// The model being trained.
    public let model: any Layer<Scalar>
    /// The optimizer that applies each update.
    public let optimizer: any Optimizer<Scalar>
    /// The pixel loss.
    public let pixelLoss: PixelLoss
    /// The spatial frequency loss (evaluated for logging in every run).
    public let spatialFrequencyLoss: SpatialFrequencyLoss<Scalar>
    /// Whether `E_SFL` is part of the optimised objective (false: the paper's PL-only baseline).
    public let optimizesSpatialFrequencyLoss: Bool
    /// Whether `E_SFL` is evaluated (for logging) when it is not optimised;
    /// when neither, its fields in ``EpochLosses`` are 0 and empty.
    public let monitorsSpatialFrequencyLoss: Bool
    /// The training images, each `[1, C, H, W]`.
    public let images: [Tensor<Scalar>]
    /// How the threads are used.
    public var parallelism: ImageParallelism
    /// The number of updates applied so far.
    public var epoch: Int { optimizer.state.step }

    private let originalResponses: [Tensor<Scalar>]

    /// Creates a trainer.
    ///
    /// - Precondition: at least one image; each is `[1, C, H, W]`.
    public init(model: any Layer<Scalar>, optimizer: any Optimizer<Scalar>, images: [Tensor<Scalar>],
                pixelLoss: PixelLoss = PixelLoss(), spatialFrequencyLoss: SpatialFrequencyLoss<Scalar> = SpatialFrequencyLoss(),
                optimizesSpatialFrequencyLoss: Bool = true, monitorsSpatialFrequencyLoss: Bool = true,
                parallelism: ImageParallelism = .acrossImages) {
        check(!images.isEmpty, "FullBatchTrainer: no images")
        for image in images {
            check(image.rank == 4 && image.shape[0] == 1, "FullBatchTrainer: each image must be [1, C, H, W], got \(image.shape)")
        }
        self.model = model
        self.optimizer = optimizer
        self.images = images.map { $0.detached() }
        self.pixelLoss = pixelLoss
        self.spatialFrequencyLoss = spatialFrequencyLoss
        self.optimizesSpatialFrequencyLoss = optimizesSpatialFrequencyLoss
        self.monitorsSpatialFrequencyLoss = monitorsSpatialFrequencyLoss
        self.parallelism = parallelism
        originalResponses = optimizesSpatialFrequencyLoss || monitorsSpatialFrequencyLoss
            ? images.map { spatialFrequencyLoss.response(of: $0) } : []
    }

    /// The losses and the gradient of `E` with respect to every parameter (in
    /// `model.namedParameters` order), at the current parameters.
    public func lossesAndGradients() -> (losses: EpochLosses, gradients: [Tensor<Scalar>]) {
        let parameters = model.parameters
        let results = ImageResults<Scalar>(count: images.count)
        let threads = ComputeThreads.current
        if parallelism == .acrossImages && threads > 1 && images.count > 1 {
            Parallel.forEachBlock(images.count, threads: threads) { index in
                withComputeThreads(1) { results[index] = evaluate(image: index, parameters: parameters) }
            }
        } else {
            for index in images.indices { results[index] = evaluate(image: index, parameters: parameters) }
        }
        return results.averaged(parameterShapes: parameters.map(\.shape))
    }

    /// Evaluates the losses at the current parameters, applies one update and
    /// returns the losses (those before the update).
    ///
    /// - Throws: ``TrainingError/nonFiniteLoss(epoch:losses:)`` without
    ///   updating when the loss is NaN or infinite.
    @discardableResult
    public func step() throws -> EpochLosses {
        let (losses, gradients) = lossesAndGradients()
        guard losses.total.isFinite else { throw TrainingError.nonFiniteLoss(epoch: epoch + 1, losses: losses) }
        optimizer.update(model, along: gradients)
        return losses
    }

    /// The reconstructions of every image (no gradient history).
    public func reconstructions() -> [Tensor<Scalar>] {
        withoutGradients { images.map { model($0) } }
    }

    /// One image's losses and parameter gradients.
    private func evaluate(image index: Int, parameters: [Tensor<Scalar>]) -> ImageResult<Scalar> {
        // Gradients are the point of this function: record even if the caller turned recording off.
        GradientMode.$isRecording.withValue(true) { evaluateRecording(image: index, parameters: parameters) }
    }

    private func evaluateRecording(image index: Int, parameters: [Tensor<Scalar>]) -> ImageResult<Scalar> {
        let image = images[index]
        let reconstruction = model(image)
        let pixel = pixelLoss.breakdown(reconstruction, image)
        var subbands: LossBreakdown<Scalar>?
        if optimizesSpatialFrequencyLoss {
            subbands = spatialFrequencyLoss.breakdown(reconstruction, originalResponse: originalResponses[index])
        } else if monitorsSpatialFrequencyLoss {
            subbands = withoutGradients { spatialFrequencyLoss.breakdown(reconstruction.detached(), originalResponse: originalResponses[index]) }
        }
        let objective = optimizesSpatialFrequencyLoss ? pixel.value + subbands!.value : pixel.value
        let gradients = objective.gradients(withRespectTo: parameters)
        return ImageResult(
            losses: EpochLosses(total: objective.doubles[0], pixel: pixel.value.doubles[0], spatialFrequency: subbands?.value.doubles[0] ?? 0,
                                pixelPerChannel: pixel.terms.doubles, spatialFrequencyPerSubband: subbands?.terms.doubles ?? []),
            gradients: gradients)
    }
}

/// One image's contribution to a full-batch step.
struct ImageResult<Scalar: TensorScalar> {
    let losses: EpochLosses
    let gradients: [Tensor<Scalar>]
}

/// Per-image results written by worker threads into their own slots, then
/// averaged in image order.
final class ImageResults<Scalar: TensorScalar>: @unchecked Sendable {
    private var slots: [ImageResult<Scalar>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    subscript(index: Int) -> ImageResult<Scalar>? {
        get { lock.withLock { slots[index] } }
        set { lock.withLock { slots[index] = newValue } }
    }

    /// The mean of the losses and of the gradients over the images, summed in image order.
    func averaged(parameterShapes: [[Int]]) -> (losses: EpochLosses, gradients: [Tensor<Scalar>]) {
        let results = slots.map { $0! }
        let scale = 1 / Double(results.count)
        func mean(_ values: [[Double]]) -> [Double] {
            values.dropFirst().reduce(values[0]) { zip($0, $1).map(+) }.map { $0 * scale }
        }
        let losses = EpochLosses(
            total: results.map(\.losses.total).reduce(0, +) * scale,
            pixel: results.map(\.losses.pixel).reduce(0, +) * scale,
            spatialFrequency: results.map(\.losses.spatialFrequency).reduce(0, +) * scale,
            pixelPerChannel: mean(results.map(\.losses.pixelPerChannel)),
            spatialFrequencyPerSubband: mean(results.map(\.losses.spatialFrequencyPerSubband)))
        let gradients = withoutGradients {
            parameterShapes.indices.map { parameter in
                results.dropFirst().reduce(results[0].gradients[parameter]) { $0 + $1.gradients[parameter] } * Scalar(scale)
            }
        }
        return (losses, gradients)
    }
}

import Foundation
