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
        // One I/O thread for both connections: blocking calls would serialise them.
        try await TestDatabase.with(poolSize: 2, configure: { $0.ioThreads = 1 }) { db, _ in
            let finished = FinishOrder()
            async let slow: Void = {
                _ = try await db.query("SELECT SLEEP(2) AS s")
                finished.append("slow")
            }()
            try await waitUntil { db.usage.leased == 1 }
            for n in 0..<50 {
                let rows = try await db.query("SELECT \(n) + 1 AS n")
                #expect(try rows[0].decode("n", as: Int.self) == n + 1)
            }
            finished.append("quick")
            try await slow
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

/// The order in which concurrent tasks reported.
private final class FinishOrder: Sendable {
    private let names = Mutex<[String]>([])
    func append(_ name: String) { names.withLock { $0.append(name) } }
    var order: [String] { names.withLock { $0 } }
}
