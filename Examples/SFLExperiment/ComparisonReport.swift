import Foundation
import SFLKit

/// The files `sfl-example compare` writes:
///
/// | file | content |
/// |---|---|
/// | `comparison.md` | settings, the table of every run's held-out figures, the weights and their sources, the figures |
/// | `comparison.csv` | the table's figures (each run's mean over the held-out images), full precision |
/// | `fig-crops.png` | per held-out image: the original with the crop outlined, then that crop magnified from the original and every run |
/// | `fig-training-loss.svg` | the training pixel loss `E_PL` of every run, per epoch |
/// | `curves-<loss>.csv`, `metrics-<loss>.csv` | each run's learning curves and per-image held-out figures |
struct ComparisonReport {
    let settings: ComparisonSettings
    let training: ExperimentDataset
    let evaluation: ExperimentDataset
    let runs: [ComparisonRun]

    /// A distinct colour per run, in order.
    static let colours = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

    /// The columns of the table: a title, whether larger is better (nil: closest to 1), and the value.
    private var columns: [(title: String, better: Bool?, value: (ComparisonRun) -> Double, format: String)] {
        let sigmas = LoGFilterBank<Float>().sigmas
        var columns: [(title: String, better: Bool?, value: (ComparisonRun) -> Double, format: String)] = [
            ("PSNR dB ↑", true, { $0.mean.peakSignalToNoiseRatio }, "%.2f"),
            ("SSIM ↑", true, { $0.mean.structuralSimilarity }, "%.4f"),
        ]
        for (k, sigma) in sigmas.enumerated() {
            columns.append(("SFL σ=\(sigma) ×10⁻³ ↓", false, { $0.mean.spatialFrequencyPerSubband[k] * 1e3 }, "%.3f"))
        }
        columns += [
            ("sharpness (1 = original)", nil, { $0.mean.gradientEnergyRatio }, "%.3g"),
            ("colour PSNR dB ↑", true, { $0.mean.colourPeakSignalToNoiseRatio }, "%.2f"),
            ("s / epoch", false, { $0.secondsPerEpoch }, "%.2f"),
        ]
        return columns
    }

