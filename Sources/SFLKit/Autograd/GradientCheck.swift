/// The outcome of ``checkGradients(at:epsilon:absoluteTolerance:relativeTolerance:seed:of:)``:
/// whether every analytic gradient element matches its finite-difference
/// estimate, and the worst element found.
public struct GradientCheckReport: Sendable, CustomStringConvertible {
    /// Whether every element satisfied `|analytic − numeric| ≤ atol + rtol·|numeric|`.
    public let passed: Bool
    /// How many gradient elements were compared.
    public let checkedElements: Int
    /// The input (position in the `inputs` array) holding the worst element.
    public let worstInput: Int
    /// The multi-dimensional index of the worst element within its input.
    public let worstIndex: [Int]
    /// The gradient computed by the backward pass at the worst element.
    public let analytic: Double
    /// The central finite-difference estimate at the worst element.
    public let numeric: Double
    /// `|analytic − numeric|` at the worst element.
    public let absoluteError: Double
    /// `|analytic − numeric| / max(|numeric|, atol / rtol)` at the worst element
    /// (relative where the gradient is not tiny, scaled absolute where it is).
    public let relativeError: Double

    /// A one-line summary naming the worst element and both values.
    public var description: String {
        "gradient check \(passed ? "passed" : "FAILED") over \(checkedElements) elements; worst: input \(worstInput) index \(worstIndex), analytic \(analytic), numeric \(numeric), abs error \(absoluteError), rel error \(relativeError)"
    }
}

/// Compares the gradients computed by SFLKit's backward pass with central
/// finite differences, in `Double` (the counterpart of PyTorch's `gradcheck`).
///
/// The function may return a tensor of any shape: it is reduced to the scalar
/// `L = Σ f(x) · u` with a fixed random `u` (drawn from `seed`), which checks
/// the full vector–Jacobian product. Each element `xⱼ` of every input is
/// perturbed by `±epsilon` and `(L(x + εeⱼ) − L(x − εeⱼ)) / 2ε` is compared with
/// the analytic `∂L/∂xⱼ`.
///
/// ```swift
/// let report = checkGradients(at: [x, w]) { inputs in inputs[0].matmul(inputs[1]).tanh() }
/// assert(report.passed, report.description)
/// ```
///
/// - Parameters:
///   - inputs: the point at which to check; every input is checked.
///   - epsilon: the finite-difference step.
///   - absoluteTolerance: `atol` of the pass criterion.
///   - relativeTolerance: `rtol` of the pass criterion.
///   - seed: the seed of the projection `u`.
///   - function: the computation under test; it must be deterministic.
/// - Complexity: two evaluations of `function` per input element.
public func checkGradients(
    at inputs: [Tensor<Double>], epsilon: Double = 1e-6, absoluteTolerance: Double = 1e-8,
    relativeTolerance: Double = 1e-6, seed: UInt64 = 0x5F1C_0DE,
    of function: ([Tensor<Double>]) -> Tensor<Double>
) -> GradientCheckReport {
    check(!inputs.isEmpty, "checkGradients: no inputs given")
    let leaves = inputs.map { $0.detached().requiringGradient() }
    let output = function(leaves)
    var generator = SeededGenerator(seed: seed)
    let projection = output.scalarCount == 1 ? Tensor<Double>(ones: output.shape) : Tensor<Double>(randomNormal: output.shape, using: &generator)
    let analytic = output.requiresGradient
        ? output.gradients(withRespectTo: leaves, seed: projection)
        : inputs.map { Tensor<Double>(zeros: $0.shape) }
    let weights = projection.doubles

    func objective(_ point: [Tensor<Double>]) -> Double {
        let values = withoutGradients { function(point) }.doubles
        var sum = 0.0
        for (value, weight) in zip(values, weights) { sum += value * weight }
        return sum
    }

    var worst = (ratio: -1.0, input: 0, offset: 0, analytic: 0.0, numeric: 0.0)
    var checked = 0
    for (inputIndex, input) in inputs.enumerated() {
        let base = input.doubles
        let gradient = analytic[inputIndex].doubles
        for offset in base.indices {
            func evaluate(at value: Double) -> Double {
                var perturbed = base
                perturbed[offset] = value
                var point = inputs.map { $0.detached() }
                point[inputIndex] = Tensor(shape: input.shape, scalars: perturbed)
                return objective(point)
            }
            let numeric = (evaluate(at: base[offset] + epsilon) - evaluate(at: base[offset] - epsilon)) / (2 * epsilon)
            let error = abs(gradient[offset] - numeric)
            let ratio = error.isNaN ? .infinity : error / (absoluteTolerance + relativeTolerance * abs(numeric))
            if ratio > worst.ratio { worst = (ratio, inputIndex, offset, gradient[offset], numeric) }
            checked += 1
        }
    }
    let shape = inputs[worst.input].shape
    var index = [Int](repeating: 0, count: shape.count)
    var remainder = worst.offset
    for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
        index[axis] = remainder % shape[axis]
        remainder /= shape[axis]
    }
    let absoluteError = abs(worst.analytic - worst.numeric)
    return GradientCheckReport(
        passed: worst.ratio <= 1, checkedElements: checked, worstInput: worst.input, worstIndex: index,
        analytic: worst.analytic, numeric: worst.numeric, absoluteError: absoluteError,
        relativeError: absoluteError / max(abs(worst.numeric), absoluteTolerance / relativeTolerance))
}
