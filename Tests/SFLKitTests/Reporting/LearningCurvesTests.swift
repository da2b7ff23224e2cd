import Foundation
import Testing
@testable import SFLKit

@Suite struct LearningCurvesTests {
    static let names = ["E", "E_PL", "E_SFL", "E_PL_ch1", "E_PL_ch2", "E_PL_ch3", "SFL_sigma0.8", "SFL_sigma1.6", "SFL_sigma3.2"]

    static func metrics(_ seed: Double, subbands: Bool = true) -> TrainingMetrics {
        let values: [Double] = [0.1 * seed + 1e-17, 1 / 3 * seed, .pi * seed, seed, 2 * seed, 1e-300]
            + (subbands ? [0.0189 * seed, 5.69e-3, 1.0 / 7] : [.nan, .nan, .nan])
        return TrainingMetrics(Array(zip(names, values)))
    }

    @Test func csvRoundTripsBitForBit() throws {
        var curves = LearningCurves(metricNames: Self.names)
        for epoch in 1...5 { curves.append(epoch: epoch, metrics: Self.metrics(Double(epoch) * 1.1), elapsedSeconds: Double(epoch) / 3) }
        let text = curves.csv()
        let lines = text.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines[0] == "epoch,E,E_PL,E_SFL,E_PL_ch1,E_PL_ch2,E_PL_ch3,SFL_sigma0.8,SFL_sigma1.6,SFL_sigma3.2,seconds")
        #expect(lines.allSatisfy { $0.split(separator: ",").count == 11 })
        let read = try LearningCurves(csv: text, source: "test.csv")
        #expect(read == curves)
    }

    @Test func missingValuesWriteNaNReadBackAndAreLeftOutOfPlots() throws {
        var curves = LearningCurves(metricNames: Self.names)
        curves.append(epoch: 1, metrics: Self.metrics(1, subbands: false), elapsedSeconds: 0)
        curves.append(epoch: 2, metrics: Self.metrics(2), elapsedSeconds: 0)
        #expect(curves.csv().contains(",nan,"))
        let read = try LearningCurves(csv: curves.csv(), source: "x")
        #expect(read.csv() == curves.csv())
        #expect(read.records[0].metrics["SFL_sigma0.8"]!.isNaN)
        #expect(read.points("SFL_sigma0.8").map(\.x) == [2])
    }

    @Test func fileRoundTripAndTruncation() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sfl-curves-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var curves = LearningCurves(metricNames: Self.names)
        for epoch in 1...4 { curves.append(epoch: epoch, metrics: Self.metrics(Double(epoch)), elapsedSeconds: 1) }
        let file = directory.appendingPathComponent("c.csv")
        try curves.write(to: file)
        var read = try LearningCurves(contentsOf: file)
        #expect(read == curves)
        read.truncate(afterEpoch: 2)
        #expect(read.records.map(\.epoch) == [1, 2])
        #expect(read.points("E").map(\.x) == [1, 2])
    }

    @Test func badCSVNamesTheLineAndProblem() {
        func problem(_ text: String) -> String {
            do { _ = try LearningCurves(csv: text, source: "bad.csv"); return "no error" } catch { return error.description }
        }
        let header = "epoch,E,E_PL,E_SFL,E_PL_ch1,SFL_sigma0.8,seconds"
        #expect(problem("") == "bad.csv: is empty (no CSV header)")
        #expect(problem("a,b,c\n").hasPrefix("bad.csv: line 1: not a learning-curve header"))
        #expect(problem("epoch,seconds\n").hasPrefix("bad.csv: line 1: not a learning-curve header"))
        #expect(problem("epoch,E,E,seconds\n").hasPrefix("bad.csv: line 1: not a learning-curve header"))
        #expect(problem("\(header)\n1,1,1,1,1,1\n") == "bad.csv: line 2: 6 fields, the header has 7")
        #expect(problem("\(header)\n1,1,1,1,x,1,1\n") == "bad.csv: line 2: column E_PL_ch1 holds 'x', not a number")
        #expect(problem("\(header)\n2,1,1,1,1,1,1\n") == "bad.csv: line 2: epoch '2' does not follow epoch 0")
        #expect(problem("\(header)\n1,1,1,1,1,1,1\n") == "no error")
    }
}
