import Foundation
import SFLKit

/// The texts and plots an experiment reports: the per-subband comparison
/// with the paper's figures, the Fig. 5 plots and `summary.md`.
public enum ExperimentReport {
    /// The paper's σ, and its per-subband SFL (w = 1) after 2000 epochs (Sec. 4).
    public static let paperSigmas = [0.8, 1.6, 3.2]
    /// PL only, after 2000 epochs: (18.9, 5.69, 1.37) × 10⁻³.
    public static let paperPixelLossSubbands = [18.9e-3, 5.69e-3, 1.37e-3]
    /// PL + SFL, after 2000 epochs: (7.08, 2.65, 1.34) × 10⁻³.
    public static let paperSpatialFrequencyLossSubbands = [7.08e-3, 2.65e-3, 1.34e-3]

    /// The colour of each run in the plots.
    static func colour(_ run: ExperimentRun) -> String { run == .pixelLoss ? "#d62728" : "#1f77b4" }

    /// PL-only ÷ PL + SFL of subband `k`, when both runs are present.
    static func ratio(_ losses: [(run: ExperimentRun, losses: EpochLosses)], subband k: Int) -> Double? {
        guard let pl = losses.first(where: { $0.run == .pixelLoss })?.losses.spatialFrequencyPerSubband,
              let sfl = losses.first(where: { $0.run == .pixelAndSpatialFrequencyLoss })?.losses.spatialFrequencyPerSubband,
              k < pl.count, k < sfl.count, sfl[k] > 0 else { return nil }
        return pl[k] / sfl[k]
    }

