import Foundation
@testable import SFLKit

/// One PyTorch float64 reference case (format: `../shared/reference/README.md`).
struct ReferenceCase {
    /// A tensor as stored: shape and row-major values.
    struct StoredTensor {
        let shape: [Int]
        let data: [Double]
        func tensor<Scalar: TensorScalar>(_: Scalar.Type = Scalar.self) -> Tensor<Scalar> { Tensor(shape: shape, doubles: data) }
    }

    /// Why a case could not be loaded.
    struct LoadError: Error, CustomStringConvertible {
        let file: String
        let problem: String
        var description: String { "\(file): \(problem)" }
    }

    let name: String
    let op: String
    let params: [String: Any]
    let inputs: [String: StoredTensor]
    let upstream: StoredTensor?
    let outputs: [String: StoredTensor]
    let grads: [String: StoredTensor]

    init(contentsOf url: URL) throws {
        name = url.deletingPathExtension().lastPathComponent
        let file = url.lastPathComponent
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw LoadError(file: file, problem: "cannot be read (\(error.localizedDescription))") }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw LoadError(file: file, problem: "is not a JSON object")
        }
        guard let op = root["op"] as? String else { throw LoadError(file: file, problem: "has no \"op\" string") }
        self.op = op
        params = root["params"] as? [String: Any] ?? [:]
        func tensor(_ value: Any, _ key: String) throws -> StoredTensor {
            guard let object = value as? [String: Any], let shape = object["shape"] as? [Int], let values = object["data"] as? [NSNumber] else {
                throw LoadError(file: file, problem: "tensor \"\(key)\" lacks an integer \"shape\" or a numeric \"data\" array")
            }
            guard values.count == shape.reduce(1, *) else {
                throw LoadError(file: file, problem: "tensor \"\(key)\" has \(values.count) values for shape \(shape)")
            }
            return StoredTensor(shape: shape, data: values.map(\.doubleValue))
        }
        func tensors(_ key: String) throws -> [String: StoredTensor] {
            guard let group = root[key] else { return [:] }
            guard let object = group as? [String: Any] else { throw LoadError(file: file, problem: "\"\(key)\" is not an object") }
            return try object.reduce(into: [:]) { $0[$1.key] = try tensor($1.value, "\(key).\($1.key)") }
        }
        inputs = try tensors("inputs")
        outputs = try tensors("outputs")
        grads = try tensors("grads")
        upstream = try root["upstream"].map { try tensor($0, "upstream") }
    }

    func input(_ key: String) throws -> StoredTensor {
        guard let value = inputs[key] else { throw LoadError(file: name, problem: "missing input \"\(key)\"") }
        return value
    }

    func param<T>(_ key: String, as: T.Type = T.self) throws -> T {
        guard let value = params[key] as? T else { throw LoadError(file: name, problem: "missing or mistyped parameter \"\(key)\"") }
        return value
    }

    func doubles(_ key: String) throws -> [Double] {
        try param(key, as: [NSNumber].self).map(\.doubleValue)
    }
}

/// The comparison of one case's computed values with the stored ones.
struct ReferenceOutcome: CustomStringConvertible {
    var compared = 0
    var failures: [String] = []
    /// The worst element over all compared tensors: name, index, actual, expected.
    var worst: (name: String, index: Int, actual: Double, expected: Double, ratio: Double)?

    var passed: Bool { failures.isEmpty && compared > 0 }

    var description: String {
        let worstText = worst.map { "worst \($0.name)[\($0.index)]: \($0.actual) vs \($0.expected)" } ?? "nothing compared"
        return passed ? "pass (\(compared) tensors; \(worstText))" : "fail: \(failures.joined(separator: "; ")); \(worstText)"
    }

    /// Compares `actual` with `expected` element by element within `|a − b| ≤ atol + rtol·|b|`.
    mutating func compare(_ name: String, _ actual: [Double], shape actualShape: [Int], _ expected: ReferenceCase.StoredTensor?, absolute: Double, relative: Double) {
        guard let expected else { failures.append("\(name): no stored value"); return }
        compared += 1
        guard actualShape.reduce(1, *) == expected.shape.reduce(1, *), actual.count == expected.data.count else {
            failures.append("\(name): shape \(actualShape) vs stored \(expected.shape)")
            return
        }
        var failed = false
        for (index, (a, b)) in zip(actual, expected.data).enumerated() {
            let ratio = abs(a - b) / (absolute + relative * abs(b))
            if !(ratio <= 1) { failed = true }
            if worst == nil || !(ratio <= worst!.ratio) { worst = (name, index, a, b, ratio.isNaN ? .infinity : ratio) }
        }
        if failed { failures.append("\(name) out of tolerance") }
    }

    mutating func compare<Scalar>(_ name: String, _ actual: Tensor<Scalar>, _ expected: ReferenceCase.StoredTensor?, absolute: Double, relative: Double) {
        compare(name, actual.doubles, shape: actual.shape, expected, absolute: absolute, relative: relative)
    }
}