    /// The table in Markdown, the best value of each column in bold.
    var table: String {
        let columns = columns
        var lines = ["| loss | w | " + columns.map(\.title).joined(separator: " | ") + " |",
                     "|---|---:|" + String(repeating: "---:|", count: columns.count)]
        let best = columns.map { column -> Double? in
            let values = runs.map(column.value).filter(\.isFinite)
            switch column.better {
            case true?: return values.max()
            case false?: return values.min()
            case nil: return values.min { abs($0 - 1) < abs($1 - 1) }
            }
        }
        for run in runs {
            let cells = zip(columns, best).map { column, best in
                let value = column.value(run), text = String(format: column.format, value)
                return runs.count > 1 && value == best ? "**\(text)**" : text
            }
            let weight = run.loss == .pl ? "–" : String(format: "%g", run.weight)
            lines.append("| \(run.loss.title) | \(weight) | " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    /// The optimizer in words.
    private var optimizerText: String {
        settings.optimizer == .sgd ? "SGD (lr \(settings.learningRate), momentum \(settings.momentum))" : "Adam (lr \(settings.learningRate))"
    }

    /// The text of `comparison.md`.
    var markdown: String {
        var text = """
        # Anti-blur losses side by side

        Each run trains the paper's convolutional autoencoder from the same initial weights (seed \(settings.seed)) for \
        \(settings.epochs) full-batch epochs of \(optimizerText) on \(training.origin), minimising E = E_PL + w·E_X \
        (E_PL alone for PL only). Every figure is the mean over the held-out images: \(evaluation.origin).

        \(table)

        - **PSNR** on the [0, 1] scale; **SSIM** with an 11-pixel Gaussian window, σ = 1.5.
        - **SFL σ**: the spatial frequency loss of each LoG subband with w = 1 (the paper's per-subband figure; lower is sharper and more faithful).
        - **sharpness**: the gradient energy of the reconstruction ÷ the original's (Σ of squared horizontal and vertical \
        neighbour differences); 1 is as sharp as the original, below 1 blurred, above 1 noisier.
        - **colour PSNR**: the PSNR between 8 × 8 area averages of reconstruction and original: colour and shading, without detail.
        - **s / epoch**: training wall time per epoch with \(settings.threads) thread\(settings.threads == 1 ? "" : "s") (runs trained one after another).

        ## Losses and weights

        | loss | w | definition and weight |
        |---|---:|---|

        """
        for run in runs {
            text += "| \(run.loss.title) | \(run.loss == .pl ? "–" : String(format: "%g", run.weight)) | \(run.loss.weightSource) |\n"
        }
        if runs.contains(where: { $0.loss == .msssim }) {
            let full = MultiScaleSSIMLoss().minimumSide
            text += "\nMS-SSIM needs images of at least \(full) pixels a side for its 5 scales; on a smaller image the run uses as many of the first scales as fit, their weights rescaled to the same sum (under 11 pixels, SSIM).\n"
        }
        text += """

        ## Figure

        ![the same magnified crop from every run](fig-crops.png)

        One row per held-out image (the first \(min(LossComparison.figureImageCount, evaluation.images.count))): the original with \
        the crop outlined, then the crop magnified from the original and from each run, in the table's order \
        (\(runs.map(\.loss.title).joined(separator: ", "))).

        ## Learning curves

        ![training pixel loss of every run](fig-training-loss.svg)

        The pixel loss E_PL on the training images, per epoch, of every run. Each run's curves (E, E_PL, w·E_X) are in \
        `curves-<loss>.csv`, its per-image held-out figures in `metrics-<loss>.csv`, the table's figures at full precision in `comparison.csv`.

        """
        if !training.failures.isEmpty || !evaluation.failures.isEmpty {
            text += "\nFiles that could not be read (skipped):\n\n" + Set(training.failures + evaluation.failures).sorted().map { "- \($0)\n" }.joined()
        }
        return text
    }

    /// `comparison.csv`: the mean figures of each run (named by its loss), its weight and its seconds per epoch.
    var csv: String {
        let channels = runs.first?.mean.channelMeanErrors.count ?? 3
        let header = ReconstructionMetrics.csvHeader(sigmas: LoGFilterBank<Float>().sigmas, channelCount: channels) + ",weight,seconds_per_epoch"
        return ([header] + runs.map { "\($0.mean.csvRow),\($0.weight),\($0.secondsPerEpoch)" }).joined(separator: "\n") + "\n"
    }

    /// The crops figure: per held-out image, the outlined original and the magnified crops.
    var cropsFigure: Image {
        var rows: [[Image?]] = []
        for (index, image) in evaluation.images.prefix(LossComparison.figureImageCount).enumerated() {
            let original = Image(tensor: image)
            let (region, magnification) = ExperimentReport.detail(of: original)
            let panels = [original] + runs.map { $0.figureReconstructions[index] }
            rows.append([original.outlining(region, colour: [255, 215, 0])] + panels.map { $0.cropped(to: region).magnified(by: magnification) })
        }
        return ImageGrid.compose(rows)
    }

    /// The plot of every run's training pixel loss.
    var trainingLossPlot: LinePlot {
        var plot = LinePlot(title: "training pixel loss E_PL", xLabel: "epoch", yLabel: "E_PL")
        for (index, run) in runs.enumerated() {
            plot.series.append(.init(name: run.loss.title, points: run.curves.points("E_PL"), colour: Self.colours[index % Self.colours.count]))
        }
        return plot
    }

    /// Writes every file into `folder`, each atomically; returns their names, sorted.
    func write(to folder: URL) throws(ExperimentError) -> [String] {
        var files: [String] = []
        func text(_ content: String, _ name: String) throws(ExperimentError) {
            let url = folder.appendingPathComponent(name)
            do { try Data(content.utf8).write(to: url, options: .atomic) } catch {
                throw ExperimentError("compare: cannot write \(url.path) (\(error.localizedDescription))")
            }
            files.append(name)
        }
        for run in runs {
            let file = "curves-\(run.loss.rawValue).csv"
            do { try run.curves.write(to: folder.appendingPathComponent(file)) } catch { throw ExperimentError("compare: \(error)") }
            files.append(file)
            let rows = [ReconstructionMetrics.csvHeader(sigmas: LoGFilterBank<Float>().sigmas, channelCount: run.mean.channelMeanErrors.count)]
                + run.evaluation.map(\.csvRow)
            try text(rows.joined(separator: "\n") + "\n", "metrics-\(run.loss.rawValue).csv")
        }
        do {
            try cropsFigure.write(to: folder.appendingPathComponent("fig-crops.png"))
            try trainingLossPlot.write(to: folder.appendingPathComponent("fig-training-loss.svg"))
        } catch {
            throw ExperimentError("compare: \(error)")
        }
        files += ["fig-crops.png", "fig-training-loss.svg"]
        try text(csv, "comparison.csv")
        try text(markdown, "comparison.md")
        return files.sorted()
    }
}
