import Foundation
import Testing
@testable import SFLKit

/// Writes JPEG files made by the tests' encoder (every sampling from 1×1 to
/// 4×2, sizes from 1×1, sequential, progressive and with restarts), each with
/// SFLKit's decode beside it, for `Tests/Scripts/check_jpeg_with_pillow.py`
/// to compare with Pillow's decode. Runs only when `SFLKIT_JPEG_EXPORT_DIR`
/// names a folder.
@Suite("ImageIO export for the external JPEG check")
struct JPEGExternalCheckExport {
    static let folder = ProcessInfo.processInfo.environment["SFLKIT_JPEG_EXPORT_DIR"]

    @Test("writes JPEG files and SFLKit's decode of each",
          .enabled(if: folder != nil, "set SFLKIT_JPEG_EXPORT_DIR to export JPEGs for the Pillow check"))
    func export() throws {
        let folder = URL(fileURLWithPath: try #require(Self.folder))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var manifest: [String] = []
        var seed: UInt64 = 100
        for (h, v) in [(1, 1), (2, 1), (1, 2), (2, 2), (4, 1), (4, 2), (3, 1), (3, 2), (1, 4), (2, 4)] {
            for (width, height) in [(1, 1), (2, 9), (3, 3), (7, 5), (17, 31), (40, 24), (67, 45)] {
                for variant in ["baseline", "progressive", "restart", "random"] {
                    var encoder = JPEGTestEncoder(quality: 85, lumaH: h, lumaV: v)
                    encoder.progressive = variant == "progressive"
                    encoder.restartInterval = variant == "restart" ? 2 : 0
                    if variant == "random" {
                        seed += 1
                        encoder.randomCoefficientsSeed = seed
                    }
                    let name = "s\(h)x\(v)_\(width)x\(height)_\(variant)"
                    let data = encoder.encode(JPEGDecoderTests.pattern(width: width, height: height))
                    try Data(data).write(to: folder.appendingPathComponent(name + ".jpg"))
                    let image = try JPEGDecoder.decode(data, name: name)
                    try Data(image.samples.map { UInt8($0) }).write(to: folder.appendingPathComponent(name + ".rgb"))
                    manifest.append("\(name)\t\(image.width)\t\(image.height)\t\(image.channels)")
                }
            }
        }
        try Data((manifest.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("MANIFEST.tsv"))
        #expect(manifest.count == 280)
    }
}
