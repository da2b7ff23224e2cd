import Foundation
@testable import SFLKit

/// Runs a reference case with SFLKit in `Scalar` and compares every stored value.
enum ReferenceRunner {
    /// The README's tolerances: Double `1e-9 + 1e-7|b|`; Float `1e-4 + 1e-3|b|`, 2e-3 relative for the CAE cases.
    static func tolerances<Scalar: TensorScalar>(for op: String, _: Scalar.Type) -> (absolute: Double, relative: Double) {
        if Scalar.self == Double.self { return (1e-9, 1e-7) }
        return (1e-4, op == "cae_step" ? 2e-3 : 1e-3)
    }

    static func run<Scalar: TensorScalar>(_ reference: ReferenceCase, as _: Scalar.Type) throws -> ReferenceOutcome {
        let (absolute, relative) = tolerances(for: reference.op, Scalar.self)
        var outcome = ReferenceOutcome()
        func compare(_ name: String, _ actual: Tensor<Scalar>, _ expected: ReferenceCase.StoredTensor?) {
            outcome.compare(name, actual, expected, absolute: absolute, relative: relative)
        }
        func compare(_ name: String, _ actual: [Double], _ expected: ReferenceCase.StoredTensor?) {
            outcome.compare(name, actual, shape: [actual.count], expected, absolute: absolute, relative: relative)
        }
        func upstream() throws -> Tensor<Scalar> {
            guard let stored = reference.upstream else { throw ReferenceCase.LoadError(file: reference.name, problem: "missing \"upstream\"") }
            return stored.tensor()
        }

        switch reference.op {
        case "conv2d":
            let input = try reference.input("input").tensor(Scalar.self).requiringGradient()
            let weight = try reference.input("weight").tensor(Scalar.self).requiringGradient()
            let bias = reference.inputs["bias"].map { $0.tensor(Scalar.self).requiringGradient() }
            let padding: Int = try reference.param("padding")
            let output = input.conv2D(weight: weight, bias: bias, stride: try reference.param("stride"), padding: .explicit(top: padding, bottom: padding, left: padding, right: padding))
            compare("output", output, reference.outputs["output"])
            output.backward(seed: try upstream())
            compare("grad input", input.gradient!, reference.grads["input"])
            compare("grad weight", weight.gradient!, reference.grads["weight"])
            if let bias { compare("grad bias", bias.gradient!, reference.grads["bias"]) }

        case "upsample_bilinear":
            let input = try reference.input("input").tensor(Scalar.self).requiringGradient()
            let size: [Int] = try reference.param("size")
            let output = input.upsampled(toHeight: size[0], width: size[1], mode: .bilinear(alignCorners: try reference.param("align_corners")))
            compare("output", output, reference.outputs["output"])
            output.backward(seed: try upstream())
            compare("grad input", input.gradient!, reference.grads["input"])

        case "log_kernel":
            let bank = LoGFilterBank<Scalar>(sigmas: try reference.doubles("sigmas"))
            for index in bank.sigmas.indices { compare("kernel_\(index)", bank.kernel(at: index), reference.outputs["kernel_\(index)"]) }

        case "log_filter_bank":
            let mode: String = try reference.param("channels")
            for method in [LoGFilterBank<Scalar>.Method.separable, .direct] {
                let bank = LoGFilterBank<Scalar>(sigmas: try reference.doubles("sigmas"), channelMode: mode == "sum" ? .sumOverChannels : .perChannel, method: method)
                let input = try reference.input("input").tensor(Scalar.self).requiringGradient()
                let output = bank(input)
                compare("output (\(method))", output, reference.outputs["output"])
                output.backward(seed: try upstream())
                compare("grad input (\(method))", input.gradient!, reference.grads["input"])
            }

        case "losses":
            let reconstruction = try reference.input("reconstruction").tensor(Scalar.self).requiringGradient()
            let original: Tensor<Scalar> = try reference.input("original").tensor()
            let pixel = PixelLoss(channelWeights: try reference.doubles("pixel_weights")).breakdown(reconstruction, original)
            let sfl = SpatialFrequencyLoss(bank: LoGFilterBank<Scalar>(sigmas: try reference.doubles("sigmas")),
                                           subbandWeights: try reference.doubles("subband_weights")).breakdown(reconstruction, original)
            compare("pixel_loss", pixel.value.reshaped(to: [1]), reference.outputs["pixel_loss"])
            compare("pixel_loss_per_channel", pixel.terms, reference.outputs["pixel_loss_per_channel"])
            compare("sfl", sfl.value.reshaped(to: [1]), reference.outputs["sfl"])
            compare("sfl_per_subband", sfl.terms, reference.outputs["sfl_per_subband"])
            let gradients = [pixel.value, sfl.value].map { $0.gradients(withRespectTo: [reconstruction], retainGraph: true)[0] }
            compare("grad pixel_loss/reconstruction", gradients[0], reference.grads["pixel_loss/reconstruction"])
            compare("grad sfl/reconstruction", gradients[1], reference.grads["sfl/reconstruction"])

        case "cae_step":
            try runAutoencoderStep(reference, as: Scalar.self, compare: compare, compareValues: compare)

        default:
            // The anti-blur losses of ../shared/reference-losses (Losses/LossReferenceRunner.swift).
            guard try LossReferenceRunner.run(reference, as: Scalar.self, compare: compare, upstream: upstream) else {
                throw ReferenceCase.LoadError(file: reference.name, problem: "unknown op \"\(reference.op)\"")
            }
        }
        return outcome
    }

