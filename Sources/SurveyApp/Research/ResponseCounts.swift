import Foundation
import MariaDB

/// The totals the dashboard and the viability report add up, so that no page scans `responses`:
/// - `response_counts`: completed responses by day, district, income band, question and answer;
/// - `response_totals`: the same without the day (a few thousand rows), for views with no date range;
/// - `response_starts`: responses started by day, district and income band (as answered so far).
///
/// Kept current in the transactions that change a response: `add` at each completion (and with
/// `sign: -1` at each deletion), `countStart` when a draft is created, moves to another district
/// or income band, or goes. `rebuild` recomputes all three from scratch (to repair); completions
/// are counted by `rows(for:)` both ways, and tests check that the two agree.
struct ResponseCounts: Sendable {
    let survey: SurveyDefinition

    /// Money answers are counted in buckets this wide (reais); their sums stay exact.
    static let moneyBucketReais: Int64 = 100
    static var moneyBucket: Decimal { Decimal(moneyBucketReais) }
    static let durationQuestion = "_duration"
    static let likelySpendQuestion = "_likely_spend"
    /// The questions the viability report combines, and "likely" meaning this answer or more.
    static let likelihoodQuestion = "likelihood_new_store"
    static let spendQuestion = "monthly_grocery_spend"
    static let likelyAtLeast = 7

    struct Row: Hashable {
        var day: String
        var district: String
        var incomeBand: String
        var question: String
        var answer: String
        var n: Int
        /// Sums in hundredths (centavos for money), squares in ten-thousandths: whole numbers, so
        /// adding a million of them is exact and fast.
        var total: Int64
        var totalSquares: Int128
    }

    /// The rows one completed response contributes.
    func rows(for stored: StoredResponse, sign: Int) -> [Row] {
        guard let completedAt = stored.completedAt else { return [] }
        let day = Self.day(completedAt)
        let district = stored.answers["district"].flatMap(\.code) ?? ""
        let income = stored.answers["income_band"].flatMap(\.code) ?? ""
        func row(_ question: String, _ answer: String, hundredths value: Int64 = 0) -> Row {
            Row(day: day, district: district, incomeBand: income, question: question, answer: answer, n: sign,
                total: value * Int64(sign), totalSquares: Int128(value) * Int128(value) * Int128(sign))
        }
        var rows: [Row] = []
        for question in survey.questions {
            guard let answer = stored.answers[question.code] else { continue }
            switch (question.type, answer) {
            case (.single, .choice(let code)), (.income, .choice(let code)):
                rows.append(row(question.code, code))
            case (.multi, .choices(let codes)):
                rows += codes.map { row(question.code, $0) }
            case (.integer, .integer(let n)), (.scale, .integer(let n)):
                rows.append(row(question.code, String(n), hundredths: Int64(n) * 100))
            case (.money, .money(let amount)):
                let cents = Self.hundredths(amount)
                rows.append(row(question.code, String(cents / 100 / Self.moneyBucketReais * Self.moneyBucketReais), hundredths: cents))
            default:
                continue  // consent and free text are not counted
            }
        }
        if let started = stored.startedAt {
            let seconds = max(0, Int(completedAt.timeIntervalSince(started)))
            rows.append(row(Self.durationQuestion, String(Self.durationBucket(seconds)), hundredths: Int64(seconds) * 100))
        }
        if case .integer(let likelihood)? = stored.answers[Self.likelihoodQuestion], case .money(let spend)? = stored.answers[Self.spendQuestion] {
            rows.append(row(Self.likelySpendQuestion, likelihood >= Self.likelyAtLeast ? "likely" : "unlikely", hundredths: Self.hundredths(spend)))
        }
        return rows
    }

    /// Adds one response's rows (or takes them away) on `connection`, inside the caller's transaction.
    func add(_ stored: StoredResponse, sign: Int, on connection: MariaDBConnection) async throws {
        var totals = Totals()
        totals.add(rows(for: stored, sign: sign))
        try await totals.write(on: connection)
    }

    /// The questions whose answers `response_starts` is grouped by.
    static let startGroupQuestions: Set<String> = ["district", "income_band"]

    /// A row of `response_starts`: start day (`YYYY-MM-DD`), district and income band ('' where not answered).
    struct StartKey: Hashable, Comparable, Sendable {
        var day: String
        var district: String
        var incomeBand: String

