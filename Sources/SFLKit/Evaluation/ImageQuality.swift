import Foundation

// Full-reference image-quality figures of a reconstruction against its
// original, both tensors in [−1, 1] measured on the [0, 1] scale. Each is
// computed in Double from the tensors' values and records no gradient.

/// The peak signal-to-noise ratio in dB of `reconstruction` against
/// `original`, both in [−1, 1], measured on the [0, 1] scale:
/// `10 · log₁₀(1 / MSE)` with `MSE` the mean of `((r − o) / 2)²` over every
/// element. Infinite when they are equal.
///
/// - Precondition: both have one shape.
public func peakSignalToNoiseRatio<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Double {
    check(reconstruction.shape == original.shape, "peakSignalToNoiseRatio: shapes \(reconstruction.shape) and \(original.shape) differ")
    return peakSignalToNoiseRatio(reconstruction.doubles, original.doubles)
}

/// `10 · log₁₀(1 / MSE)` of two equally long lists of values in [−1, 1], on the [0, 1] scale.
private func peakSignalToNoiseRatio(_ a: [Double], _ b: [Double]) -> Double {
    var sum = 0.0
    for index in a.indices {
        let difference = (a[index] - b[index]) / 2
        sum += difference * difference
    }
    let meanSquaredError = sum / Double(max(a.count, 1))
    return 10 * Foundation.log10(1 / meanSquaredError)
}

/// The colour error of `reconstruction` against `original`, both
/// `[N, C, H, W]` in [−1, 1]: the PSNR in dB (see
/// ``peakSignalToNoiseRatio(_:_:)``) between the two images averaged over
/// `blockSize × blockSize` areas.
///
/// Averaging over 8 × 8 areas removes detail, so the figure sees colour and
/// low-frequency shading only: a sharp reconstruction in the wrong colours
/// scores low, a blurred one in the right colours high. The areas tile the
/// image from its top-left corner; the last `H mod blockSize` rows and
/// `W mod blockSize` columns are left out (as `F.avg_pool2d` does). An image
/// smaller than a block is averaged over `min(H, W)`-pixel areas.
///
/// - Precondition: both are `[N, C, H, W]` of one shape; `blockSize ≥ 1`.
public func colourPeakSignalToNoiseRatio<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>,
                                                                blockSize: Int = 8) -> Double {
    check(reconstruction.rank == 4 && reconstruction.shape == original.shape,
          "colourPeakSignalToNoiseRatio: expected two [N, C, H, W] tensors of one shape, got \(reconstruction.shape) and \(original.shape)")
    check(blockSize >= 1, "colourPeakSignalToNoiseRatio: blockSize must be at least 1, got \(blockSize)")
    let side = min(blockSize, reconstruction.shape[2], reconstruction.shape[3])
    return withoutGradients {
        peakSignalToNoiseRatio(reconstruction.averagePooled(size: side), original.averagePooled(size: side))
    }
}

/// How sharp `reconstruction` is next to `original`, both `[N, C, H, W]`:
/// the gradient energy `Σ (x[y, x+1] − x[y, x])² + Σ (x[y+1, x] − x[y, x])²`
/// over every channel and image of the reconstruction, divided by the
/// original's.
///
/// 1 means as much fine detail as the original; below 1, blurred; above 1,
/// noise or ringing the original does not have. 1 when both are flat, +∞
/// when only the original is.
///
/// - Precondition: both are `[N, C, H, W]` of one shape.
public func gradientEnergyRatio<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> Double {
    check(reconstruction.rank == 4 && reconstruction.shape == original.shape,
          "gradientEnergyRatio: expected two [N, C, H, W] tensors of one shape, got \(reconstruction.shape) and \(original.shape)")
    let height = original.shape[2], width = original.shape[3]
    func energy(_ values: [Double]) -> Double {
        var sum = 0.0
        for plane in stride(from: 0, to: values.count, by: height * width) {
            for y in 0..<height {
                let row = plane + y * width
                for x in 0..<width {
                    let value = values[row + x]
                    if x + 1 < width {
                        let difference = values[row + x + 1] - value
                        sum += difference * difference
                    }
                    if y + 1 < height {
                        let difference = values[row + width + x] - value
                        sum += difference * difference
                    }
                }
            }
        }
        return sum
    }
    let reconstructed = energy(reconstruction.doubles), originalEnergy = energy(original.doubles)
    if originalEnergy == 0 { return reconstructed == 0 ? 1 : .infinity }
    return reconstructed / originalEnergy
}

/// The error of each channel's mean colour, `[C]`: for channel `c`,
/// `|mean(reconstruction_c) − mean(original_c)| / 2`, the means taken over
/// every pixel of every image, on the [0, 1] scale.
///
/// - Precondition: both are `[N, C, H, W]` of one shape.
public func channelMeanErrors<Scalar: TensorScalar>(_ reconstruction: Tensor<Scalar>, _ original: Tensor<Scalar>) -> [Double] {
    check(reconstruction.rank == 4 && reconstruction.shape == original.shape,
          "channelMeanErrors: expected two [N, C, H, W] tensors of one shape, got \(reconstruction.shape) and \(original.shape)")
    let count = original.shape[0], channels = original.shape[1], plane = original.shape[2] * original.shape[3]
    let a = reconstruction.doubles, b = original.doubles
    return (0..<channels).map { channel in
        var difference = 0.0
        for image in 0..<count {
            let start = (image * channels + channel) * plane
            for index in start..<(start + plane) { difference += a[index] - b[index] }
        }
        return abs(difference) / Double(max(count * plane, 1)) / 2
    }
}
