// swift-tools-version:6.0
// SFLKit: a pure-Swift tensor library with reverse-mode automatic differentiation,
// built to train convolutional autoencoders with the spatial frequency loss.
import PackageDescription

let package = Package(
    name: "SFLKit",
    products: [
        .library(name: "SFLKit", targets: ["SFLKit"]),
        .executable(name: "sfl-bench", targets: ["SFLBench"]),
        .executable(name: "sfl-example", targets: ["SFLExample"]),
    ],
    targets: [
        // MARK: - The library: what a model builder imports
        .target(name: "SFLKit", path: "Sources/SFLKit"),

        // MARK: - Benchmarks (a separate module: every measurement crosses the module boundary)
        .executableTarget(name: "SFLBench", dependencies: ["SFLKit"], path: "Benchmarks/SFLBench"),

        // MARK: - The paper's experiment, end to end
        // The pipeline (settings, command line, data, training both runs, the report) is a
        // module of its own, not a product: only the example and its tests import it.
        .target(name: "SFLExperiment", dependencies: ["SFLKit"], path: "Examples/SFLExperiment"),
        .executableTarget(name: "SFLExample", dependencies: ["SFLKit", "SFLExperiment"], path: "Examples/SFLExample"),

        // MARK: - Unit test bundles
        .testTarget(name: "SFLKitTests", dependencies: ["SFLKit"], path: "Tests/SFLKitTests"),
        .testTarget(name: "SFLExperimentTests", dependencies: ["SFLKit", "SFLExperiment"], path: "Tests/SFLExperimentTests"),
    ],
    swiftLanguageModes: [.v6]
)
