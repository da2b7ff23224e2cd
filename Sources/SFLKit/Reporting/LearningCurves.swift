import Foundation

/// Why a report file could not be read or written: which file and what is wrong.
public struct ReportError: SFLKitError, Equatable {
    /// The file's path (or a caller-given name for in-memory text).
    public let source: String
    /// The problem in words.
    public let problem: String

    /// Creates an error.
    public init(source: String, problem: String) {
        self.source = source
        self.problem = problem
    }
}

/// Writes `text` as UTF-8 to `url` atomically, reporting failures as ``ReportError``.
func writeTextAtomically(_ text: String, to url: URL) throws(ReportError) {
    do {
        try writeAtomically(Array(text.utf8), to: url)
    } catch {
        throw ReportError(source: url.path, problem: error.reason)
    }
}

/// One epoch of a learning curve: the metrics evaluated in that epoch and
/// the wall time spent training up to its end.
public struct LearningCurveRecord: Equatable, Sendable {
    /// The epoch, counted from 1.
    public var epoch: Int
    /// The metrics of the epoch, in the curves' column order.
    public var metrics: TrainingMetrics
    /// Seconds of training up to the end of this epoch, over every session of the run.
    public var elapsedSeconds: Double

    /// Creates a record.
    public init(epoch: Int, metrics: TrainingMetrics, elapsedSeconds: Double) {
        self.epoch = epoch
        self.metrics = metrics
        self.elapsedSeconds = elapsedSeconds
    }
}

/// The per-epoch metrics of one training run (the data of the paper's
/// Fig. 5), with a CSV form that round-trips exactly.
///
/// The CSV has one header line, `epoch,<metric names…>,seconds`, and one
/// row per epoch. Numbers are written in Swift's shortest round-trip form
/// (`nan` for NaN), so reading a written file gives back the same `Double`s
/// bit for bit.
public struct LearningCurves: Equatable, Sendable {
    /// The metric names, one column each, in order.
    public let metricNames: [String]
    /// The records, in epoch order.
    public private(set) var records: [LearningCurveRecord] = []

    /// Creates empty curves with these metric columns.
    ///
    /// - Precondition: at least one name; the names are distinct, non-empty,
    ///   free of commas and line breaks, and neither `epoch` nor `seconds`.
    public init(metricNames: [String]) {
        check(!metricNames.isEmpty && Set(metricNames).count == metricNames.count,
              "LearningCurves: metric names must be distinct and at least one, got \(metricNames)")
        for name in metricNames {
            check(!name.isEmpty && !name.contains(",") && !name.contains("\n") && name != "epoch" && name != "seconds",
                  "LearningCurves: '\(name)' cannot be a column name")
        }
        self.metricNames = metricNames
    }

    /// Appends the metrics of `epoch`.
    ///
    /// - Precondition: `epoch` is one more than the last record's (1 for the
    ///   first), and the metrics have exactly ``metricNames``, in order.
    public mutating func append(epoch: Int, metrics: TrainingMetrics, elapsedSeconds: Double) {
        check(epoch == (records.last?.epoch ?? 0) + 1, "LearningCurves.append: epoch \(epoch) after \(records.last?.epoch ?? 0)")
        check(metrics.names == metricNames, "LearningCurves.append: metrics \(metrics.names), the curves have \(metricNames)")
        records.append(LearningCurveRecord(epoch: epoch, metrics: metrics, elapsedSeconds: elapsedSeconds))
    }

    /// Drops every record after `epoch`.
    public mutating func truncate(afterEpoch epoch: Int) {
        records.removeAll { $0.epoch > epoch }
    }

    /// The CSV column names.
    public var header: [String] { ["epoch"] + metricNames + ["seconds"] }

    /// The curves as CSV text (header, then one row per epoch, `\n` line ends).
    public func csv() -> String {
        var lines = [header.joined(separator: ",")]
        for record in records {
            lines.append(([String(record.epoch)] + (record.metrics.values + [record.elapsedSeconds]).map(Self.format)).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads curves from CSV text written by ``csv()``; `source` names the text in errors.
    ///
    /// - Throws: ``ReportError`` naming the line and the problem.
    public init(csv text: String, source: String) throws(ReportError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map { String($0) }
        guard let headerLine = lines.first else { throw ReportError(source: source, problem: "is empty (no CSV header)") }
        let columns = headerLine.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let names = Array(columns.dropFirst().dropLast())
        guard columns.count >= 3, columns.first == "epoch", columns.last == "seconds", Set(names).count == names.count,
              !names.contains(where: { $0.isEmpty || $0 == "epoch" || $0 == "seconds" }) else {
            throw ReportError(source: source, problem: "line 1: not a learning-curve header (epoch,<metrics…>,seconds): \(headerLine)")
        }
        self.init(metricNames: names)
        for (offset, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let lineNumber = offset + 2
            guard fields.count == columns.count else {
                throw ReportError(source: source, problem: "line \(lineNumber): \(fields.count) fields, the header has \(columns.count)")
            }
            guard let epoch = Int(fields[0]), epoch == (records.last?.epoch ?? 0) + 1 else {
                throw ReportError(source: source, problem: "line \(lineNumber): epoch '\(fields[0])' does not follow epoch \(records.last?.epoch ?? 0)")
            }
            var values: [Double] = []
            for (column, field) in zip(columns.dropFirst(), fields.dropFirst()) {
                guard let value = Double(field) else {
                    throw ReportError(source: source, problem: "line \(lineNumber): column \(column) holds '\(field)', not a number")
                }
                values.append(value)
            }
            records.append(LearningCurveRecord(epoch: epoch, metrics: TrainingMetrics(Array(zip(names, values.dropLast()))),
                                               elapsedSeconds: values[values.count - 1]))
        }
    }

    /// Reads a CSV file written by ``write(to:)``.
    public init(contentsOf url: URL) throws(ReportError) {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ReportError(source: url.path, problem: "cannot be read (\(error.localizedDescription))")
        }
        try self.init(csv: text, source: url.path)
    }

    /// Writes ``csv()`` to `url` atomically.
    public func write(to url: URL) throws(ReportError) {
        try writeTextAtomically(csv(), to: url)
    }

    /// `(epoch, value)` points of the metric `name` (NaN values left out), for plotting.
    public func points(_ name: String) -> [(x: Double, y: Double)] {
        records.compactMap { record in record.metrics[name].flatMap { $0.isNaN ? nil : (Double(record.epoch), $0) } }
    }

    /// A number in Swift's shortest round-trip form (`nan` for NaN).
    static func format(_ value: Double) -> String { value.isNaN ? "nan" : "\(value)" }
}
