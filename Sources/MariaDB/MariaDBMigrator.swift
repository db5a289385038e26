import Foundation
import Logging

/// Applies numbered migrations in order, once each, and records them in `schema_migrations`.
///
/// The whole run holds a MariaDB named lock for the database (`migrate:<database>`), so N
/// replicas that start together apply each migration exactly once: the first does the work, the
/// others wait, then find nothing left to do. Named locks are server-wide; with the database in
/// the name, databases sharing a server do not wait for each other.
public struct MariaDBMigrator: Sendable {
    public let client: MariaDBClient
    public let migrations: [MariaDBMigration]
    public let logger: Logger
    /// How long to wait for another process that is migrating.
    public var lockTimeout: Duration = .seconds(120)

    public init(client: MariaDBClient, migrations: [MariaDBMigration], logger: Logger) {
        self.client = client
        self.migrations = migrations
        self.logger = logger
    }

    /// Applies what is pending and returns the versions applied by this call.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await client.withConnection { connection in
            let lock = try await lock(on: connection)
            do {
                let applied = try await applyPending(on: connection)
                _ = try await connection.query("SELECT RELEASE_LOCK(\(lock)) AS released")
                return applied
            } catch {
                _ = try? await connection.query("SELECT RELEASE_LOCK(\(lock)) AS released")
                throw error
            }
        }
    }

    /// Takes the database's migration lock and returns its name. Waits in slices shorter than the
    /// connection's read timeout: one `GET_LOCK` for the whole timeout would outlast it and end
    /// as a lost connection instead.
    private func lock(on connection: MariaDBConnection) async throws -> String {
        // Lock names are at most 64 characters; so are database names.
        let named = try await connection.query("SELECT CONCAT('migrate:', LEFT(DATABASE(), 56)) AS name")
        guard let row = named.first, let lock = try row.decode("name", as: String?.self) else {
            throw MariaDBError(kind: .usage, message: "no database selected: the configuration must name one")
        }
        let clock = ContinuousClock()
        let deadline = clock.now + lockTimeout
        let longest = max(1, min(5, Int(client.configuration.ioTimeout.components.seconds) - 1))
        while true {
            let left = Int((deadline - clock.now).components.seconds)
            let slice = max(1, min(longest, left))
            let rows = try await connection.query("SELECT GET_LOCK(\(lock), \(slice)) AS got")
            let got = try rows.first?.decode("got", as: Int?.self) ?? nil
            switch got {
            case 1?:
                return lock
            case 0?:
                if clock.now >= deadline {
                    throw MariaDBError(kind: .usage, message: "another process held the migration lock for \(lockTimeout.components.seconds) s")
                }
            default:
                throw MariaDBError(kind: .usage, message: "the server refused the migration lock \(lock)")
            }
        }
    }

    private func applyPending(on connection: MariaDBConnection) async throws -> [Int] {
        try await connection.execute(unsafeSQL: """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INT NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL,
                checksum VARCHAR(32) NOT NULL,
                applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """)
        var done: [Int: String] = [:]
        for row in try await connection.query("SELECT version, checksum FROM schema_migrations") {
            done[try row.decode("version")] = try row.decode("checksum", as: String.self)
        }
        var applied: [Int] = []
        for migration in migrations {
            if let checksum = done[migration.version] {
                if checksum != migration.checksum {
                    logger.warning("migration was edited after it was applied", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                }
                continue
            }
            logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            // MariaDB commits DDL implicitly: a migration that fails halfway stays half-applied,
            // so migrations are written to be re-runnable (IF NOT EXISTS, IF EXISTS).
            for statement in SQLScript.statements(in: migration.sql) {
                try await connection.execute(unsafeSQL: statement)
            }
            try await connection.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (\(migration.version), \(migration.name), \(migration.checksum))")
            applied.append(migration.version)
        }
        return applied
    }
}
