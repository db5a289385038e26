import Foundation
import Logging
import MariaDB
import Testing

/// Measures the process's resident memory, so it must not share the process with other tests
/// (password hashing elsewhere takes 16 MiB a time): `make test` runs this suite in a `swift test`
/// process of its own.
@Suite("Streaming keeps memory flat (run alone)")
struct FlatMemoryTests {
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
}
