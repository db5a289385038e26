import Foundation
import Logging
import MariaDB
import Testing

@Suite("Values round-trip through prepared statements")
struct RoundTripTests {
    @Test func everyBoundTypeRoundTrips() async throws {
        try await TestDatabase.with { db, _ in
            try await db.withConnection { c in
                try await c.execute(unsafeSQL: """
                    CREATE TABLE v (id INT AUTO_INCREMENT PRIMARY KEY, i BIGINT NULL, u BIGINT UNSIGNED NULL,
                      d DOUBLE NULL, amount DECIMAL(12,2) NULL, s VARCHAR(255) NULL, t LONGTEXT NULL,
                      b LONGBLOB NULL, flag BOOLEAN NULL, at DATETIME(6) NULL)
                    """)
            }
            let emoji = "Ação 😀 café 🇧🇷"
            let blob = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let injection = "'); DROP TABLE v; -- \\ \" ` %"
            let amount = Decimal(string: "1234.56")!
            let at = Date(timeIntervalSince1970: 1_790_000_000.123456)
            let nothing: String? = nil

            let insert = try await db.execute("""
                INSERT INTO v (i, u, d, amount, s, t, b, flag, at)
                VALUES (\(Int64.min + 1), \(UInt64.max), \(0.1), \(amount), \(emoji), \(injection), \(blob), \(true), \(at))
                """)
            #expect(insert.affectedRows == 1)
            #expect(insert.lastInsertID == 1)
            try await db.execute("INSERT INTO v (s) VALUES (\(nothing))")

            let rows = try await db.query("SELECT * FROM v ORDER BY id")
            #expect(rows.count == 2)
            let row = rows[0]
            #expect(try row.decode("i", as: Int64.self) == Int64.min + 1)
            #expect(try row.decode("u", as: UInt64.self) == UInt64.max)
            #expect(try row.decode("d", as: Double.self) == 0.1)
            #expect(try row.decode("amount", as: Decimal.self) == amount)
            #expect(try row.decode("amount", as: Decimal.self).description == "1234.56")
            #expect(try row.decode("s", as: String.self) == emoji)
            #expect(try row.decode("t", as: String.self) == injection)
            #expect(try row.decode("b", as: [UInt8].self) == blob)
            #expect(try row.decode("flag", as: Bool.self) == true)
            let readAt = try row.decode("at", as: Date.self)
            #expect(abs(readAt.timeIntervalSince1970 - at.timeIntervalSince1970) < 0.000_001)
            #expect(rows[1]["s"] == .null)
            #expect(try rows[1].decode("s", as: String?.self) == nil)
            #expect(try rows[1].decode("i", as: Int?.self) == nil)

            // The injection string was data, not SQL: the table is still there, and it matches itself.
            let found = try await db.query("SELECT id FROM v WHERE t = \(injection)")
            #expect(found.count == 1)
        }
    }

    @Test func datesAreUTCWithMicroseconds() async throws {
        try await TestDatabase.with { db, _ in
            let date = Date(timeIntervalSince1970: 951_782_400.000_001)  // 2000-02-29 00:00:00.000001 UTC
            let rows = try await db.query("SELECT CAST(\(date) AS CHAR) AS text, \(date) AS value")
            #expect(try rows[0].decode("text", as: String.self) == "2000-02-29 00:00:00.000001")
            #expect(try rows[0].decode("value", as: Date.self) == date)
        }
    }

    @Test func interpolationMakesPlaceholders() {
        let roles = ["admin", "researcher"]
        let email = "a@b.c"
        let query: SQLQuery = "SELECT * FROM users WHERE email = \(email) AND role IN (\(list: roles)) AND n = \(3)"
        #expect(query.sql == "SELECT * FROM users WHERE email = ? AND role IN (?, ?) AND n = ?")
        #expect(query.binds == [.string("a@b.c"), .string("admin"), .string("researcher"), .int(3)])
        let empty: [Int] = []
        let none: SQLQuery = "SELECT 1 WHERE 1 IN (\(list: empty))"
        #expect(none.sql == "SELECT 1 WHERE 1 IN (NULL)")
    }

    @Test func longValuesBeyondTheInlineBufferAreReadWhole() async throws {
        try await TestDatabase.with { db, _ in
            let long = String(repeating: "çã😀x", count: 10_000)
            let rows = try await db.query("SELECT \(long) AS a, REPEAT('z', 70000) AS b")
            #expect(try rows[0].decode("a", as: String.self) == long)
            #expect(try rows[0].decode("b", as: String.self).count == 70_000)
        }
    }
}
