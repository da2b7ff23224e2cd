import Foundation
import SFLKit

/// A loss that `sfl-example compare` trains with, always added to the pixel
/// loss: `E = E_PL + w · E_X` (for `pl`, `E = E_PL`).
public enum ComparedLoss: String, CaseIterable, Sendable {
    /// The pixel loss alone (the paper's baseline).
    case pl
    /// The spatial frequency loss (the paper's, `w_SFL = (100, 10, 10)` inside it).
    case sfl
    /// The mean absolute difference.
    case l1
    /// 1 − SSIM.
    case ssim
    /// 1 − MS-SSIM.
    case msssim
    /// The focal frequency loss.
    case ffl
    /// The gradient difference loss.
    case gdl
    /// The Laplacian-pyramid L1.
    case lap1

    /// The run's name in tables, e.g. `"PL + SSIM"`.
    public var title: String {
        switch self {
        case .pl: return "PL only"
        case .sfl: return "PL + SFL"
        case .l1: return "PL + L1"
        case .ssim: return "PL + SSIM"
        case .msssim: return "PL + MS-SSIM"
        case .ffl: return "PL + FFL"
        case .gdl: return "PL + GDL"
        case .lap1: return "PL + Lap1"
        }
    }

    /// The weight `w` of the added term unless `--weights` sets it (0 for `pl`).
    public var defaultWeight: Double { self == .pl ? 0 : 1 }

    /// Where the loss comes from and why its default weight is what it is.
    public var weightSource: String {
        switch self {
        case .pl: return "Eq. 4 of the paper; no added term"
        case .sfl: return "the paper (Eq. 7): E_PL + E_SFL, w_SFL = (100, 10, 10) inside E_SFL"
        case .l1: return "F.l1_loss; added with weight 1, as L1 and L2 are in Zhao et al. (2017)"
        case .ssim: return "Wang et al. (2004), 11-px window, σ = 1.5; weight 1 (added to PL as in Zhao et al. 2017, who mix 0.84 : 0.16)"
        case .msssim: return "Wang et al. (2003), 5 scales; weight 1 (see SSIM)"
        case .ffl: return "Jiang et al. (2021), α = 1, loss_weight 1.0: the authors' defaults"
        case .gdl: return "Mathieu et al. (2016), α = 1, λ_gdl = λ_ℓ2 = 1 as in their experiments"
        case .lap1: return "Bojanowski et al. (2018), 4 levels, weights 2^(−2j); weight 1"
        }
    }

    /// Parses a comma-separated list such as `pl,sfl,ssim`.
    ///
    /// - Throws: ``ExperimentUsageError`` naming an unknown or repeated loss.
    static func list(_ text: String, option: String) throws(ExperimentUsageError) -> [ComparedLoss] {
        var losses: [ComparedLoss] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased()
            guard let loss = ComparedLoss(rawValue: name) else {
                throw ExperimentUsageError("\(option): unknown loss '\(name)'; choose from \(allCases.map(\.rawValue).joined(separator: ","))")
            }
            guard !losses.contains(loss) else { throw ExperimentUsageError("\(option): '\(name)' is listed twice") }
            losses.append(loss)
        }
        return losses
    }
}

/// The objective of one compared run: `E = E_PL + w · E_X` of each image,
/// recording `E_PL` and the weighted added term `wE_X`.
struct ComparisonObjective: Sendable {
    let loss: ComparedLoss
    let weight: Double
    /// The SFL's responses of the training images (`sfl` only).
    let responses: [Tensor<Float>]
    let spatialFrequencyLoss: SpatialFrequencyLoss<Float>

    /// The scales of MS-SSIM used for an image whose shorter side is
    /// `side`: the five of the paper when they fit (≥ 161 px), otherwise as
    /// many of the first as fit, their weights rescaled to sum to the same
    /// total; nil when not even one 11-pixel window fits (then the run uses
    /// single-scale SSIM for that image).
    static func multiScaleSSIM(shorterSide side: Int) -> MultiScaleSSIMLoss? {
        let full = MultiScaleSSIMLoss()
        if side >= full.minimumSide { return full }
        var count = full.weights.count - 1
        while count >= 1 && side < (full.windowSize - 1) * (1 << (count - 1)) + 1 { count -= 1 }
        guard count >= 1 else { return nil }
        let kept = Array(full.weights.prefix(count)), total = full.weights.reduce(0, +), keptTotal = kept.reduce(0, +)
        return MultiScaleSSIMLoss(weights: kept.map { $0 * total / keptTotal })
    }

    init(loss: ComparedLoss, weight: Double, images: [Tensor<Float>]) {
        self.loss = loss
        self.weight = weight
        let spatialFrequencyLoss = SpatialFrequencyLoss<Float>()
        self.spatialFrequencyLoss = spatialFrequencyLoss
        responses = loss == .sfl ? images.map { spatialFrequencyLoss.response(of: $0) } : []
    }

    /// The unweighted added term `E_X` of `reconstruction` against image `index`.
    func addedTerm(_ reconstruction: Tensor<Float>, _ original: Tensor<Float>, index: Int) -> Tensor<Float>? {
        switch loss {
        case .pl: return nil
        case .sfl: return spatialFrequencyLoss.breakdown(reconstruction, originalResponse: responses[index]).value
        case .l1: return L1Loss()(reconstruction, original)
        case .ssim: return SSIMLoss()(reconstruction, original)
        case .msssim:
            // Under 11 pixels not even one scale fits: single-scale SSIM (which then blurs only along the longer axis).
            guard let measure = Self.multiScaleSSIM(shorterSide: min(original.shape[2], original.shape[3])) else {
                return SSIMLoss()(reconstruction, original)
            }
            return measure(reconstruction, original)
        case .ffl: return FocalFrequencyLoss()(reconstruction, original)
        case .gdl: return GradientDifferenceLoss()(reconstruction, original)
        case .lap1: return LaplacianPyramidLoss()(reconstruction, original)
        }
    }

    /// `E` of one image, recording `E_PL` and `wE_X`.
    func callAsFunction(_ model: ConvolutionalAutoencoder<Float>, _ batch: ImageBatch<Float>, _ metrics: inout TrainingMetrics) -> Tensor<Float> {
        let original = batch.images
        let reconstruction = model(original)
        let pixel = PixelLoss()(reconstruction, original)
        metrics.record("E_PL", pixel)
        guard let term = addedTerm(reconstruction, original, index: batch.indices[0]) else {
            metrics["wE_X"] = 0
            return pixel
        }
        let weighted = weight == 1 ? term : term * Float(weight)
        metrics.record("wE_X", weighted)
        return pixel + weighted
    }
}
