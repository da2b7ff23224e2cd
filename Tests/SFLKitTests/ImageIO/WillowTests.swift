import Foundation
import Testing
@testable import SFLKit

/// Each PNG of pf-willow decodes to exactly the pixels of its PPM twin.
@Suite("ImageIO pf-willow PNG vs PPM",
       .enabled(if: SharedData.willow != nil && SharedData.willowPPM != nil, "../shared/data/pf-willow is absent"))
struct ImageIOWillowTests {
    @Test("all 70 PNGs equal their PPM twins")
    func pngsMatchPPMTwins() throws {
        let pngFolder = try #require(SharedData.willow)
        let ppmFolder = try #require(SharedData.willowPPM)
        let files = SharedData.files(in: pngFolder, suffix: ".png")
        #expect(files.count == 70)
        for file in files {
            let png = try PNGDecoder.decode(contentsOf: file)
            let twin = ppmFolder.appendingPathComponent(file.deletingPathExtension().lastPathComponent + ".ppm")
            let ppm = try PPM.decode(contentsOf: twin)
            #expect(png.channels == 3 && png.bitDepth == 8, "\(file.lastPathComponent)")
            #expect(max(png.width, png.height) == 300, "\(file.lastPathComponent)")
            #expect(png == ppm, "\(file.lastPathComponent) differs from its PPM twin")
        }
    }
}
