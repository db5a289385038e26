import Foundation
import Logging
import MariaDB
import Synchronization
import Testing

/// The connections' I/O runs in libmariadb's non-blocking mode on a few threads: a statement that
/// waits for the server must not hold up the other connections of its thread.
@Suite("Non-blocking I/O threads")
struct ReactorTests {
    @Test func aSlowStatementDoesNotHoldUpItsThreadsOtherConnections() async throws {
        // One I/O thread for both connections: with blocking calls, the quick queries would wait
        // for the slow one, which waits for a lock released only after them.
        try await TestDatabase.with(poolSize: 2, configure: { $0.ioThreads = 1 }) { db, database in
            let lock = "reactor-\(database.name)"
            let holder = MariaDBClient(configuration: database.configuration, logger: Logger(label: "lock-holder"))
            let finished = FinishOrder()
            do {
                try await holder.withConnection { lockConnection async throws in
                    _ = try await lockConnection.query("SELECT GET_LOCK(\(lock), 10) AS got")
                    async let slow: Void = {
                        _ = try await db.query("SELECT GET_LOCK(\(lock), 60) AS got")
                        finished.append("slow")
                    }()
                    // Until the slow statement waits on the server.
                    try await waitUntilAsync {
                        let rows = try await holder.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT GET_LOCK(%' AND STATE = 'User lock' AND DB = \(database.name)")
                        return try rows[0].decode("n", as: Int.self) == 1
                    }
                    for n in 0..<50 {
                        let rows = try await db.query("SELECT \(n) + 1 AS n")
                        #expect(try rows[0].decode("n", as: Int.self) == n + 1)
                    }
                    finished.append("quick")
                    _ = try await lockConnection.query("SELECT RELEASE_LOCK(\(lock)) AS released")
                    try await slow
                }
            } catch {
                await holder.shutdown()
                throw error
            }
            await holder.shutdown()
            #expect(finished.order == ["quick", "slow"])
        }
    }

    @Test func overlappingCallsOnOneConnectionAreRefused() async throws {
        try await TestDatabase.with(poolSize: 1) { db, _ in
            try await db.withConnection { connection async throws in
                // Whichever starts second, while the other waits for the server, is refused.
                func sleep() async -> Result<[MariaDBRow], any Error> {
                    do { return .success(try await connection.query("SELECT SLEEP(2) AS s")) } catch { return .failure(error) }
                }
                async let first = sleep()
                async let second = sleep()
                let results = await [first, second]
                let refused = results.compactMap { result -> MariaDBError? in
                    guard case .failure(let error) = result else { return nil }
                    return error as? MariaDBError
                }
                #expect(refused.count == 1)
                #expect(refused.first?.kind == .usage)
                // The connection is still in step with the server.
                #expect(try await connection.query("SELECT 2 AS two")[0].decode("two", as: Int.self) == 2)
            }
        }
    }

    @Test func aLeaseRunningAtShutdownStillFinishes() async throws {
        try await TestDatabase.with(poolSize: 1) { db, _ in
            async let running = db.withConnection { connection async throws in
                _ = try await connection.query("SELECT SLEEP(0.5) AS s")
                // The I/O thread may have ended by now (nothing was queued): this starts it again.
                return try await connection.query("SELECT 7 AS n")[0].decode("n", as: Int.self)
            }
            try await waitUntil { db.usage.leased == 1 }
            await db.shutdown()
            #expect(try await running == 7)
            await #expect(throws: MariaDBError.self) { try await db.query("SELECT 1 AS one") }
        }
    }

    @Test func aCallThatOutlivesItsLeaseFailsAndTheConnectionIsReplaced() async throws {
        try await TestDatabase.with(poolSize: 1) { db, database in
            let watcher = MariaDBClient(configuration: database.configuration, logger: Logger(label: "watcher"))
            do {
                // An unstructured task keeps using the connection after its lease ended.
                let leaked = try await db.withConnection { connection in
                    let call = Task { try await connection.query("SELECT SLEEP(20) AS s") }
                    try await waitUntilAsync {
                        let rows = try await watcher.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(%' AND DB = \(database.name)")
                        return try rows[0].decode("n", as: Int.self) == 1
                    }
                    return call
                }
                // Its socket was shut down when the lease ended: the call fails now, not in 20 s.
                let error = await #expect(throws: MariaDBError.self) { try await leaked.value }
                #expect(error?.isConnectionLost == true)
                // The next lease gets a fresh connection.
                #expect(try await db.query("SELECT 3 AS n")[0].decode("n", as: Int.self) == 3)
            } catch {
                await watcher.shutdown()
                throw error
            }
            await watcher.shutdown()
        }
    }

    @Test func tasksPreferringTheClientsExecutorGetEveryResult() async throws {
        try await TestDatabase.with(poolSize: 4, configure: { $0.ioThreads = 2 }) { db, _ in
            try await db.withConnection { try await $0.execute(unsafeSQL: "CREATE TABLE worked (worker INT NOT NULL, n INT NOT NULL)") }
            try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in 0..<8 {
                    group.addTask(executorPreference: db.taskExecutor) {
                        for n in 0..<50 {
                            try await db.execute("INSERT INTO worked VALUES (\(worker), \(n))")
                        }
                        return try await db.query("SELECT COUNT(*) AS c FROM worked WHERE worker = \(worker)")[0].decode("c", as: Int.self)
                    }
                }
                for try await count in group { #expect(count == 50) }
            }
            let rows = try await db.query("SELECT COUNT(DISTINCT worker, n) AS c FROM worked")
            #expect(try rows[0].decode("c", as: Int.self) == 400)
            #expect(db.usage.leased == 0)
        }
    }
}

/// Polls an asynchronous condition; fails after 10 s instead of hanging.
private func waitUntilAsync(_ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TestSetupError("condition not met within 10 s") }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// The order in which concurrent tasks reported.
private final class FinishOrder: Sendable {
    private let names = Mutex<[String]>([])
    func append(_ name: String) { names.withLock { $0.append(name) } }
    var order: [String] { names.withLock { $0 } }
}
