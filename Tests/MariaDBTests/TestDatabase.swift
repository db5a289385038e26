import Foundation
import Logging
import MariaDB
import Testing

/// A throwaway database on the test server that `make test` starts (`TEST_DATABASE_URL`, a user
/// allowed to create databases). Missing configuration fails the test: it never skips.
struct TestDatabase {
    let name: String
    let configuration: MariaDBConfiguration

    static func adminConfiguration() throws -> MariaDBConfiguration {
        guard let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"] else {
            throw TestSetupError("TEST_DATABASE_URL is not set: run the tests with `make test`, which starts MariaDB")
        }
        return try MariaDBConfiguration(url: url)
    }

    /// Creates a fresh database, runs `body` with a client for it, then drops it.
    static func with<T>(
        poolSize: Int = 4, configure: (inout MariaDBConfiguration) -> Void = { _ in },
        _ body: (MariaDBClient, TestDatabase) async throws -> T
    ) async throws -> T {
        let admin = try adminConfiguration()
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let adminClient = MariaDBClient(configuration: admin, logger: Logger(label: "test-admin"))
        try await adminClient.withConnection { try await $0.execute(unsafeSQL: "CREATE DATABASE `\(name)`") }
        var configuration = admin
        configuration.database = name
        configuration.poolSize = poolSize
        configure(&configuration)
        let client = MariaDBClient(configuration: configuration, logger: Logger(label: "test"))
        let database = TestDatabase(name: name, configuration: configuration)
        do {
            let result = try await body(client, database)
            await client.shutdown()
            try await adminClient.withConnection { try await $0.execute(unsafeSQL: "DROP DATABASE `\(name)`") }
            await adminClient.shutdown()
            return result
        } catch {
            await client.shutdown()
            _ = try? await adminClient.withConnection { try await $0.execute(unsafeSQL: "DROP DATABASE `\(name)`") }
            await adminClient.shutdown()
            throw error
        }
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Resident memory of this process, from /proc.
func residentMemoryBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return (Int(fields.dropFirst().first ?? "0") ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}
