// swift-tools-version: 6.1
import PackageDescription

/// Every Swift target is built in Swift 6 language mode with the same strictness.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Tepat",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tepat", targets: ["tepat"]),
        .library(name: "Tepat", targets: ["Tepat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // The few system calls Swift's Glibc module does not reach (renameat2).
        .target(name: "CTepatSystem"),
        // Values shared by every stage: source text and ranges, diagnostics, dates, money, the schema model, tables.
        .target(name: "TepatModel", swiftSettings: strict),
        // Stage 1 — parse: YAML with positions, the expression parser, the policy/schema/calendar syntax trees.
        .target(name: "TepatSyntax", dependencies: ["TepatModel", "Yams"], swiftSettings: strict),
        // Stage 2 — check: names resolved against the schema and parameters, types, null-safety, lint.
        .target(name: "TepatCheck", dependencies: ["TepatSyntax"], swiftSettings: strict),
        // Stage 3 and 4 — compile the checked tree into closures over column slots, and evaluate subjects.
        .target(name: "TepatEval", dependencies: ["TepatCheck"], swiftSettings: strict),
        // Population I/O: CSV/JSONL readers typed against the schema, linking, the synthetic generator.
        .target(name: "TepatData", dependencies: ["TepatModel", "CTepatSystem"], swiftSettings: strict),
        // Stage 5 — allocate quota and budget in priority order, with per-key limits.
        .target(name: "TepatAllocate", dependencies: ["TepatEval"], swiftSettings: strict),
        // Stage 6 — explanations and reports: decisions, households, summary, manifest, HTML, officer text.
        .target(name: "TepatReport", dependencies: ["TepatEval", "TepatAllocate", "TepatData"], swiftSettings: strict),
        // The library a program (CLI, web service) calls: load a workspace, run, explain, test, diff.
        .target(
            name: "Tepat",
            dependencies: [
                "TepatModel", "TepatSyntax", "TepatCheck", "TepatEval", "TepatData", "TepatAllocate", "TepatReport", "CTepatSystem",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tepat",
            dependencies: ["Tepat", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        // `swift run -c release tepat-bench`: the full pipeline against a hand-written floor.
        .executableTarget(
            name: "tepat-bench",
            dependencies: ["Tepat", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .testTarget(name: "TepatSyntaxTests", dependencies: ["TepatSyntax"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(
            name: "TepatCheckTests", dependencies: ["TepatCheck"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(
            name: "TepatEvalTests",
            dependencies: ["TepatEval", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(name: "TepatDataTests", dependencies: ["TepatData"], swiftSettings: strict),
        .testTarget(name: "TepatTests", dependencies: ["Tepat"], resources: [.copy("Fixtures")], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
