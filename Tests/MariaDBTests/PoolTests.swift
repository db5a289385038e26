import Foundation
import Logging
import MariaDB
import Testing

@Suite("The connection pool")
struct PoolTests {
    @Test func fiveHundredTasksOverEightConnections() async throws {
        // The last of 500 waiters waits for ~60 statements per connection: generous room, as the
        // whole suite runs at once on two cores (the timeout itself has its own test below).
        try await TestDatabase.with(poolSize: 8, configure: { $0.acquireTimeout = .seconds(60) }) { db, _ in
            try await db.withConnection { try await $0.execute(unsafeSQL: "CREATE TABLE hits (n INT NOT NULL)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<500 {
                    group.addTask { try await db.execute("INSERT INTO hits VALUES (\(n))") }
                }
                try await group.waitForAll()
            }
            let rows = try await db.query("SELECT COUNT(*) AS c, COUNT(DISTINCT n) AS d FROM hits")
            #expect(try rows[0].decode("c", as: Int.self) == 500)
            #expect(try rows[0].decode("d", as: Int.self) == 500)
            #expect(db.usage.leased == 0)
        }
    }

    @Test func exhaustionTimesOutInsteadOfHanging() async throws {
        try await TestDatabase.with(poolSize: 1, configure: { $0.acquireTimeout = .milliseconds(200) }) { db, _ in
            let clock = ContinuousClock()
            async let busy = db.query("SELECT SLEEP(5) AS s")
            try await waitUntil { db.usage.leased == 1 }
            let started = clock.now
            let error = await #expect(throws: MariaDBError.self) { try await db.query("SELECT 1") }
            let waited = clock.now - started
            #expect(error?.kind == .poolExhausted)
            // Well before the busy statement ends (with room for a loaded machine): the timeout
            // fired, the caller did not just wait it out.
            #expect(waited < .seconds(4))
            _ = try await busy
            // Once the connection is back, the pool serves again.
            #expect(try await db.query("SELECT 1 AS one").count == 1)
        }
    }

    @Test func aCancelledWaiterLosesNoConnection() async throws {
        try await TestDatabase.with(poolSize: 1, configure: { $0.acquireTimeout = .seconds(10) }) { db, _ in
            async let busy = db.query("SELECT SLEEP(1) AS s")
            try await waitUntil { db.usage.leased == 1 }
            let waiter = Task { try await db.query("SELECT 1") }
            try await waitUntil { db.usage.waiting == 1 }
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            _ = try await busy
            #expect(try await db.query("SELECT 2 AS two").count == 1)
            #expect(db.usage.leased == 0)
        }
    }
}

/// Polls a condition that another task will make true; fails after 5 s instead of hanging.
func waitUntil(_ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(5)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TestSetupError("condition not met within 5 s") }
        try await Task.sleep(for: .milliseconds(5))
    }
}
