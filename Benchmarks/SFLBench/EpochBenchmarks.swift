import Foundation
import SFLKit

/// A full training epoch of the paper (forward, losses, backward, SGD update)
/// on `options.images` random images, PL alone and PL + SFL, in both ways of
/// using the threads; with the peak resident memory of the epochs.
func benchmarkEpochs(options: BenchmarkOptions) throws -> [BenchmarkResult] {
    var generator = SeededGenerator(seed: 4)
    let images = (0..<options.images).map { _ in
        Tensor<Float>(randomUniform: [1, 3, options.height, options.width], in: -1...1, using: &generator)
    }
    var results: [BenchmarkResult] = []
    for optimizesSFL in options.epochLosses.map({ $0 == "sfl" }) {
        for parallelism in options.epochParallelism.map({ $0 == "across" ? BatchParallelism.acrossParts : .withinOperations }) {
            var modelGenerator = SeededGenerator(seed: 0)
            let trainer = FullBatchTrainer(
                model: ConvolutionalAutoencoder<Float>(using: &modelGenerator), optimizer: SGD<Float>(), images: images,
                optimizesSpatialFrequencyLoss: optimizesSFL, monitorsSpatialFrequencyLoss: false, parallelism: parallelism)
            PeakMemory.reset()
            let time = try medianSeconds(repeats: options.epochRepeats) { try trainer.step() }
            let peak = PeakMemory.bytes().map { "peak memory \(String(format: "%.0f", Double($0) / 1_048_576)) MiB" }
            results.append(BenchmarkResult(
                group: "epoch", name: "epoch \(optimizesSFL ? "PL+SFL" : "PL") \(parallelism == .acrossParts ? "across images" : "within ops")",
                seconds: time, note: peak))
        }
    }
    return results
}

/// Decoding every PNG of a folder (the paper's 70 photographs).
func benchmarkDecoding(folder: URL, options: BenchmarkOptions) throws -> [BenchmarkResult] {
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".png") }.sorted()
    let contents = try files.map { try Data(contentsOf: folder.appendingPathComponent($0)) }.map { [UInt8]($0) }
    var pixels = 0
    let time = try medianSeconds(repeats: options.repeats) {
        pixels = 0
        for (name, bytes) in zip(files, contents) {
            let image = try Image(decoding: bytes, name: name)
            pixels += image.width * image.height
        }
    }
    return [BenchmarkResult(group: "decode", name: "decode \(files.count) PNG files", seconds: time,
                            note: "\(pixels) pixels, \(contents.map(\.count).reduce(0, +)) bytes, from memory")]
}
