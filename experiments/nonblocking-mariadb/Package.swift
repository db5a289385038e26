// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "helper-mdb-nb",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nbbench", targets: ["nbbench"]),
        .library(name: "NBMariaDB", targets: ["NBMariaDB"]),
    ],
    targets: [
        .systemLibrary(name: "CMariaDB", pkgConfig: "libmariadb", providers: [.apt(["libmariadb-dev"])]),
        .target(name: "NBMariaDB", dependencies: ["CMariaDB"]),
        .executableTarget(name: "nbbench", dependencies: ["NBMariaDB"]),
    ],
    swiftLanguageModes: [.v6]
)
