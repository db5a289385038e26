import Configuration
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MariaDB

@testable import SurveyApp

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum AppTestSupport {
    static var projectRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// A file or folder the project ships (`Surveys/market-research.json`, `Locales`).
    static func resource(_ relativePath: String) -> String { projectRoot + "/" + relativePath }

    static func environment(_ key: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[key], !value.isEmpty else {
            throw TestSetupError("\(key) is not set: run the tests with `make test`, which starts MariaDB and Redis")
        }
        return value
    }

    /// An app configuration for a fresh database of its own on the test server. `body` runs with
    /// it; the database is dropped afterwards. `databasePort` and `redisPort` send the app to
    /// another port of this machine instead of the test servers' (a `CuttableProxy` in front of them).
    static func withConfiguration<T>(
        overrides: [String: String] = [:], databasePort: Int? = nil, redisPort: Int? = nil, _ body: (AppConfiguration) async throws -> T
    ) async throws -> T {
        var admin = try MariaDBConfiguration(url: environment("TEST_DATABASE_URL"))
        admin.poolSize = 1
        let name = "app_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let adminClient = MariaDBClient(configuration: admin, logger: Logger(label: "admin"))
        try await adminClient.withConnection { try await $0.execute(unsafeSQL: "CREATE DATABASE `\(name)`") }
        var url = URLComponents(string: try environment("TEST_DATABASE_URL"))!
        url.path = "/" + name
        if let databasePort { url.port = databasePort }
        let databaseURL = url.string!
        var redisURL = URLComponents(string: try environment("TEST_REDIS_URL"))!
        if let redisPort { redisURL.port = redisPort }
        var values: [AbsoluteConfigKey: ConfigValue] = [
            "database.url": .init(.string(databaseURL), isSecret: true),
            "redis.url": .init(.string(redisURL.string!), isSecret: false),
            "resources.dir": .init(.string(projectRoot), isSecret: false),
            "http.port": .init(.int(0), isSecret: false),
            "log.level": .init(.string("warning"), isSecret: false),
        ]
        // Password hashes at N = 2^14 in tests: half the time, the same code.
        values["password.scrypt.log.n"] = .init(.int(14), isSecret: false)
        // Small pools: dozens of apps run at once in the test process, each with its database
        // I/O threads, Redis connections and hashing threads (a test that needs more sets it in
        // `overrides`).
        values["database.pool.size"] = .init(.int(4), isSecret: false)
        values["redis.pool.size"] = .init(.int(4), isSecret: false)
        values["password.hash.threads"] = .init(.int(1), isSecret: false)
        for (key, value) in overrides {
            values[AbsoluteConfigKey(stringLiteral: key)] = .init(Int(value).map { .int($0) } ?? .string(value), isSecret: false)
        }
        let configuration = try AppConfiguration(reader: ConfigReader(provider: InMemoryProvider(values: values)))
        let result: Result<T, any Error>
        do {
            result = .success(try await body(configuration))
        } catch {
            result = .failure(error)
        }
        _ = try? await adminClient.withConnection { try await $0.execute(unsafeSQL: "DROP DATABASE `\(name)`") }
        await adminClient.shutdown()
        return try result.get()
    }
}

extension AppTestSupport {
    /// A running app (real socket, real MariaDB and Redis) on a fresh database; `body` gets a client.
    static func withApp<T>(
        overrides: [String: String] = [:], logger: Logger? = nil, databasePort: Int? = nil, redisPort: Int? = nil,
        _ body: @escaping @Sendable (any TestClientProtocol, AppConfiguration) async throws -> T
    ) async throws -> T {
        try await withConfiguration(overrides: overrides, databasePort: databasePort, redisPort: redisPort) { configuration in
            let app = try await buildApplication(configuration, logger: logger)
            return try await app.test(.live) { client in try await body(client, configuration) }
        }
    }

    /// A direct database client for checking what the app stored.
    static func withDatabase<T>(_ configuration: AppConfiguration, _ body: (MariaDBClient) async throws -> T) async throws -> T {
        var database = configuration.database
        database.poolSize = 2
        let client = MariaDBClient(configuration: database, logger: Logger(label: "check"))
        let result: Result<T, any Error>
        do { result = .success(try await body(client)) } catch { result = .failure(error) }
        await client.shutdown()
        return try result.get()
    }

    /// The number of rows in `table`.
    static func count(_ table: String, _ configuration: AppConfiguration) async throws -> Int {
        try await withDatabase(configuration) { db in
            try await db.query(SQLQuery(unsafeSQL: "SELECT COUNT(*) AS n FROM `\(table)`"))[0].decode("n", as: Int.self)
        }
    }
}