    /// The paper's CAE: losses, reconstructions and gradients at the stored
    /// parameters, then two SGD-with-momentum steps.
    private static func runAutoencoderStep<Scalar: TensorScalar>(
        _ reference: ReferenceCase, as _: Scalar.Type,
        compare: (String, Tensor<Scalar>, ReferenceCase.StoredTensor?) -> Void,
        compareValues: (String, [Double], ReferenceCase.StoredTensor?) -> Void
    ) throws {
        var generator = SeededGenerator(seed: 0)
        let model = ConvolutionalAutoencoder<Scalar>(using: &generator)
        model.updateParameters { name, _ in
            // The stored names match SFLKit's: conv1.weight … conv4.bias.
            (reference.inputs[name]?.tensor(Scalar.self))!
        }
        let imageKeys = reference.inputs.keys.filter { $0.hasPrefix("image_") }.sorted { Int($0.dropFirst(6))! < Int($1.dropFirst(6))! }
        guard !imageKeys.isEmpty else { throw ReferenceCase.LoadError(file: reference.name, problem: "no image_i inputs") }
        let images: [Tensor<Scalar>] = imageKeys.map { reference.inputs[$0]!.tensor() }
        let optimizer = SGD<Scalar>(learningRate: try reference.param("learning_rate"), momentum: try reference.param("momentum"))
        let trainer = FullBatchTrainer(
            model: model, optimizer: optimizer, images: images,
            pixelLoss: PixelLoss(channelWeights: try reference.doubles("pixel_weights")),
            spatialFrequencyLoss: SpatialFrequencyLoss(bank: LoGFilterBank(sigmas: try reference.doubles("sigmas")),
                                                       subbandWeights: try reference.doubles("subband_weights")))
        for (index, reconstruction) in trainer.reconstructions().enumerated() {
            compare("reconstruction_\(index)", reconstruction, reference.outputs["reconstruction_\(index)"])
        }
        let (metrics, gradients) = trainer.metricsAndGradients()
        compareValues("pixel_loss", [metrics["E_PL"]!], reference.outputs["pixel_loss"])
        compareValues("sfl", [metrics["E_SFL"]!], reference.outputs["sfl"])
        compareValues("sfl_per_subband", metrics.entries.filter { $0.name.hasPrefix("SFL_sigma") }.map(\.value), reference.outputs["sfl_per_subband"])
        compareValues("total_loss", [metrics["loss"]!], reference.outputs["total_loss"])
        for (name, _) in model.namedParameters {
            compare("grad total_loss/\(name)", gradients[name]!, reference.grads["total_loss/\(name)"])
        }
        try trainer.step()
        let afterFirst = try trainer.step()
        compareValues("loss_after_step_1", [afterFirst["loss"]!], reference.outputs["loss_after_step_1"])
        for (name, parameter) in model.namedParameters {
            compare("after_step_2/\(name)", parameter, reference.outputs["after_step_2/\(name)"])
        }
    }
}
