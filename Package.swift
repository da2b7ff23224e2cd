// swift-tools-version:6.0
// SFLKit: a pure-Swift tensor library with reverse-mode automatic differentiation,
// built to train convolutional autoencoders with the spatial frequency loss.
import PackageDescription

let package = Package(
    name: "SFLKit",
    products: [
        .library(name: "SFLKit", targets: ["SFLKit"]),
    ],
    targets: [
        // MARK: - Public API
        .target(name: "SFLKit", path: "Sources/SFLKit"),

        // MARK: - Unit test bundles
        .testTarget(name: "SFLKitTests", dependencies: ["SFLKit"], path: "Tests/SFLKitTests"),
    ],
    swiftLanguageModes: [.v6]
)
