/// The paper's training (Sec. 4) as a preset of ``Trainer``: one full-batch
/// update per epoch over images of possibly different sizes, with the pixel
/// loss alone or the pixel loss plus the spatial frequency loss.
///
/// Each image `[1, C, H, W]` is one part of the update
/// (``ImageBatches/Grouping/perImage``): reconstructed, its loss normalised
/// by its own `W·H`, and the gradients averaged over the `N` images —
/// exactly the gradient of `E = 1/N Σᵢ Eᵢ`. The originals' LoG responses
/// are computed once. Each step records these metrics, in order:
///
/// | name | value |
/// |---|---|
/// | `loss` | `E = E_PL + E_SFL` (Eq. 7), or `E_PL` alone when the SFL is not optimised |
/// | `E_PL` | the pixel loss (Eq. 4), weighted |
/// | `E_SFL` | the spatial frequency loss (Eq. 6), weighted; 0 when neither optimised nor monitored |
/// | `E_LP` | only with a ``lowPassLoss``: the low-pass band, weighted (part of `loss` in the SFL run) |
/// | `E_PL_ch1` … | the unweighted per-channel pixel terms (`w = 1`; in the pixel loss's colour space) |
/// | `SFL_sigma0.8` … | the unweighted per-subband SFL terms (`w = 1`), the paper's reported figures |
/// | `colour_PSNR_dB` | only when ``monitorsColour``: the mean over the images of ``colourPeakSignalToNoiseRatio(_:_:blockSize:)`` |
/// | `colour_error_ch1` … | only when ``monitorsColour``: the mean over the images of ``channelMeanErrors(_:_:)`` |
///
/// The colour figures are computed from the same reconstructions as the
/// losses, so they cost no extra forward pass.
public final class FullBatchTrainer<Model: Layer> {
    /// The element type of the model's tensors.
    public typealias Scalar = Model.Scalar

    /// The general trainer this preset configures.
    public let trainer: Trainer<Model, ImageBatch<Scalar>>
    /// The training images, one part each.
    public let batches: ImageBatches<Scalar>
    /// The pixel loss.
    public let pixelLoss: PixelLoss
    /// The spatial frequency loss (evaluated for logging in every run unless turned off).
    public let spatialFrequencyLoss: SpatialFrequencyLoss<Scalar>
    /// Whether `E_SFL` is part of the optimised objective (false: the paper's PL-only baseline).
    public let optimizesSpatialFrequencyLoss: Bool
    /// Whether `E_SFL` is evaluated (for logging) when it is not optimised.
    public let monitorsSpatialFrequencyLoss: Bool
    /// The low-pass band added to the objective of the run that optimises the SFL, if any.
    public let lowPassLoss: LowPassLoss<Scalar>?
    /// Whether each step records the colour figures `colour_PSNR_dB` and `colour_error_ch…`.
    public let monitorsColour: Bool

    /// The model being trained.
    public var model: Model { trainer.model }
    /// The optimizer that applies each update.
    public var optimizer: any Optimizer<Scalar> { trainer.optimizer }
    /// The training images, each `[1, C, H, W]`.
    public var images: [Tensor<Scalar>] { batches.images }
    /// The number of updates applied so far.
    public var epoch: Int { trainer.updateCount }
    /// How the threads are used: images across threads (the default), or one image at a time.
    public var parallelism: BatchParallelism {
        get { trainer.parallelism }
        set { trainer.parallelism = newValue }
    }

