import Foundation
@testable import SFLKit

/// Shared helpers of the resampling and LoG kernel tests: deterministic test
/// data, dot products, running a kernel on Swift arrays, and the PyTorch
/// reference vectors of `<package root>/../shared/reference`.
enum FilterKernelTestSupport {
    /// `count` deterministic values in [-1, 1) (SplitMix64 of `seed`).
    static func values(_ count: Int, seed: UInt64) -> [Double] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Double(z >> 11) / Double(1 << 53) * 2 - 1
        }
    }

    /// `Σ a[i] · b[i]`.
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        return zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The largest `|a[i] − b[i]|`.
    static func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    /// Runs `kernel(input, output)` on `input` converted to `S`; returns the
    /// output (of `outputCount` elements, prefilled with NaN to catch unwritten
    /// elements) converted back to `Double`.
    static func run<S: TensorScalar>(
        _: S.Type, _ input: [Double], outputCount: Int,
        _ kernel: (UnsafePointer<S>, UnsafeMutablePointer<S>) -> Void
    ) -> [Double] {
        let converted = input.map { S($0) }
        var output = [S](repeating: .nan, count: outputCount)
        converted.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                kernel(source.baseAddress!, destination.baseAddress!)
            }
        }
        return output.map { Double($0) }
    }

    /// A tensor of a reference file.
    struct ReferenceTensor: Decodable {
        /// Row-major shape.
        let shape: [Int]
        /// The values.
        let data: [Double]
    }

    /// The parameters used by the resampling and LoG reference files.
    struct ReferenceParameters: Decodable {
        /// Bilinear target size [H, W].
        let size: [Int]?
        /// Bilinear corner convention.
        let align_corners: Bool?
        /// LoG standard deviations.
        let sigmas: [Double]?
        /// LoG bank channel mode ("sum").
        let channels: String?
    }

    /// One reference case (format in `shared/reference/README.md`).
    struct ReferenceCase: Decodable {
        /// The op name.
        let op: String
        /// The op parameters.
        let params: ReferenceParameters
        /// Named inputs.
        let inputs: [String: ReferenceTensor]
        /// The upstream gradient, when `grads` are gradients of `sum(output · upstream)`.
        let upstream: ReferenceTensor?
        /// Named outputs.
        let outputs: [String: ReferenceTensor]
        /// Named gradients.
        let grads: [String: ReferenceTensor]?
    }

    /// `<package root>/../shared/reference`, found from this file's path.
    static let referenceDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Kernels
        .deletingLastPathComponent()  // SFLKitTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("../shared/reference").standardizedFileURL

    /// Whether the reference file `name` is present.
    static func hasReference(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: referenceDirectory.appendingPathComponent(name).path)
    }

    /// Loads the reference file `name`; throws if it is missing or malformed.
    static func reference(_ name: String) throws -> ReferenceCase {
        let data = try Data(contentsOf: referenceDirectory.appendingPathComponent(name))
        return try JSONDecoder().decode(ReferenceCase.self, from: data)
    }

    /// Whether every `|a − b| ≤ absolute + relative · |b|` (the reference README's tolerance form).
    static func matches(_ a: [Double], _ b: [Double], absolute: Double, relative: Double) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= absolute + relative * abs($1) }
    }
}
