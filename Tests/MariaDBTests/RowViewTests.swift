import Foundation
import Logging
import MariaDB
import Synchronization
import Testing

@Suite("Rows encoded in place, without Swift values")
struct RowViewTests {
    @Test func everyKindOfColumnIsLentAsItWasStored() async throws {
        try await TestDatabase.with(poolSize: 1) { db, _ in
            try await db.withConnection { c in
                try await c.execute(unsafeSQL: """
                    CREATE TABLE v (id INT PRIMARY KEY, amount DECIMAL(12,2), note TEXT, at DATETIME(6), big BIGINT UNSIGNED)
                    """)
                let long = String(repeating: "ção ", count: 3000)  // longer than the 4 KiB inline buffer
                try await c.execute("INSERT INTO v VALUES (1, \(Decimal(string: "-1234.56")!), \("olá 🛒"), \(Date(timeIntervalSince1970: 1_767_225_600.25)), \(UInt64(7)))")
                try await c.execute("INSERT INTO v VALUES (2, NULL, \(long), NULL, NULL)")
            }
            struct Seen: Sendable, Equatable {
                var id: Int64?, amount: String?, note: String?, at: MariaDBDateTime?, big: Int64?, nulls: [Bool]
                /// A column asked for as another kind: integer of text, date of an integer, bytes of a date.
                var wrongKinds: [Bool] = []
            }
            let seen = Mutex<[Seen]>([])
            let count = try await db.streamEncoded("SELECT id, amount, note, at, big FROM v ORDER BY id", encode: { row, out in
                let text = { (i: Int) in try row.withBytes(i) { String(decoding: $0, as: UTF8.self) } }
                let item = Seen(
                    id: row.integer(0), amount: try text(1), note: try text(2), at: row.dateTime(3), big: row.integer(4),
                    nulls: (0..<row.columnCount).map { row.isNull($0) },
                    wrongKinds: [row.integer(2) != nil, row.dateTime(0) != nil, try row.withBytes(3) { _ in () } != nil])
                seen.withLock { $0.append(item) }
                out.append(contentsOf: Array("\(item.id ?? 0)\n".utf8))
            }) { bytes, rows in
                #expect(rows == 2)
                #expect(String(decoding: bytes, as: UTF8.self) == "1\n2\n")
            }
            #expect(count == 2)
            let rows = seen.withLock { $0 }
            try #require(rows.count == 2)
            #expect(rows[0] == Seen(
                id: 1, amount: "-1234.56", note: "olá 🛒",
                at: MariaDBDateTime(year: 2026, month: 1, day: 1, hour: 0, minute: 0, second: 0, microsecond: 250_000),
                big: 7, nulls: [false, false, false, false, false], wrongKinds: [false, false, false]))
            #expect(rows[1].note == String(repeating: "ção ", count: 3000))
            #expect(rows[1].amount == nil && rows[1].at == nil && rows[1].big == nil)
            #expect(rows[1].nulls == [false, true, false, true, true])
        }
    }

    @Test func chunksReachTheCallerAndAnErrorLeavesTheConnectionUsable() async throws {
        try await TestDatabase.with(poolSize: 1) { db, _ in
            var chunks = 0
            var total = 0
            let count = try await db.streamEncoded("SELECT seq FROM seq_1_to_50000", chunkBytes: 4096, encode: { row, out in
                out.append(contentsOf: Array("\(row.integer(0)!)\n".utf8))
            }) { bytes, rows in
                chunks += 1
                total += rows
                #expect(bytes.count >= 4096 || total == 50_000)
            }
            #expect(count == 50_000 && total == 50_000)
            #expect(chunks > 10)

            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                try await db.streamEncoded("SELECT seq FROM seq_1_to_100000", encode: { row, _ in
                    if row.integer(0) == 777 { throw Refused() }
                }) { _, _ in }
            }
            let rows = try await db.query("SELECT 42 AS answer")
            #expect(try rows[0].decode("answer", as: Int.self) == 42)
        }
    }
}
