import Testing
@testable import SFLKit

/// Checks `function`'s gradients at `inputs` against finite differences in
/// Double and records a failure naming the worst element.
func expectGradientsMatch(
    at inputs: [Tensor<Double>], relativeTolerance: Double = 1e-6, absoluteTolerance: Double = 1e-8,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ function: ([Tensor<Double>]) -> Tensor<Double>
) {
    let report = checkGradients(at: inputs, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance, of: function)
    #expect(report.passed, "\(report)", sourceLocation: sourceLocation)
    #expect(report.relativeError < relativeTolerance, "\(report)", sourceLocation: sourceLocation)
}

/// A tensor of normal samples (seeded), optionally pushed away from zero so
/// that kinks (ReLU at 0) are not within a finite-difference step.
func randomTensor(_ shape: [Int], seed: UInt64, awayFromZero: Bool = false) -> Tensor<Double> {
    var generator = SeededGenerator(seed: seed)
    let values = (0..<Shape.elementCount(shape)).map { _ -> Double in
        let value = generator.nextNormal()
        return awayFromZero ? (value >= 0 ? value + 0.1 : value - 0.1) : value
    }
    return Tensor(shape: shape, scalars: values)
}

/// Whether every pair is within `absolute + relative · |expected|`.
func allClose(_ actual: [Double], _ expected: [Double], absolute: Double = 1e-12, relative: Double = 1e-12) -> Bool {
    actual.count == expected.count && zip(actual, expected).allSatisfy { abs($0 - $1) <= absolute + relative * abs($1) }
}