        static func < (a: StartKey, b: StartKey) -> Bool {
            (a.day, a.district, a.incomeBand) < (b.day, b.district, b.incomeBand)
        }
    }

    /// Moves one response's count in `response_starts`, in one statement that locks the two rows
    /// in key order (so two moves the other way round cannot deadlock).
    static func moveStart(from old: StartKey, to new: StartKey, on connection: MariaDBConnection) async throws {
        let changes = [(old, -1), (new, 1)].sorted { $0.0 < $1.0 }
        try await connection.execute(SQLQuery(unsafeSQL: """
            INSERT INTO response_starts (day, district, income_band, n) VALUES (?, ?, ?, ?), (?, ?, ?, ?)
            ON DUPLICATE KEY UPDATE n = n + VALUES(n)
            """, binds: changes.flatMap { key, n in [key.day.mariaDBValue, key.district.mariaDBValue, key.incomeBand.mariaDBValue, n.mariaDBValue] }))
    }

    /// Adds `sign` to `response_starts` for `userID`'s response as it now stands (its start day,
    /// district and income band), inside the caller's transaction; nothing if there is none.
    static func countStart(of userID: Int64, sign: Int, on connection: MariaDBConnection) async throws {
        precondition(sign == 1 || sign == -1)
        try await connection.execute(SQLQuery(unsafeSQL: """
            INSERT INTO response_starts (day, district, income_band, n)
            SELECT DATE(started_at), COALESCE(district, ''), COALESCE(income_band, ''), \(sign) FROM responses WHERE user_id = ?
            ON DUPLICATE KEY UPDATE n = n + VALUES(n)
            """, binds: [userID.mariaDBValue]))
    }

    /// Recomputes the three tables from `responses` in one transaction (readers see the old totals
    /// until it commits): every completed response is streamed once and counted by the same code
    /// that counts a new completion, so the two can never disagree. Run it while no one answers:
    /// a completion between the stream and the transaction would be left out.
    func rebuild(_ database: MariaDBClient) async throws {
        let repository = MariaDBResponseRepository(database: database, survey: survey)
        let columns = repository.storedColumns.map { "`\($0)`" }.joined(separator: ", ")
        var totals = Totals()
        try await database.stream(SQLQuery(unsafeSQL: "SELECT \(columns) FROM responses WHERE completed_at IS NOT NULL"), batchSize: 4096) { batch in
            for row in batch {
                totals.add(rows(for: try MariaDBResponseRepository.stored(from: row, survey: survey), sign: 1))
            }
        }
        try await database.withTransaction { connection in
            try await connection.execute(unsafeSQL: "DELETE FROM response_counts")
            try await connection.execute(unsafeSQL: "DELETE FROM response_totals")
            try await totals.write(on: connection)
            try await connection.execute(unsafeSQL: "DELETE FROM response_starts")
            try await connection.execute(unsafeSQL: """
                INSERT INTO response_starts (day, district, income_band, n)
                SELECT DATE(started_at), COALESCE(district, ''), COALESCE(income_band, ''), COUNT(*) FROM responses GROUP BY 1, 2, 3
                """)
        }
    }

    /// Rows added up in memory (a few thousand keys for any number of responses), then written as
    /// increments.
    struct Totals {
        struct Key: Hashable, Comparable {
            var day: String
            var district: String
            var incomeBand: String
            var question: String
            var answer: String

            static func < (a: Key, b: Key) -> Bool {
                (a.day, a.district, a.incomeBand, a.question, a.answer) < (b.day, b.district, b.incomeBand, b.question, b.answer)
            }
        }

        struct Sums {
            var n = 0
            var total: Int64 = 0
            var totalSquares: Int128 = 0

            mutating func add(_ other: Sums) {
                n += other.n
                total += other.total
                totalSquares += other.totalSquares
            }
        }

        private(set) var sums: [Key: Sums] = [:]

        mutating func add(_ rows: [Row]) {
            for row in rows {
                let key = Key(day: row.day, district: row.district, incomeBand: row.incomeBand, question: row.question, answer: row.answer)
                add(key, Sums(n: row.n, total: row.total, totalSquares: row.totalSquares))
            }
        }

        /// Adds `sum` under `key` (for a bulk writer that counted by other means).
        mutating func add(_ key: Key, _ sum: Sums) {
            sums[key, default: Sums()].add(sum)
        }

