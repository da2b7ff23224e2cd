import Foundation

/// Small valid files of every fuzzed format, made at run time so that the
/// fuzz run needs nothing outside the repository. The JPEG and the unusual
/// PNG files come from the tests' independent writers (`JPEGTestEncoder`,
/// `TestPNGBuilder`), which `build.sh` compiles into the harness.
enum FuzzSeeds {
    /// A smooth test pattern with some texture, 8-bit unless `sixteenBit`.
    static func pattern(width: Int, height: Int, channels: Int, sixteenBit: Bool = false) -> Image {
        var samples: [UInt16] = []
        let top = sixteenBit ? 65535.0 : 255.0
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    let value = 0.5 + 0.4 * sin(Double(x + 3 * c) / 3) * cos(Double(y) / 4) + 0.1 * Double((x * 7 + y * 13 + c) % 5) / 5
                    samples.append(UInt16(min(max(value * top, 0), top).rounded()))
                }
            }
        }
        return Image(width: width, height: height, channels: channels, bitDepth: sixteenBit ? 16 : 8, samples: samples)
    }

    static func png() -> [[UInt8]] {
        var files: [[UInt8]] = []
        for channels in 1...4 {
            files.append(PNGEncoder.encode(pattern(width: 7 + channels, height: 5, channels: channels), level: .balanced))
        }
        files.append(PNGEncoder.encode(pattern(width: 6, height: 4, channels: 3, sixteenBit: true), level: .fast))
        // Palette, low bit depths and Adam7 interlacing, which PNGEncoder does not write.
        for (bitDepth, interlaced) in [(1, false), (2, true), (4, false), (8, true)] {
            let colours = 1 << bitDepth
            let entries = min(colours, 16)
            var palette: [UInt8] = []
            for entry in 0..<entries { palette += [UInt8(entry * 15), UInt8(255 - entry * 15), UInt8(entry * 7)] }
            files.append(TestPNGBuilder(width: 9, height: 7, bitDepth: bitDepth, colourType: 3, interlaced: interlaced,
                                        palette: palette, transparency: [0, 128],
                                        samples: (0..<63).map { ($0 * 5 + $0 / 9) % entries }).build())
            files.append(TestPNGBuilder(width: 8, height: 5, bitDepth: bitDepth, colourType: 0, interlaced: !interlaced,
                                        samples: (0..<40).map { ($0 * 3) % colours }, idatChunks: 2).build())
        }
        return files
    }

    static func ppm() -> [[UInt8]] {
        var files: [[UInt8]] = []
        for (channels, sixteenBit) in [(1, false), (3, false), (1, true), (3, true)] {
            files.append(try! PPM.encode(pattern(width: 5, height: 4, channels: channels, sixteenBit: sixteenBit)))
        }
        // A comment and an unusual maxval, which PPM.encode does not write.
        var unusual = Array("P5\n# a comment\n3 2\n1000\n".utf8)
        for sample in 0..<6 { unusual += [UInt8(sample), UInt8(17 * sample)] }
        files.append(unusual)
        return files
    }

    static func jpeg() -> [[UInt8]] {
        var files: [[UInt8]] = []
        let configurations: [(h: Int, v: Int, progressive: Bool, restart: Int)] = [(2, 2, false, 0), (2, 1, true, 0), (1, 1, false, 2),
                                                                                   (1, 2, true, 1), (4, 1, false, 1)]
        for (index, configuration) in configurations.enumerated() {
            var encoder = JPEGTestEncoder(quality: 40 + 10 * index, lumaH: configuration.h, lumaV: configuration.v,
                                          restartInterval: configuration.restart, progressive: configuration.progressive)
            encoder.orientation = index % 2 == 0 ? 6 : nil
            encoder.sixteenBitTables = index == 2
            files.append(encoder.encode(pattern(width: 9 + 4 * index, height: 7 + 2 * index, channels: 3)))
        }
        files.append(JPEGTestEncoder(quality: 75, progressive: true).encode(pattern(width: 11, height: 6, channels: 1)))
        return files
    }

    static func checkpoint() -> [[UInt8]] {
        var generator = SeededGenerator(seed: 7)
        func tensor<Scalar: TensorScalar>(_ shape: [Int], _: Scalar.Type) -> Tensor<Scalar> {
            Tensor(shape: shape, doubles: (0..<shape.reduce(1, *)).map { _ in Double.random(in: -1...1, using: &generator) })
        }
        let floatState = ModelState(parameters: [("conv1.weight", tensor([2, 1, 3, 3], Float.self)), ("conv1.bias", tensor([2], Float.self))])
        var training = Checkpoint(model: floatState, metadata: ["learningRate": "0.01", "data": "fuzz"])
        training.optimizer = OptimizerSnapshot(name: "SGD", state: OptimizerState(step: 3, tensors: [
            "velocity.conv1.weight": tensor([2, 1, 3, 3], Float.self), "velocity.conv1.bias": tensor([2], Float.self),
        ]))
        training.epoch = 2
        training.generatorState = [1, 2, 3, 4]
        let architecture = try? JSONDecoder().decode(ModelArchitecture.self, from: Data(#"{"name": "Fuzz", "configuration": "{\"depth\": 1}"}"#.utf8))
        let doubleState = ModelState(parameters: [("w", tensor([3, 2], Double.self)), ("scalar", tensor([], Double.self)),
                                                  ("empty", tensor([0, 4], Double.self))])
        return [training.encoded(), Checkpoint(model: doubleState, architecture: architecture).encoded()]
    }

    /// Writes the seeds of each format into a subfolder of `folder` named
    /// for the format (`png`, `ppm`, `jpeg`, `checkpoint`); returns how many.
    static func write(to folder: URL) throws -> Int {
        var count = 0
        for (format, files) in [("png", png()), ("ppm", ppm()), ("jpeg", jpeg()), ("checkpoint", checkpoint())] {
            let subfolder = folder.appendingPathComponent(format)
            try FileManager.default.createDirectory(at: subfolder, withIntermediateDirectories: true)
            for (index, bytes) in files.enumerated() {
                try Data(bytes).write(to: subfolder.appendingPathComponent("seed-\(index)"))
                count += 1
            }
        }
        return count
    }
}
