// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Loupe",
    products: [
        .library(name: "LoupeCore", targets: ["LoupeCore"]),
        .executable(name: "loupe", targets: ["loupe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // OpenBLAS through pkg-config (Debian: libopenblas-dev).
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "LoupeCore",
            dependencies: [
                "CBLAS",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        .executableTarget(
            name: "loupe",
            dependencies: [
                "LoupeCore",
                "CBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "LoupeCoreTests",
            dependencies: ["LoupeCore"],
            resources: [.copy("Fixtures")]
        ),
    ],
    // Swift 5 mode: the engine's kernels share raw buffers across DispatchQueue.concurrentPerform
    // chunks, which strict Sendable checking cannot express without wrapping every pointer.
    swiftLanguageModes: [.v5]
)
