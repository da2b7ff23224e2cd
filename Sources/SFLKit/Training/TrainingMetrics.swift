/// Named numbers recorded while training, for logging and learning curves:
/// the loss and whatever else an objective records, in the order first
/// recorded.
///
/// ```swift
/// metrics["E_PL"] = pixel.scalar            // a Double
/// metrics.record("E_SFL", spatialFrequency) // a scalar tensor
/// metrics.record(["PL_red", "PL_green", "PL_blue"], perChannel)
/// ```
public struct TrainingMetrics: Equatable, Sendable, CustomStringConvertible {
    /// The names, in the order first recorded.
    public private(set) var names: [String] = []
    /// The values, one per name.
    public private(set) var values: [Double] = []

    /// No metrics.
    public init() {}

    /// Metrics from name–value pairs, in order.
    ///
    /// - Precondition: the names are distinct.
    public init(_ entries: [(name: String, value: Double)]) {
        for (name, value) in entries {
            check(self[name] == nil, "TrainingMetrics: '\(name)' given twice")
            self[name] = value
        }
    }

    /// The value named `name`; setting a new name appends it.
    public subscript(name: String) -> Double? {
        get { names.firstIndex(of: name).map { values[$0] } }
        set {
            if let index = names.firstIndex(of: name) {
                if let newValue { values[index] = newValue } else {
                    names.remove(at: index)
                    values.remove(at: index)
                }
            } else if let newValue {
                names.append(name)
                values.append(newValue)
            }
        }
    }

    /// The name–value pairs, in order.
    public var entries: [(name: String, value: Double)] { Array(zip(names, values)) }

    /// Records a scalar tensor (any shape with one element) under `name`.
    public mutating func record<Scalar>(_ name: String, _ value: Tensor<Scalar>) {
        check(value.scalarCount == 1, "TrainingMetrics.record: '\(name)' needs one value, got a tensor of shape \(value.shape)")
        self[name] = value.doubles[0]
    }

    /// Records each element of a vector under its own name.
    ///
    /// - Precondition: one name per element.
    public mutating func record<Scalar>(_ names: [String], _ values: Tensor<Scalar>) {
        check(values.scalarCount == names.count, "TrainingMetrics.record: \(names.count) names for a tensor of shape \(values.shape)")
        for (name, value) in zip(names, values.doubles) { self[name] = value }
    }

    /// `name value, name value, …`.
    public var description: String {
        entries.map { "\($0.name) \($0.value)" }.joined(separator: ", ")
    }

    /// The weighted mean `Σ wᵢ·mᵢ / Σ wᵢ` of metrics that share their names,
    /// summed in the given order (bit-reproducible).
    ///
    /// - Precondition: at least one part; every part has the first part's names.
    public static func weightedMean(_ parts: [(metrics: TrainingMetrics, weight: Double)]) -> TrainingMetrics {
        check(!parts.isEmpty, "TrainingMetrics.weightedMean: no metrics")
        let names = parts[0].metrics.names
        for part in parts {
            check(part.metrics.names == names, "TrainingMetrics.weightedMean: metrics \(part.metrics.names) differ from \(names)")
        }
        let total = parts.map(\.weight).reduce(0, +)
        var result = TrainingMetrics()
        result.names = names
        result.values = names.indices.map { index in
            parts.map { $0.weight == 1 ? $0.metrics.values[index] : $0.metrics.values[index] * $0.weight }.reduce(0, +) * (1 / total)
        }
        return result
    }
}
