import Foundation
import Testing
@testable import SFLKit

/// The PyTorch float64 reference cases of the anti-blur losses
/// (`../shared/reference-losses`), in Double and in Float at the reference
/// tolerances.
@Suite struct LossReferenceTests {
    static let folder = SharedData.folder("reference-losses")

    /// The case files, or none when `../shared` is absent.
    static let cases: [String] = folder.map { SharedData.files(in: $0, suffix: ".json").map(\.lastPathComponent) } ?? []

    @Test(.enabled(if: folder != nil, Comment(rawValue: SharedData.absentMessage)))
    func folderHoldsEveryLoss() throws {
        let ops = try Set(Self.cases.map { try ReferenceCase(contentsOf: Self.folder!.appendingPathComponent($0)).op })
        #expect(ops == LossReferenceRunner.ops, "cases \(Self.cases) cover \(ops.sorted())")
    }

    @Test(.enabled(if: folder != nil, Comment(rawValue: SharedData.absentMessage)), arguments: cases)
    func referenceCase(_ file: String) throws {
        let reference = try ReferenceCase(contentsOf: Self.folder!.appendingPathComponent(file))
        let double = try ReferenceRunner.run(reference, as: Double.self)
        #expect(double.passed, "\(reference.name) in Double: \(double)")
        let float = try ReferenceRunner.run(reference, as: Float.self)
        #expect(float.passed, "\(reference.name) in Float: \(float)")
        print("reference-losses \(reference.name): Double \(double); Float \(float)")
    }
}
