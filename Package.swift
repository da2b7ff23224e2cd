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
        // MARK: - Public API
        .target(name: "SFLKit", path: "Sources/SFLKit"),

        // MARK: - Benchmarks (a separate module: every measurement crosses the module boundary)
        .executableTarget(name: "SFLBench", dependencies: ["SFLKit"], path: "Benchmarks/SFLBench"),

        // MARK: - The paper's experiment, end to end
        .executableTarget(name: "SFLExample", dependencies: ["SFLKit"], path: "Examples/SFLExample"),

        // MARK: - Unit test bundles
        .testTarget(name: "SFLKitTests", dependencies: ["SFLKit"], path: "Tests/SFLKitTests"),
    ],
    swiftLanguageModes: [.v6]
)
