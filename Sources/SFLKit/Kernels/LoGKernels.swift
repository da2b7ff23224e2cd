import Foundation

/// One sampled Laplacian-of-Gaussian kernel (paper Eq. 5) and its exact
/// rank-2 separable factors.
///
/// The kernel is the scale-normalised LoG
/// `K_σ(x, y) = −(2 − (x² + y²)/σ²) · exp(−(x² + y²)/(2σ²)) / (2πσ²)`,
/// sampled at the integer offsets `x, y ∈ −r … r` from the centre, with
/// `size = 2r + 1 = ⌈8σ⌉`, plus 1 if that is even (7, 13, 27 for σ = 0.8,
/// 1.6, 3.2), and no re-normalisation.
///
/// With `a(t) = exp(−t²/(2σ²)) / √(2πσ²)` and `b(t) = (t²/σ² − 1) · a(t)`,
/// `K[y][x] = b(y)·a(x) + a(y)·b(x)` exactly (in real arithmetic), so a
/// correlation with `K` is two row passes and two column passes of length
/// `size` instead of one `size × size` pass. All three arrays are symmetric.
struct LoGKernel: Equatable, Sendable {
    /// The Gaussian's standard deviation σ, in pixels.
    let sigma: Double
    /// The side length `2r + 1` (odd).
    let size: Int
    /// The direct 2-D kernel, `size · size` values, row-major:
    /// `coefficients[(y + r) · size + (x + r)] = K_σ(x, y)`.
    let coefficients: [Double]
    /// `a(t) = exp(−t²/(2σ²)) / √(2πσ²)` for `t = −r … r`.
    let gaussian: [Double]
    /// `b(t) = (t²/σ² − 1) · a(t)` for `t = −r … r`.
    let secondFactor: [Double]

    /// Samples the kernel of standard deviation `sigma`.
    ///
    /// - Precondition: `sigma` is finite and positive, and `8σ` is at most 1,000,000.
    init(sigma: Double) {
        precondition(sigma.isFinite && sigma > 0 && 8 * sigma <= 1_000_000,
                     "LoGKernel: sigma must be finite, positive and at most 125000, got \(sigma)")
        let size = LoGKernel.size(sigma: sigma)
        let radius = size / 2
        let variance = sigma * sigma
        var coefficients = [Double](repeating: 0, count: size * size)
        for y in -radius...radius {
            for x in -radius...radius {
                let squared = Double(x * x + y * y)
                coefficients[(y + radius) * size + (x + radius)] =
                    -(2 - squared / variance) * Foundation.exp(-squared / (2 * variance)) / (2 * Double.pi * variance)
            }
        }
        let gaussian = (-radius...radius).map { t in
            Foundation.exp(-Double(t * t) / (2 * variance)) / (2 * Double.pi * variance).squareRoot()
        }
        self.sigma = sigma
        self.size = size
        self.coefficients = coefficients
        self.gaussian = gaussian
        self.secondFactor = (-radius...radius).map { t in
            (Double(t * t) / variance - 1) * gaussian[t + radius]
        }
    }

    /// The radius `r = (size − 1) / 2`.
    var radius: Int { size / 2 }

    /// The side length for `sigma`: `⌈8σ⌉`, plus 1 if even.
    ///
    /// - Precondition: `sigma` is finite and positive.
    static func size(sigma: Double) -> Int {
        let size = Int((8 * sigma).rounded(.up))
        return size % 2 == 0 ? size + 1 : size
    }
}