    /// A plain-text table of the per-subband SFL (w = 1) of each run at
    /// `epoch`, ×10⁻³, with the ratio PL only ÷ PL + SFL, and the paper's
    /// figures beside them when the σ are the paper's.
    public static func comparisonTable(_ losses: [(run: ExperimentRun, losses: EpochLosses)], sigmas: [Double], epoch: Int) -> String {
        let paper = sigmas == paperSigmas
        var header = "  σ    " + losses.map { $0.run.title.leftPadded(to: 10) }.joined()
        if losses.count == 2 { header += "   ratio" }
        if paper { header += "  │ paper (2000 epochs, SGD):   PL only  PL + SFL   ratio" }
        var lines = ["Per-subband SFL (w = 1) at epoch \(epoch), ×10⁻³:", header]
        for (k, sigma) in sigmas.enumerated() {
            var line = "  " + String(format: "%-5.2g", sigma)
            for entry in losses {
                let values = entry.losses.spatialFrequencyPerSubband
                line += (k < values.count ? String(format: "%.3f", values[k] * 1e3) : "–").leftPadded(to: 10)
            }
            if losses.count == 2 { line += (ratio(losses, subband: k).map { String(format: "%.2f", $0) } ?? "–").leftPadded(to: 8) }
            if paper {
                line += "  │" + String(repeating: " ", count: 26)
                line += String(format: "%.2f", paperPixelLossSubbands[k] * 1e3).leftPadded(to: 10)
                line += String(format: "%.2f", paperSpatialFrequencyLossSubbands[k] * 1e3).leftPadded(to: 10)
                line += String(format: "%.2f", paperPixelLossSubbands[k] / paperSpatialFrequencyLossSubbands[k]).leftPadded(to: 8)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// The region of `image` shown magnified in the figures (a square of a
    /// quarter of its shorter side, where it has the most detail) and the
    /// magnification (3–6, so that the crop is about 144 pixels wide).
    static func detail(of image: Image) -> (region: PixelRegion, magnification: Int) {
        let side = max(4, min(image.width, image.height) / 4)
        return (ImageGrid.detailRegion(in: image, side: side), min(6, max(3, 144 / side)))
    }

    /// The Fig. 5 plots, each with its file name: (a) the loss (E_PL of the
    /// PL-only run, E and E_PL of the PL + SFL run), then one per subband
    /// (`fig5b-sfl-sigma0.8.svg`, …) with both runs' unweighted SFL.
    public static func learningCurvePlots(_ runs: [(run: ExperimentRun, curves: LearningCurves)],
                                          sigmas: [Double]) -> [(file: String, plot: LinePlot)] {
        var loss = LinePlot(title: "(a) training loss", xLabel: "epoch", yLabel: "loss")
        for (run, curves) in runs {
            if run == .pixelLoss {
                loss.series.append(.init(name: "PL only: E = E_PL", points: curves.points("E_PL"), colour: colour(run)))
            } else {
                loss.series.append(.init(name: "PL + SFL: E", points: curves.points("E"), colour: colour(run)))
                loss.series.append(.init(name: "PL + SFL: E_PL", points: curves.points("E_PL"), colour: colour(run), dashed: true))
            }
        }
        var plots = [(file: "fig5a-loss.svg", plot: loss)]
        for (k, sigma) in sigmas.enumerated() {
            let letter = Character(UnicodeScalar(UInt8(98 + min(k, 24))))
            var plot = LinePlot(title: "(\(letter)) SFL of subband σ = \(sigma) (w = 1)", xLabel: "epoch", yLabel: "SFL, σ = \(sigma)")
            for (run, curves) in runs {
                plot.series.append(.init(name: run.title, points: curves.points("SFL_sigma\(sigma)"),
                                         colour: colour(run)))
            }
            plots.append((file: "fig5\(letter)-sfl-sigma\(sigma).svg", plot: plot))
        }
        var colourPlot = LinePlot(title: "colour PSNR (8×8 area averages; higher is better)", xLabel: "epoch",
                                  yLabel: "colour PSNR, dB", logarithmicY: false)
        for (run, curves) in runs where curves.metricNames.contains("colour_PSNR_dB") {
            colourPlot.series.append(.init(name: run.title, points: curves.points("colour_PSNR_dB"), colour: colour(run)))
        }
        if !colourPlot.series.isEmpty { plots.append((file: "fig-colour-psnr.svg", plot: colourPlot)) }
        return plots
    }

    /// The text of `summary.md`: status, every setting, the result table with
    /// the paper's figures, the figures, and links to every file.
    /// `learningRates` gives each run's learning rates (`"<rate> from epoch <n>, …"`);
    /// those that changed on a resume get a row.
    static func summary(settings: ExperimentSettings, dataset: ExperimentDataset, states: [(run: ExperimentRun, curves: LearningCurves)],
                        epoch: Int, stoppedEarly: Bool, sessionSeconds: Double, files: [String],
                        learningRates: [(run: ExperimentRun, history: String)] = []) -> String {
        var lines: [String] = ["# SFLKit example: pixel loss vs pixel loss + spatial frequency loss", ""]
        let status = stoppedEarly
            ? "**Stopped at epoch \(epoch) of \(settings.epochs).** Continue with the same options and `--resume`."
            : "Completed \(epoch) of \(settings.epochs) epochs."
        lines += [status, ""]
        lines += ["Command: `sfl-example\(settings.arguments.isEmpty ? "" : " " + settings.arguments.joined(separator: " "))`", ""]

        lines += ["## Settings", "", "| setting | value |", "|---|---|"]
        var rows: [(String, String)] = [
            ("data", dataset.origin),
            ("images", "\(dataset.images.count): " + dataset.images.enumerated().prefix(12).map { "\(dataset.names[$0.offset]) (\($0.element.shape[3])×\($0.element.shape[2]))" }.joined(separator: ", ") + (dataset.images.count > 12 ? ", …" : "")),
            ("unreadable files", dataset.failures.isEmpty ? "none" : dataset.failures.joined(separator: "; ")),
            ("epochs", "\(settings.epochs) (full batch: one update per epoch, all images)"),
            ("optimizer", settings.optimizer == .sgd
                ? "SGD with momentum, learning rate \(settings.learningRate), momentum \(settings.momentum)"
                : "Adam, learning rate \(settings.learningRate), β = (0.9, 0.999), ε = 1e-8"),
            ("network", "Table 1: conv 3×3 3→32 ReLU, conv 3×3 32→16 stride 2 ReLU, bilinear ×2, conv 3×3 16→32 ReLU, conv 3×3 32→3 tanh"),
            ("initialisation", "weights N(0, 0.02²), biases 0" + (settings.meanColourBias ? " except conv4's, at the inverse tanh of the data's mean colour" : "")
                + ", seed \(settings.seed); both runs start from the same weights"),
            ("LoG σ", settings.sigmas.map { "\($0)" }.joined(separator: ", ")),
            ("w_SFL", settings.subbandWeights.map { "\($0)" }.joined(separator: ", ")),
            ("w_PL", settings.pixelChannelWeights.map { $0.map { "\($0)" }.joined(separator: ", ") } ?? "1 per channel"),
            ("colour remedies", settings.colourRemedyDescription),
            ("runs", settings.selectedRuns.map(\.title).joined(separator: ", ")),
            ("snapshot epochs", settings.resolvedSnapshotEpochs.map(String.init).joined(separator: ", ")),
            ("threads", String(settings.threads)),
            ("build", buildConfiguration + ", " + ProcessInfo.processInfo.operatingSystemVersionString),
            ("paper settings (--paper)", settings.paper ? "yes" : "no"),
            ("output folder", settings.outputFolder),
            ("resumed", settings.resume ? "yes" : "no"),
        ]
        for (run, history) in learningRates where history.contains(",") {
            rows.append(("learning rates, \(run.title) (changed on --resume)", history))
        }
        for (run, curves) in states {
            let seconds = curves.records.last?.elapsedSeconds ?? 0
            rows.append(("training time, \(run.title)", String(format: "%.1f s in all (%.3f s per epoch)", seconds, seconds / Double(max(curves.records.count, 1)))))
        }
        rows.append(("wall time of this session", String(format: "%.1f s", sessionSeconds)))
        lines += rows.map { "| \($0.0) | \($0.1.replacingOccurrences(of: "|", with: "\\|")) |" }

        lines += ["", "## Result: per-subband SFL (w = 1) at epoch \(epoch)", ""]
        let final = states.compactMap { state in state.curves.records.last.map { (run: state.run, losses: EpochLosses($0.metrics)) } }
        let paper = settings.sigmas == paperSigmas
        var header = "| σ | " + final.map { "\($0.run.title) ×10⁻³" }.joined(separator: " | ")
        if final.count == 2 { header += " | ratio" }
        if paper { header += " | paper PL only | paper PL + SFL | paper ratio" }
        lines.append(header + " |")
        lines.append("|" + String(repeating: "---|", count: header.components(separatedBy: " | ").count))
        for (k, sigma) in settings.sigmas.enumerated() {
            var row = "| \(sigma) | " + final.map { entry in
                k < entry.losses.spatialFrequencyPerSubband.count ? String(format: "%.3f", entry.losses.spatialFrequencyPerSubband[k] * 1e3) : "–"
            }.joined(separator: " | ")
            if final.count == 2 { row += " | " + (ratio(final, subband: k).map { String(format: "%.2f", $0) } ?? "–") }
            if paper {
                row += String(format: " | %.2f | %.2f | %.2f", paperPixelLossSubbands[k] * 1e3, paperSpatialFrequencyLossSubbands[k] * 1e3,
                              paperPixelLossSubbands[k] / paperSpatialFrequencyLossSubbands[k])
            }
            lines.append(row + " |")
        }
        lines += ["", "The losses are those evaluated in epoch \(epoch) (before its update). Ratio: PL only ÷ PL + SFL; above 1 means the SFL run keeps more of that band's detail. The paper's figures are after 2000 epochs of SGD (lr 0.02, momentum 0.5) on its 70 photographs.", ""]
        for entry in final {
            lines.append("- Final \(entry.run.title): " + String(format: "E = %.5g, E_PL = %.5g, E_SFL (weighted) = %.5g.", entry.losses.total, entry.losses.pixel, entry.losses.spatialFrequency))
        }
        for (run, curves) in states {
            guard let last = curves.records.last, let psnr = last.metrics["colour_PSNR_dB"] else { continue }
            let errors = last.metrics.entries.filter { $0.name.hasPrefix("colour_error_ch") }.map { String(format: "%.4f", $0.value) }
            lines.append("- Colour of \(run.title) at epoch \(last.epoch): " + String(format: "PSNR of 8×8 area averages %.2f dB", psnr)
                         + "; mean error of each channel's mean " + errors.joined(separator: ", ") + " (on the [0, 1] scale).")
        }

        lines += ["", "## Figures", ""]
        for file in files where file.hasPrefix("fig5") || file == "fig-colour-psnr.svg" { lines.append("![\(file)](\(file))") }
        lines += ["", "Fig. 6 — each row: original, " + states.map(\.run.title).joined(separator: ", ")
                  + " (crop outlined in yellow), then the same crops magnified:", "", "![fig6-reconstructions.png](fig6-reconstructions.png)", ""]
        lines += ["Fig. 7 — first image; each row one run (" + states.map(\.run.title).joined(separator: ", ")
                  + "): original, then the reconstructions after epochs " + settings.resolvedSnapshotEpochs.filter { $0 <= epoch }.map(String.init).joined(separator: ", ") + ":",
                  "", "![fig7-snapshots.png](fig7-snapshots.png)", ""]

        lines += ["## Files", ""]
        for file in files { lines.append("- [\(file)](\(file))" + (describe(file).map { " — \($0)" } ?? "")) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A few words about an output file.
    static func describe(_ file: String) -> String? {
        if file.hasPrefix("curves-") { return "learning curve: epoch, E, E_PL, E_SFL, per-channel E_PL, per-subband SFL (w = 1), colour PSNR and per-channel mean-colour errors, seconds" }
        if file == "fig-colour-psnr.svg" { return "colour PSNR (8×8 area averages) of each run per epoch" }
        if file.hasPrefix("checkpoint-") { return "final checkpoint (model, optimizer state, epoch, settings)" }
        if file.hasPrefix("snapshots/") { return file.contains("original") ? "the first image" : "reconstruction of the first image" }
        if file == "summary.md" { return "this file" }
        return nil
    }

    /// "release" or "debug".
    static var buildConfiguration: String {
        #if DEBUG
        return "debug build"
        #else
        return "release build"
        #endif
    }
}

extension String {
    /// The string right-aligned in `width` characters (never truncated).
    func leftPadded(to width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
