import Foundation
import Logging
import MariaDB
import Testing

@Suite("Connections survive a server restart")
struct RestartTests {
    @Test func aQueryAfterMariaDBRestartsRunsOnAFreshConnection() async throws {
        let server = LocalServer()
        defer { server.remove() }
        try server.run("start", "mariadb")
        var configuration = try MariaDBConfiguration(url: server.databaseURL)
        configuration.poolSize = 2
        let db = MariaDBClient(configuration: configuration, logger: Logger(label: "restart"))
        defer { Task { await db.shutdown() } }

        try await db.withConnection { try await $0.execute(unsafeSQL: "CREATE TABLE IF NOT EXISTS r (n INT)") }
        try await db.execute("INSERT INTO r VALUES (\(1))")

        try server.run("kill", "mariadb")
        // While the server is down, a query fails promptly with a connection error, not a hang.
        let down = await #expect(throws: MariaDBError.self) { try await db.query("SELECT 1") }
        #expect(down?.isConnectionLost == true)

        try server.run("start", "mariadb")
        let rows = try await db.query("SELECT COUNT(*) AS c FROM r")
        #expect(try rows[0].decode("c", as: Int.self) == 1)
        // Both pooled connections recover, not just one.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 2...9 { group.addTask { try await db.execute("INSERT INTO r VALUES (\(n))") } }
            try await group.waitForAll()
        }
        #expect(try await db.query("SELECT n FROM r").count == 9)
    }
}
