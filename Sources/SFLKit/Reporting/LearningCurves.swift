import Foundation

/// Why a report file could not be read or written: which file and what is wrong.
public struct ReportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file's path (or a caller-given name for in-memory text).
    public let file: String
    /// The problem in words.
    public let problem: String

    /// Creates an error.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    /// `"<file>: <problem>"`.
    public var description: String { "\(file): \(problem)" }
}

/// Writes `text` as UTF-8 to `url` atomically, reporting failures as ``ReportError``.
func writeTextAtomically(_ text: String, to url: URL) throws(ReportError) {
    do {
        try writeAtomically(Array(text.utf8), to: url)
    } catch {
        throw ReportError(file: url.path, problem: error.reason)
    }
}

/// One epoch of a learning curve: the losses evaluated in that epoch (before
/// its update) and the wall time spent training up to its end.
public struct LearningCurveRecord: Equatable, Sendable {
    /// The epoch, counted from 1.
    public var epoch: Int
    /// The losses of the epoch.
    public var losses: EpochLosses
    /// Seconds of training up to the end of this epoch, over every session of the run.
    public var elapsedSeconds: Double

    /// Creates a record.
    public init(epoch: Int, losses: EpochLosses, elapsedSeconds: Double) {
        self.epoch = epoch
        self.losses = losses
        self.elapsedSeconds = elapsedSeconds
    }
}

/// The per-epoch losses of one training run (the data of the paper's Fig. 5),
/// with a CSV form that round-trips exactly.
///
/// The CSV has one header line and one row per epoch:
/// `epoch,E,E_PL,E_SFL,E_PL_ch1,…,E_PL_chC,SFL_sigma<σ1>,…,SFL_sigma<σK>,seconds`.
/// `E_PL_ch` and `SFL_sigma` columns are the unweighted terms (`w = 1`).
/// Numbers are written in Swift's shortest round-trip form, so reading a
/// written file gives back the same `Double`s bit for bit.
public struct LearningCurves: Equatable, Sendable {
    /// The LoG scales, one `SFL_sigma` column each.
    public let sigmas: [Double]
    /// The number of colour channels, one `E_PL_ch` column each.
    public let channelCount: Int
    /// The records, in epoch order.
    public private(set) var records: [LearningCurveRecord] = []

    /// Creates empty curves.
    ///
    /// - Precondition: `channelCount ≥ 1`.
    public init(sigmas: [Double], channelCount: Int = 3) {
        check(channelCount >= 1, "LearningCurves: channel count must be at least 1, got \(channelCount)")
        self.sigmas = sigmas
        self.channelCount = channelCount
    }

    /// Appends the losses of `epoch`.
    ///
    /// - Precondition: `epoch` is one more than the last record's (1 for the first);
    ///   the losses have `channelCount` pixel terms and one subband term per σ
    ///   (or none, when the SFL was not evaluated).
    public mutating func append(epoch: Int, losses: EpochLosses, elapsedSeconds: Double) {
        check(epoch == (records.last?.epoch ?? 0) + 1, "LearningCurves.append: epoch \(epoch) after \(records.last?.epoch ?? 0)")
        check(losses.pixelPerChannel.count == channelCount, "LearningCurves.append: \(losses.pixelPerChannel.count) pixel terms for \(channelCount) channels")
        check(losses.spatialFrequencyPerSubband.isEmpty || losses.spatialFrequencyPerSubband.count == sigmas.count,
              "LearningCurves.append: \(losses.spatialFrequencyPerSubband.count) subband terms for \(sigmas.count) sigmas")
        records.append(LearningCurveRecord(epoch: epoch, losses: losses, elapsedSeconds: elapsedSeconds))
    }

    /// Drops every record after `epoch`.
    public mutating func truncate(afterEpoch epoch: Int) {
        records.removeAll { $0.epoch > epoch }
    }

    /// The CSV column names.
    public var header: [String] {
        ["epoch", "E", "E_PL", "E_SFL"] + (1...channelCount).map { "E_PL_ch\($0)" }
            + sigmas.map { "SFL_sigma\(Self.format($0))" } + ["seconds"]
    }

