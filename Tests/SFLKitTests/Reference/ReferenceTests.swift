import Foundation
import Testing
@testable import SFLKit

/// The PyTorch float64 reference cases, in Double and in Float.
@Suite struct ReferenceTests {
    /// The cases in `../shared/reference`, or none when it is absent.
    static let sharedCases: [String] = {
        guard let folder = SharedData.folder("reference") else { return [] }
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }()

    @Test(.enabled(if: SharedData.folder("reference") != nil, Comment(rawValue: SharedData.absentMessage)))
    func sharedReferenceFolderHasCases() {
        #expect(Self.sharedCases.count >= 11, "expected the 11 shared reference cases, found \(Self.sharedCases)")
    }

    @Test(.enabled(if: SharedData.folder("reference") != nil, Comment(rawValue: SharedData.absentMessage)), arguments: sharedCases)
    func sharedCase(_ file: String) throws {
        let reference = try ReferenceCase(contentsOf: SharedData.folder("reference")!.appendingPathComponent(file))
        let double = try ReferenceRunner.run(reference, as: Double.self)
        #expect(double.passed, "\(reference.name) in Double: \(double)")
        let float = try ReferenceRunner.run(reference, as: Float.self)
        #expect(float.passed, "\(reference.name) in Float: \(float)")
    }

    /// Every case in `$SFLKIT_REFERENCE_DIR`, when set: one line per case, and
    /// a failure for any case that cannot be loaded or does not match.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SFLKIT_REFERENCE_DIR"] != nil, "SFLKIT_REFERENCE_DIR is not set"))
    func casesInReferenceDirectory() throws {
        let path = ProcessInfo.processInfo.environment["SFLKIT_REFERENCE_DIR"]!
        let files = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(!files.isEmpty, "SFLKIT_REFERENCE_DIR=\(path) holds no .json case")
        for file in files {
            let name = (file as NSString).deletingPathExtension
            do {
                let reference = try ReferenceCase(contentsOf: URL(fileURLWithPath: path).appendingPathComponent(file))
                for (label, outcome) in [("Double", try ReferenceRunner.run(reference, as: Double.self)), ("Float", try ReferenceRunner.run(reference, as: Float.self))] {
                    print("reference \(name) [\(label)]: \(outcome)")
                    #expect(outcome.passed, "reference \(name) [\(label)]: \(outcome)")
                }
            } catch {
                print("reference \(name): fail (cannot load or run: \(error))")
                Issue.record("reference \(name): cannot load or run: \(error)")
            }
        }
    }
}
