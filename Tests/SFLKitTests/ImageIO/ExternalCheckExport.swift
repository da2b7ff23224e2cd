import Foundation
import Testing
@testable import SFLKit

/// Writes PNG files made by `PNGEncoder`, with their exact samples beside
/// them, for `Tests/Scripts/check_png_with_pillow.py` to open in other
/// software. Runs only when `SFLKIT_PNG_EXPORT_DIR` names a folder.
@Suite("ImageIO export for the external PNG check")
struct ImageIOExternalCheckExport {
    static let folder = ProcessInfo.processInfo.environment["SFLKIT_PNG_EXPORT_DIR"]

    @Test("writes encoder output and raw samples", .enabled(if: folder != nil, "set SFLKIT_PNG_EXPORT_DIR to export PNGs for the Pillow check"))
    func export() throws {
        let folder = URL(fileURLWithPath: try #require(Self.folder))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var images: [(String, Image, CompressionLevel)] = []
        var seed: UInt64 = 500
        for channels in 1...4 {
            for bitDepth in [8, 16] {
                for (width, height) in [(1, 1), (17, 5), (200, 150)] {
                    seed += 1
                    let image = ImageIOPNGCodecTests.randomImage(width: width, height: height, channels: channels,
                                                                 bitDepth: bitDepth, seed: seed)
                    images.append(("c\(channels)_d\(bitDepth)_\(width)x\(height)", image, .balanced))
                }
            }
        }
        if let willow = SharedData.willow {
            for name in SharedData.files(in: willow, suffix: ".png").prefix(5) {
                let image = try PNGDecoder.decode(contentsOf: name)
                for level in [CompressionLevel.fast, .best] {
                    images.append(("willow_\(name.deletingPathExtension().lastPathComponent)_\(level)", image, level))
                }
            }
        }
        var manifest: [String] = []
        for (name, image, level) in images {
            try PNGEncoder.write(image, to: folder.appendingPathComponent(name + ".png"), level: level)
            var raw: [UInt8] = []
            for sample in image.samples { raw += [UInt8(sample >> 8), UInt8(sample & 0xFF)] }
            try Data(raw).write(to: folder.appendingPathComponent(name + ".samples16be"))
            manifest.append("\(name)\t\(image.width)\t\(image.height)\t\(image.channels)\t\(image.bitDepth)")
        }
        try Data((manifest.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("MANIFEST.tsv"))
        #expect(manifest.count == images.count)
    }
}
