import Foundation
@testable import SFLKit

/// Runs the cases of `../shared/reference-losses` (its README states each
/// formula): `outputs.loss` is the loss value — SSIM and MS-SSIM themselves,
/// not the training losses 1 − SSIM — and `grads.reconstruction` is
/// d(upstream · loss)/d(reconstruction).
enum LossReferenceRunner {
    /// The ops this runner knows.
    static let ops: Set<String> = ["l1", "gdl", "lap1", "ssim", "ms_ssim", "ffl"]

    /// Runs `reference` when its op is one of ``ops``, comparing the value and
    /// the gradient; returns false for any other op.
    static func run<Scalar: TensorScalar>(
        _ reference: ReferenceCase, as _: Scalar.Type,
        compare: (String, Tensor<Scalar>, ReferenceCase.StoredTensor?) -> Void,
        upstream: () throws -> Tensor<Scalar>
    ) throws -> Bool {
        guard ops.contains(reference.op) else { return false }
        let reconstruction = try reference.input("reconstruction").tensor(Scalar.self).requiringGradient()
        let original: Tensor<Scalar> = try reference.input("original").tensor()
        let value = try loss(reference, reconstruction, original)
        compare("loss", value.reshaped(to: [1]), reference.outputs["loss"])
        let gradient = value.reshaped(to: [1]).gradients(withRespectTo: [reconstruction], seed: try upstream())[0]
        compare("grad reconstruction", gradient, reference.grads["reconstruction"])
        return true
    }

    /// The value the case stores, computed by SFLKit's loss with the case's parameters.
    static func loss<Scalar: TensorScalar>(_ reference: ReferenceCase, _ reconstruction: Tensor<Scalar>,
                                           _ original: Tensor<Scalar>) throws -> Tensor<Scalar> {
        func number(_ key: String) throws -> Double { try reference.param(key, as: NSNumber.self).doubleValue }
        switch reference.op {
        case "l1":
            return L1Loss()(reconstruction, original)
        case "gdl":
            return GradientDifferenceLoss(alpha: try number("alpha"))(reconstruction, original)
        case "lap1":
            let padding: String = try reference.param("padding")
            guard padding == "replicate" else { throw ReferenceCase.LoadError(file: reference.name, problem: "lap1 padding \(padding) is not supported") }
            return LaplacianPyramidLoss(levels: try reference.param("levels"), kernel: try reference.doubles("kernel"))(reconstruction, original)
        case "ssim":
            let k = try reference.doubles("K")
            return SSIMLoss(windowSize: try reference.param("win_size"), sigma: try number("win_sigma"), k1: k[0], k2: k[1],
                            dataRange: try number("data_range")).similarity(reconstruction, original)
        case "ms_ssim":
            let k = try reference.doubles("K")
            return MultiScaleSSIMLoss(windowSize: try reference.param("win_size"), sigma: try number("win_sigma"), k1: k[0], k2: k[1],
                                      dataRange: try number("data_range"), weights: try reference.doubles("weights"))
                .similarity(reconstruction, original)
        case "ffl":
            return FocalFrequencyLoss(lossWeight: try number("loss_weight"), alpha: try number("alpha"),
                                      patchFactor: try reference.param("patch_factor"),
                                      averageSpectrum: (try? reference.param("ave_spectrum", as: Bool.self)) ?? false,
                                      logMatrix: try reference.param("log_matrix"),
                                      batchMatrix: (try? reference.param("batch_matrix", as: Bool.self)) ?? false)(reconstruction, original)
        default:
            throw ReferenceCase.LoadError(file: reference.name, problem: "unknown op \"\(reference.op)\"")
        }
    }
}