        /// These totals without the day: what they add to `response_totals`.
        var rolledUp: [Key: Sums] {
            var result: [Key: Sums] = [:]
            for (key, sum) in sums {
                var rolled = key
                rolled.day = ""
                result[rolled, default: Sums()].add(sum)
            }
            return result
        }

        /// Adds these totals to `response_counts` and `response_totals`.
        func write(on connection: MariaDBConnection) async throws {
            try await Self.upsert(sums, into: "response_counts", withDay: true, on: connection)
            try await Self.upsert(rolledUp, into: "response_totals", withDay: false, on: connection)
        }

        /// 500 rows a statement, in key order (so concurrent writers lock rows in the same order).
        private static func upsert(_ sums: [Key: Sums], into table: String, withDay: Bool, on connection: MariaDBConnection) async throws {
            let entries = sums.sorted { $0.key < $1.key }
            let columns = (withDay ? ["day"] : []) + ["district", "income_band", "question", "answer", "n", "total", "total_squares"]
            let placeholders = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
            for start in stride(from: 0, to: entries.count, by: 500) {
                let chunk = entries[start..<min(start + 500, entries.count)]
                var binds: [MariaDBValue] = []
                binds.reserveCapacity(chunk.count * columns.count)
                for (key, sum) in chunk {
                    if withDay { binds.append(key.day.mariaDBValue) }
                    binds += [key.district.mariaDBValue, key.incomeBand.mariaDBValue, key.question.mariaDBValue, key.answer.mariaDBValue,
                              sum.n.mariaDBValue, ResponseCounts.decimal(sum.total, scale: 2).mariaDBValue,
                              ResponseCounts.decimal(sum.totalSquares, scale: 4).mariaDBValue]
                }
                let values = Array(repeating: placeholders, count: chunk.count).joined(separator: ", ")
                try await connection.execute(SQLQuery(unsafeSQL: """
                    INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES \(values)
                    ON DUPLICATE KEY UPDATE n = n + VALUES(n), total = total + VALUES(total), total_squares = total_squares + VALUES(total_squares)
                    """, binds: binds))
            }
        }
    }

    /// Responses started, by start day, district and income band ('' where not answered yet), added
    /// up in memory by a bulk writer (the seeder) for `response_starts`.
    struct StartTotals {
        private(set) var counts: [StartKey: Int] = [:]

        mutating func add(day: String, district: String?, incomeBand: String?, count: Int = 1) {
            counts[StartKey(day: day, district: district ?? "", incomeBand: incomeBand ?? ""), default: 0] += count
        }
    }

    /// Seconds to complete, bucketed: 15 s steps up to 30 min, 5 min steps up to 6 h, then one bucket.
    static func durationBucket(_ seconds: Int) -> Int {
        if seconds < 1800 { return seconds / 15 * 15 }
        if seconds < 21600 { return seconds / 300 * 300 }
        return 21600
    }

    /// An amount in hundredths (centavos), exactly: amounts have at most two decimals.
    static func hundredths(_ amount: Decimal) -> Int64 {
        var value = amount * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 0, .plain)
        return NSDecimalNumber(decimal: rounded).int64Value
    }

    /// `units` × 10^-scale as an exact decimal, for the DECIMAL columns.
    static func decimal(_ units: some BinaryInteger, scale: Int) -> Decimal {
        Decimal(string: decimalText(units, scale: scale), locale: Locale(identifier: "en_US_POSIX")) ?? 0
    }

    /// `units` × 10^-scale as decimal text (`-12.3400`), exactly.
    static func decimalText(_ units: some BinaryInteger, scale: Int) -> String {
        var digits = String(units.magnitude)
        if digits.count <= scale { digits = String(repeating: "0", count: scale + 1 - digits.count) + digits }
        digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        return units < 0 ? "-" + digits : digits
    }

    /// `YYYY-MM-DD` in UTC (what MariaDB's `DATE()` gives for the stored UTC time).
    static func day(_ date: Date) -> String {
        guard let t = UTCDateTime(date) else { return "1970-01-01" }
        return String(format: "%04d-%02d-%02d", t.year, t.month, t.day)
    }
}

extension AnswerValue {
    /// The option code of a single choice.
    var code: String? {
        if case .choice(let code) = self { return code }
        return nil
    }
}
