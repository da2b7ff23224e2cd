import Foundation

/// How the focal frequency loss weights its spectrum (see ``FocalFrequencyLoss``).
struct FocalWeighting: Equatable, Sendable {
    /// The exponent α of `w = |D|^α`.
    let alpha: Double
    /// Whether `w` is `log(|D|^α + 1)`.
    let logMatrix: Bool
    /// Whether `w` is normalised by its maximum over all planes (otherwise per plane).
    let batchMatrix: Bool
}

/// The focal frequency term of the spectra `D = real + i·imaginary` of
/// `planes` planes of `planeSize` frequencies: `Σ w · |D|²` over every
/// frequency, with the weights `w = |D|^α` (or `log(|D|^α + 1)`) divided by
/// their maximum per plane (or over all planes), NaN → 0, clamped to [0, 1].
///
/// Overwrites `real` and `imaginary` with `w · D` (what the gradient needs)
/// and returns the sum, accumulated in Double in index order.
func focalFrequencySum<S: TensorScalar>(real: UnsafeMutablePointer<S>, imaginary: UnsafeMutablePointer<S>, planes: Int, planeSize: Int,
                                        weighting: FocalWeighting) -> Double {
    let count = planes * planeSize
    let weights = ScratchBuffers.take(Double.self, count: count)
    defer { ScratchBuffers.give(weights) }
    let alpha = weighting.alpha
    for i in 0..<count {
        let squared = Double(real[i]) * Double(real[i]) + Double(imaginary[i]) * Double(imaginary[i])
        let magnitude = alpha == 1 ? squared.squareRoot() : alpha == 2 ? squared : Foundation.pow(squared.squareRoot(), alpha)
        weights[i] = weighting.logMatrix ? Foundation.log(magnitude + 1) : magnitude
    }
    let groupSize = weighting.batchMatrix ? count : planeSize
    var total = 0.0
    for start in stride(from: 0, to: count, by: groupSize) {
        var maximum = -Double.infinity
        for i in start..<(start + groupSize) { maximum = max(maximum, weights[i]) }
        for i in start..<(start + groupSize) {
            let normalised = weights[i] / maximum
            let weight = normalised.isNaN ? 0 : min(max(normalised, 0), 1)
            let re = Double(real[i]), im = Double(imaginary[i])
            total += weight * (re * re + im * im)
            real[i] = S(weight * re)
            imaginary[i] = S(weight * im)
        }
    }
    return total
}
