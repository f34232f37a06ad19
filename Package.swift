// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Quorum",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "QuorumCore", targets: ["QuorumCore"]),
        .executable(name: "quorum", targets: ["quorum"]),
        .executable(name: "quorum-bench", targets: ["quorum-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // SSH signatures (SSHSIG, as git writes them) verified in process.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // CSV for `quorum member import`.
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        // Property-based tests (they run under Swift Testing).
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
    ],
    targets: [
        // libgit2, built from Debian's source by scripts/build-libgit2.sh
        // (`make deps`) and linked statically; found through the
        // quorum-libgit2.pc that the script writes into its cache and prints
        // (the Makefile puts it on PKG_CONFIG_PATH; see the README).
        .systemLibrary(name: "CLibGit2", pkgConfig: "quorum-libgit2"),
        // cmark-gfm, GitHub's CommonMark engine, from Debian's
        // libcmark-gfm-dev and libcmark-gfm-extensions-dev (`make deps`),
        // linked statically: one parse of a document gives its sections,
        // line ranges and the exported HTML (Sources/QuorumCore/Prose).
        .systemLibrary(name: "CCmarkGFM"),
        // The only code that touches libgit2 pointers.
        .target(name: "QuorumGit", dependencies: ["CLibGit2"]),
        // The review domain: proposals, rounds, suggestions, approvals, events.
        .target(name: "QuorumCore", dependencies: [
            "QuorumGit", "CCmarkGFM", .product(name: "Crypto", package: "swift-crypto"),
            // RSA (ssh-rsa keys, rsa-sha2-256/512 signatures) is only in swift-crypto's _CryptoExtras.
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "SwiftCSV", package: "SwiftCSV"),
        ]),
        // The command-line tool: parsing and printing only.
        .executableTarget(
            name: "quorum",
            dependencies: [
                "QuorumCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `make bench`: generates a workload and times the quorum binary.
        .executableTarget(name: "quorum-bench", dependencies: ["QuorumCore", "QuorumGit"]),
        // One test target keeps CI to one build: git-layer, domain,
        // integration and end-to-end tests live side by side in it.
        // Prose/Fixtures: document histories the parity test reads by path.
        .testTarget(
            name: "QuorumTests",
            dependencies: ["QuorumCore", "QuorumGit", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["Prose/Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
