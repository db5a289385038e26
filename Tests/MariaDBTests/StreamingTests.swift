import Foundation
import Logging
import MariaDB
import Testing

@Suite("Large results stream row by row")
struct StreamingTests {
    @Test func stoppingEarlyLeavesTheConnectionUsable() async throws {
        try await TestDatabase.with(poolSize: 1) { db, _ in
            struct Enough: Error {}
            await #expect(throws: Enough.self) {
                try await db.stream("SELECT seq FROM seq_1_to_100000", batchSize: 100) { _ in throw Enough() }
            }
            let rows = try await db.query("SELECT 42 AS answer")
            #expect(try rows[0].decode("answer", as: Int.self) == 42)
        }
    }
}
