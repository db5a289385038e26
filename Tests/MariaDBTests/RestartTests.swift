import Foundation
import Logging
import MariaDB
import Testing

@Suite("Connections survive a server restart")
struct RestartTests {
    /// A private mariadbd that the test may kill, and a client for it.
    func withPrivateServer(
        configure: (inout MariaDBConfiguration) -> Void, _ body: (LocalServer, MariaDBClient) async throws -> Void
    ) async throws {
        try await LocalServer.with { server in
            try await server.run("start", "mariadb")
            var configuration = try MariaDBConfiguration(url: server.databaseURL)
            configure(&configuration)
            let db = MariaDBClient(configuration: configuration, logger: Logger(label: "restart"))
            do {
                try await body(server, db)
            } catch {
                await db.shutdown()
                throw error
            }
            await db.shutdown()
        }
    }

    @Test func aQueryAfterMariaDBRestartsRunsOnAFreshConnection() async throws {
        try await withPrivateServer(configure: { $0.poolSize = 2 }) { server, db in
            try await db.withConnection { try await $0.execute(unsafeSQL: "CREATE TABLE IF NOT EXISTS r (n INT)") }
            try await db.execute("INSERT INTO r VALUES (\(1))")

            try await server.run("kill", "mariadb")
            // While the server is down, a query fails promptly with a connection error, not a hang.
            let down = await #expect(throws: MariaDBError.self) { try await db.query("SELECT 1") }
            #expect(down?.isConnectionLost == true)

            try await server.run("start", "mariadb")
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

    @Test func onlyStatementsThatNeverReachedTheServerAreRetried() async throws {
        try await withPrivateServer(configure: {
            $0.poolSize = 1
            // No liveness check on lease: the dead connection is found by the statement itself.
            $0.idleCheckInterval = .seconds(3600)
        }) { server, db in

            try await db.withConnection { try await $0.execute(unsafeSQL: "CREATE TABLE IF NOT EXISTS w (n INT)") }
            try await db.execute("INSERT INTO w VALUES (\(1))")  // now prepared and cached
            try await server.run("kill", "mariadb")
            try await server.run("start", "mariadb")

            // The cached INSERT is sent on the dead connection: it may have run, so it is reported.
            let lost = await #expect(throws: MariaDBError.self) { try await db.execute("INSERT INTO w VALUES (\(2))") }
            #expect(lost?.isConnectionLost == true)
            #expect(lost?.mayHaveRun == true)

            // Kill again; a statement this connection has never prepared fails at PREPARE, which runs
            // nothing, so it is retried once on a fresh connection and succeeds.
            try await db.execute("INSERT INTO w VALUES (\(3))")
            try await server.run("kill", "mariadb")
            try await server.run("start", "mariadb")
            let rows = try await db.query("SELECT n FROM w ORDER BY n")
            #expect(try rows.map { try $0.decode("n", as: Int.self) } == [1, 3])
        }
    }
}
