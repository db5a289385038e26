import Foundation
import Logging
import MariaDB
import Testing

@Suite("Large results stream row by row")
struct StreamingTests {
    @Test func twoHundredThousandRowsStreamWithFlatMemory() async throws {
        try await TestDatabase.with { db, _ in
            try await db.withConnection { c in
                try await c.execute(unsafeSQL: "CREATE TABLE big (id INT PRIMARY KEY, label VARCHAR(100), amount DECIMAL(10,2))")
                try await c.execute(unsafeSQL: """
                    INSERT INTO big SELECT seq, CONCAT('row number ', seq, ' with some padding text'), seq / 100
                    FROM seq_1_to_200000
                    """)
            }
            var count = 0
            var sum = 0
            var baseline = 0
            var peak = 0
            try await db.stream("SELECT id, label, amount FROM big ORDER BY id", batchSize: 1000) { rows in
                for row in rows {
                    count += 1
                    sum += try row.decode("id", as: Int.self)
                }
                let rss = residentMemoryBytes()
                if baseline == 0 { baseline = rss }
                peak = max(peak, rss)
            }
            #expect(count == 200_000)
            #expect(sum == 200_000 * 200_001 / 2)
            // Holding all rows as Swift values would take well over 40 MB; streaming holds one batch.
            let growth = peak - baseline
            #expect(growth < 16 << 20, "resident memory grew by \(growth >> 20) MiB while streaming")
        }
    }

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
