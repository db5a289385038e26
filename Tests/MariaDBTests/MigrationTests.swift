import Foundation
import Logging
import MariaDB
import Testing

@Suite("Schema migrations")
struct MigrationTests {
    static let migrations = [
        MariaDBMigration(version: 1, name: "create_log", sql: """
            -- a comment; with a semicolon
            CREATE TABLE IF NOT EXISTS log (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(50) NOT NULL);
            INSERT INTO log (what) VALUES ('created; with a semicolon');
            """),
        MariaDBMigration(version: 2, name: "add_column", sql: """
            ALTER TABLE log ADD COLUMN IF NOT EXISTS note VARCHAR(20) NULL; /* block; comment */
            INSERT INTO log (what) VALUES ('altered');
            """),
        MariaDBMigration(version: 3, name: "slow", sql: """
            DO SLEEP(0.3);
            INSERT INTO log (what) VALUES ('slow');
            """),
    ]

    @Test func fourConcurrentMigratorsApplyEachMigrationOnce() async throws {
        try await TestDatabase.with(poolSize: 1) { _, database in
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for n in 0..<4 {
                    group.addTask {
                        // Separate clients, as separate replicas would be.
                        let client = MariaDBClient(configuration: database.configuration, logger: Logger(label: "m\(n)"))
                        do {
                            let applied = try await MariaDBMigrator(client: client, migrations: Self.migrations, logger: Logger(label: "m")).migrate()
                            await client.shutdown()
                            return applied
                        } catch {
                            await client.shutdown()
                            throw error
                        }
                    }
                }
                var all: [Int] = []
                for try await versions in group { all += versions }
                return all
            }
            #expect(applied.sorted() == [1, 2, 3])

            let client = MariaDBClient(configuration: database.configuration, logger: Logger(label: "check"))
            let log = try await client.query("SELECT what FROM log ORDER BY id")
            #expect(try log.map { try $0.decode("what", as: String.self) } == ["created; with a semicolon", "altered", "slow"])
            let recorded = try await client.query("SELECT version FROM schema_migrations ORDER BY version")
            #expect(try recorded.map { try $0.decode("version", as: Int.self) } == [1, 2, 3])
            // Running again applies nothing.
            #expect(try await MariaDBMigrator(client: client, migrations: Self.migrations, logger: Logger(label: "m")).migrate().isEmpty)
            await client.shutdown()
        }
    }

    @Test func filesAreLoadedInVersionOrder() throws {
        let directory = NSTemporaryDirectory() + "migrations-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "SELECT 2;".write(toFile: directory + "/0010_second.sql", atomically: true, encoding: .utf8)
        try "SELECT 1;".write(toFile: directory + "/0002_first.sql", atomically: true, encoding: .utf8)
        try "notes".write(toFile: directory + "/README.txt", atomically: true, encoding: .utf8)
        let loaded = try MariaDBMigration.load(directory: directory)
        #expect(loaded.map(\.version) == [2, 10])
        #expect(loaded.map(\.name) == ["first", "second"])

        try "x".write(toFile: directory + "/bad.sql", atomically: true, encoding: .utf8)
        #expect(throws: MariaDBError.self) { try MariaDBMigration.load(directory: directory) }
    }
}
