import Foundation
import MariaDB

/// The `response_counts` table: totals of completed responses by day, district, income band,
/// question and answer, which the dashboard and the viability report add up.
///
/// Kept current by `add` (at each completion, and with `sign: -1` at each deletion), and
/// recomputed from scratch by `rebuild` (after seeding, or to repair). The two must agree; a test
/// checks that they do.
struct ResponseCounts: Sendable {
    let survey: SurveyDefinition

    /// Money answers are counted in buckets this wide (reais); their sums stay exact.
    static let moneyBucket: Decimal = 100
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
        var total: Decimal
        var totalSquares: Decimal
    }

    /// The rows one completed response contributes.
    func rows(for stored: StoredResponse, sign: Int) -> [Row] {
        guard let completedAt = stored.completedAt else { return [] }
        let day = Self.day(completedAt)
        let district = stored.answers["district"].flatMap(\.code) ?? ""
        let income = stored.answers["income_band"].flatMap(\.code) ?? ""
        func row(_ question: String, _ answer: String, value: Decimal = 0) -> Row {
            Row(day: day, district: district, incomeBand: income, question: question, answer: answer, n: sign,
                total: value * Decimal(sign), totalSquares: value * value * Decimal(sign))
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
                rows.append(row(question.code, String(n), value: Decimal(n)))
            case (.money, .money(let amount)):
                rows.append(row(question.code, Self.moneyBucketText(amount), value: amount))
            default:
                continue  // consent and free text are not counted
            }
        }
        if let started = stored.startedAt {
            let seconds = max(0, Int(completedAt.timeIntervalSince(started)))
            rows.append(row(Self.durationQuestion, String(Self.durationBucket(seconds)), value: Decimal(seconds)))
        }
        if case .integer(let likelihood)? = stored.answers[Self.likelihoodQuestion], case .money(let spend)? = stored.answers[Self.spendQuestion] {
            rows.append(row(Self.likelySpendQuestion, likelihood >= Self.likelyAtLeast ? "likely" : "unlikely", value: spend))
        }
        return rows
    }

    /// Adds one response's rows (or takes them away) on `connection`, inside the caller's transaction.
    func add(_ stored: StoredResponse, sign: Int, on connection: MariaDBConnection) async throws {
        let rows = rows(for: stored, sign: sign)
        guard !rows.isEmpty else { return }
        var binds: [MariaDBValue] = []
        for r in rows {
            binds += [r.day.mariaDBValue, r.district.mariaDBValue, r.incomeBand.mariaDBValue, r.question.mariaDBValue, r.answer.mariaDBValue,
                      r.n.mariaDBValue, r.total.mariaDBValue, r.totalSquares.mariaDBValue]
        }
        let values = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?)", count: rows.count).joined(separator: ", ")
        try await connection.execute(SQLQuery(unsafeSQL: """
            INSERT INTO response_counts (day, district, income_band, question, answer, n, total, total_squares) VALUES \(values)
            ON DUPLICATE KEY UPDATE n = n + VALUES(n), total = total + VALUES(total), total_squares = total_squares + VALUES(total_squares)
            """, binds: binds))
    }

    /// Recomputes the whole table from `responses`, in one transaction (readers see the old
    /// totals until it commits).
    func rebuild(_ database: MariaDBClient) async throws {
        try await database.withTransaction { connection in
            try await connection.execute(unsafeSQL: "DELETE FROM response_counts")
            for statement in rebuildStatements() {
                try await connection.execute(unsafeSQL: statement)
            }
        }
    }

    /// One `INSERT … SELECT … GROUP BY` per counted question (per option for multi-selects).
    func rebuildStatements() -> [String] {
        let dims = "DATE(completed_at), COALESCE(district, ''), COALESCE(income_band, '')"
        let insert = "INSERT INTO response_counts (day, district, income_band, question, answer, n, total, total_squares) "
        let done = "completed_at IS NOT NULL"
        var statements: [String] = []
        for question in survey.questions {
            let column = "`\(question.code)`"
            let code = "'\(question.code)'"
            switch question.type {
            case .single, .income:
                statements.append(insert + "SELECT \(dims), \(code), \(column), COUNT(*), 0, 0 FROM responses WHERE \(done) AND \(column) IS NOT NULL GROUP BY 1, 2, 3, 5")
            case .multi:
                for option in question.options ?? [] {
                    statements.append(insert + "SELECT \(dims), \(code), '\(option.code)', COUNT(*), 0, 0 FROM responses WHERE \(done) AND FIND_IN_SET('\(option.code)', \(column)) > 0 GROUP BY 1, 2, 3")
                }
            case .integer, .scale:
                statements.append(insert + "SELECT \(dims), \(code), CAST(\(column) AS CHAR), COUNT(*), SUM(\(column)), SUM(\(column) * \(column)) FROM responses WHERE \(done) AND \(column) IS NOT NULL GROUP BY 1, 2, 3, 5")
            case .money:
                let bucket = "CAST(FLOOR(\(column) / \(Self.moneyBucket)) * \(Self.moneyBucket) AS CHAR)"
                statements.append(insert + "SELECT \(dims), \(code), \(bucket), COUNT(*), SUM(\(column)), SUM(\(column) * \(column)) FROM responses WHERE \(done) AND \(column) IS NOT NULL GROUP BY 1, 2, 3, 5")
            case .consent, .text, .longText:
                continue
            }
        }
        let seconds = "GREATEST(0, TIMESTAMPDIFF(SECOND, started_at, completed_at))"
        let durationBucket = "CAST(CASE WHEN \(seconds) < 1800 THEN FLOOR(\(seconds) / 15) * 15 WHEN \(seconds) < 21600 THEN FLOOR(\(seconds) / 300) * 300 ELSE 21600 END AS CHAR)"
        statements.append(insert + "SELECT \(dims), '\(Self.durationQuestion)', \(durationBucket), COUNT(*), SUM(\(seconds)), SUM(\(seconds) * \(seconds)) FROM responses WHERE \(done) GROUP BY 1, 2, 3, 5")
        let likely = "IF(`\(Self.likelihoodQuestion)` >= \(Self.likelyAtLeast), 'likely', 'unlikely')"
        let spend = "`\(Self.spendQuestion)`"
        statements.append(insert + "SELECT \(dims), '\(Self.likelySpendQuestion)', \(likely), COUNT(*), SUM(\(spend)), SUM(\(spend) * \(spend)) FROM responses WHERE \(done) AND `\(Self.likelihoodQuestion)` IS NOT NULL AND \(spend) IS NOT NULL GROUP BY 1, 2, 3, 5")
        return statements
    }

    /// Seconds to complete, bucketed: 15 s steps up to 30 min, 5 min steps up to 6 h, then one bucket.
    static func durationBucket(_ seconds: Int) -> Int {
        if seconds < 1800 { return seconds / 15 * 15 }
        if seconds < 21600 { return seconds / 300 * 300 }
        return 21600
    }

    static func moneyBucketText(_ amount: Decimal) -> String {
        var quotient = amount / moneyBucket
        var floored = Decimal()
        NSDecimalRound(&floored, &quotient, 0, .down)
        return "\(floored * moneyBucket)"
    }

    static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}

extension AnswerValue {
    /// The option code of a single choice.
    var code: String? {
        if case .choice(let code) = self { return code }
        return nil
    }
}
