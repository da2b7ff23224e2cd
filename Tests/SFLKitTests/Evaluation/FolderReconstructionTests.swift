import Foundation
import Testing
@testable import SFLKit

@Suite struct FolderReconstructionTests {
    @Test func reconstructionFilesNeverClashEvenWithoutRegardToCase() {
        let names = ["a.jpg", "a.png", "a-2.png", "A.ppm", "b.png", "Cat.PNG", "cat.jpeg"]
        let files = FolderReconstruction.reconstructionFiles(for: names)
        #expect(files == ["a", "a-2", "a-2-2", "A-3", "b", "Cat", "cat-2"].map { "reconstructions/\($0).png" })
        #expect(Set(files.map { $0.lowercased() }).count == files.count)
    }

    @Test func psnrIsOnTheUnitScale() {
        let original = Tensor<Double>(shape: [1, 1, 1, 4], scalars: [-1, 0, 0.5, 1])
        let shifted = original + 0.2   // an error of 0.1 on the [0, 1] scale everywhere: MSE 0.01, 20 dB
        #expect(abs(peakSignalToNoiseRatio(shifted, original) - 20) < 1e-9)
        #expect(peakSignalToNoiseRatio(original, original) == .infinity)
    }
}