    /// Creates a trainer.
    ///
    /// - Parameters:
    ///   - model: the model to train.
    ///   - optimizer: the optimizer that applies each update.
    ///   - images: the training images, one part each.
    ///   - pixelLoss: the pixel loss (default: the paper's, RGB, weight 1 per channel).
    ///   - spatialFrequencyLoss: the SFL (default: the paper's bank and weights).
    ///   - optimizesSpatialFrequencyLoss: whether `E_SFL` is part of the objective.
    ///   - monitorsSpatialFrequencyLoss: whether `E_SFL` is evaluated for logging when not optimised.
    ///   - lowPassLoss: a low-pass band optimised with the SFL (ignored when
    ///     the SFL is not optimised, so the PL-only baseline stays the paper's).
    ///   - monitorsColour: whether each step records the colour figures.
    ///   - parallelism: how the threads are used (default: images across threads).
    /// - Precondition: at least one image; each is `[1, C, H, W]`.
    public init(model: Model, optimizer: any Optimizer<Scalar>, images: [Tensor<Scalar>],
                pixelLoss: PixelLoss = PixelLoss(), spatialFrequencyLoss: SpatialFrequencyLoss<Scalar> = SpatialFrequencyLoss(),
                optimizesSpatialFrequencyLoss: Bool = true, monitorsSpatialFrequencyLoss: Bool = true,
                lowPassLoss: LowPassLoss<Scalar>? = nil, monitorsColour: Bool = false,
                parallelism: BatchParallelism = .acrossParts) {
        check(!images.isEmpty, "FullBatchTrainer: no images")
        for image in images {
            check(image.rank == 4 && image.shape[0] == 1, "FullBatchTrainer: each image must be [1, C, H, W], got \(image.shape)")
        }
        let evaluatesSpatialFrequencyLoss = optimizesSpatialFrequencyLoss || monitorsSpatialFrequencyLoss
        let responses = evaluatesSpatialFrequencyLoss ? images.map { spatialFrequencyLoss.response(of: $0) } : []
        let lowPass = optimizesSpatialFrequencyLoss ? lowPassLoss : nil
        let lowPassResponses = lowPass.map { band in images.map { band.response(of: $0) } } ?? []
        let channelNames = (1...images[0].shape[1]).map { "E_PL_ch\($0)" }
        let colourErrorNames = (1...images[0].shape[1]).map { "colour_error_ch\($0)" }
        let subbandNames = spatialFrequencyLoss.bank.sigmas.map { "SFL_sigma\($0)" }
        batches = ImageBatches(images, shuffle: false, grouping: .perImage)
        self.pixelLoss = pixelLoss
        self.spatialFrequencyLoss = spatialFrequencyLoss
        self.optimizesSpatialFrequencyLoss = optimizesSpatialFrequencyLoss
        self.monitorsSpatialFrequencyLoss = monitorsSpatialFrequencyLoss
        self.lowPassLoss = lowPass
        self.monitorsColour = monitorsColour
        trainer = Trainer(model: model, optimizer: optimizer, parallelism: parallelism) { model, batch, metrics in
            let image = batch.images, index = batch.indices[0]
            let reconstruction = model(image)
            let pixel = pixelLoss.breakdown(reconstruction, image)
            var subbands: LossBreakdown<Scalar>?
            if optimizesSpatialFrequencyLoss {
                subbands = spatialFrequencyLoss.breakdown(reconstruction, originalResponse: responses[index])
            } else if monitorsSpatialFrequencyLoss {
                subbands = withoutGradients { spatialFrequencyLoss.breakdown(reconstruction.detached(), originalResponse: responses[index]) }
            }
            let lowPassTerm = lowPass.map { $0.breakdown(reconstruction, originalResponse: lowPassResponses[index]).value }
            metrics.record("E_PL", pixel.value)
            metrics["E_SFL"] = subbands?.value.doubles[0] ?? 0
            if let lowPassTerm { metrics.record("E_LP", lowPassTerm) }
            metrics.record(channelNames, pixel.terms)
            if let subbands { metrics.record(subbandNames, subbands.terms) }
            if monitorsColour {
                let output = reconstruction.detached()
                metrics["colour_PSNR_dB"] = colourPeakSignalToNoiseRatio(output, image)
                for (name, error) in zip(colourErrorNames, channelMeanErrors(output, image)) { metrics[name] = error }
            }
            guard optimizesSpatialFrequencyLoss else { return pixel.value }
            let objective = pixel.value + subbands!.value
            return lowPassTerm.map { objective + $0 } ?? objective
        }
    }

    /// The metrics and the gradient of `E` with respect to every parameter,
    /// by name, at the current parameters; nothing is updated.
    public func metricsAndGradients() -> (metrics: TrainingMetrics, gradients: [String: Tensor<Scalar>]) {
        trainer.metricsAndGradients(batches.epoch(0)[0])
    }

    /// The metrics and gradients of the next update, checked finite, without
    /// applying it (see ``Trainer/checkedMetricsAndGradients(_:)``); apply it
    /// with `optimizer.update(model, along: gradients)`.
    ///
    /// - Throws: ``TrainingError`` when the loss or a gradient is NaN or infinite.
    public func checkedMetricsAndGradients() throws(TrainingError) -> (metrics: TrainingMetrics, gradients: [String: Tensor<Scalar>]) {
        try trainer.checkedMetricsAndGradients(batches.epoch(0)[0])
    }

    /// Evaluates the losses at the current parameters, applies one update and
    /// returns the metrics (those before the update).
    ///
    /// - Throws: ``TrainingError`` without updating when the loss or a
    ///   gradient is NaN or infinite.
    @discardableResult
    public func step() throws(TrainingError) -> TrainingMetrics {
        try trainer.step(batches.epoch(0)[0])
    }

    /// The reconstructions of every image (no gradient history).
    public func reconstructions() -> [Tensor<Scalar>] {
        withoutGradients { images.map { model($0) } }
    }
}