    /// The curves as CSV text (header, then one row per epoch, `\n` line ends).
    public func csv() -> String {
        var lines = [header.joined(separator: ",")]
        for record in records {
            let losses = record.losses
            let subbands = losses.spatialFrequencyPerSubband.isEmpty ? sigmas.map { _ in Double.nan } : losses.spatialFrequencyPerSubband
            let values = [losses.total, losses.pixel, losses.spatialFrequency] + losses.pixelPerChannel + subbands + [record.elapsedSeconds]
            lines.append(([String(record.epoch)] + values.map(Self.format)).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads curves from CSV text written by ``csv()``; `source` names the text in errors.
    ///
    /// - Throws: ``ReportError`` naming the line and the problem.
    public init(csv text: String, source: String) throws(ReportError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map { String($0) }
        guard let headerLine = lines.first else { throw ReportError(file: source, problem: "is empty (no CSV header)") }
        let columns = headerLine.split(separator: ",").map(String.init)
        let channels = columns.filter { $0.hasPrefix("E_PL_ch") }.count
        let sigmaTexts = columns.filter { $0.hasPrefix("SFL_sigma") }.map { String($0.dropFirst("SFL_sigma".count)) }
        let sigmas = sigmaTexts.compactMap(Double.init)
        guard channels >= 1, sigmas.count == sigmaTexts.count else {
            throw ReportError(file: source, problem: "line 1: not a learning-curve header: \(headerLine)")
        }
        self.init(sigmas: sigmas, channelCount: channels)
        guard columns == header else {
            throw ReportError(file: source, problem: "line 1: expected the columns \(header.joined(separator: ",")), found \(headerLine)")
        }
        for (offset, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let lineNumber = offset + 2
            guard fields.count == columns.count else {
                throw ReportError(file: source, problem: "line \(lineNumber): \(fields.count) fields, the header has \(columns.count)")
            }
            guard let epoch = Int(fields[0]), epoch == (records.last?.epoch ?? 0) + 1 else {
                throw ReportError(file: source, problem: "line \(lineNumber): epoch '\(fields[0])' does not follow epoch \(records.last?.epoch ?? 0)")
            }
            var values: [Double] = []
            for (column, field) in zip(columns.dropFirst(), fields.dropFirst()) {
                guard let value = Double(field) else {
                    throw ReportError(file: source, problem: "line \(lineNumber): column \(column) holds '\(field)', not a number")
                }
                values.append(value)
            }
            let pixelTerms = Array(values[3..<(3 + channels)])
            let subbands = Array(values[(3 + channels)..<(3 + channels + sigmas.count)])
            let losses = EpochLosses(total: values[0], pixel: values[1], spatialFrequency: values[2], pixelPerChannel: pixelTerms,
                                     spatialFrequencyPerSubband: subbands.allSatisfy(\.isNaN) ? [] : subbands)
            records.append(LearningCurveRecord(epoch: epoch, losses: losses, elapsedSeconds: values[values.count - 1]))
        }
    }

    /// Reads a CSV file written by ``write(to:)``.
    public init(contentsOf url: URL) throws(ReportError) {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ReportError(file: url.path, problem: "cannot be read (\(error.localizedDescription))")
        }
        try self.init(csv: text, source: url.path)
    }

    /// Writes ``csv()`` to `url` atomically.
    public func write(to url: URL) throws(ReportError) {
        try writeTextAtomically(csv(), to: url)
    }

    /// `(epoch, value)` points of one quantity, for plotting.
    public func points(_ value: (EpochLosses) -> Double?) -> [(x: Double, y: Double)] {
        records.compactMap { record in value(record.losses).map { (Double(record.epoch), $0) } }
    }

    /// A number in Swift's shortest round-trip form (`nan` for NaN).
    static func format(_ value: Double) -> String { value.isNaN ? "nan" : "\(value)" }
}
