import Foundation
import MariaDB

/// Every figure of the research pages, computed by SQL aggregates: totals from the tables
/// `ResponseCounts` keeps (a few thousand rows whatever the number of responses), and so are
/// cross-tabs by district or income band; other cross-tabs scan `responses`. Nothing loads
/// responses one by one.
struct ResearchQueries: Sendable {
    let database: MariaDBClient
    let survey: SurveyDefinition
    /// Scans of `responses` are split into this many id ranges, run at once on as many
    /// connections (MariaDB runs each statement on one core), and their results added up.
    var scanParallelism = 2
    /// Below this many ids, a scan runs whole.
    var rangeScanThreshold: Int64 = 50_000

    struct Summary: Sendable, Equatable {
        var started: Int
        var completed: Int
        var completedToday: Int
        var completionRate: Double? { started > 0 ? Double(completed) / Double(started) : nil }
    }

    /// Started (by start date) and completed (by completion date) responses under `filters`.
    func summary(_ filters: ResearchFilters) async throws -> Summary {
        let started = try await database.query(
            "SELECT COALESCE(SUM(n), 0) AS n FROM response_starts WHERE 1 = 1\(filters.countsConditions)")[0]
        let completed = try await database.query(
            SQLQuery(unsafeSQL: "SELECT COALESCE(SUM(n), 0) AS n FROM \(totalsTable(filters)) WHERE question = ?", binds: [ResponseCounts.durationQuestion.mariaDBValue])
                + totalsConditions(filters))[0]
        let today = try await database.query("""
            SELECT COALESCE(SUM(n), 0) AS n FROM response_counts
            WHERE day = UTC_DATE() AND question = \(ResponseCounts.durationQuestion)\(filters.countsConditions)
            """)[0]
        return Summary(started: try started.decode("n"), completed: try completed.decode("n"), completedToday: try today.decode("n"))
    }

    /// The table of totals that answers `filters`: the one without days when no date range is chosen.
    private func totalsTable(_ filters: ResearchFilters) -> String {
        filters.hasDateRange ? "response_counts" : "response_totals"
    }

    private func totalsConditions(_ filters: ResearchFilters) -> SQLQuery {
        filters.hasDateRange ? filters.countsConditions : filters.groupConditions
    }

    /// One answer's total: how many gave it and, for numbers, the sum of the values and of their squares.
    struct Tally: Sendable, Equatable {
        var n: Int
        var total: Decimal
        var totalSquares: Decimal
    }

    /// Question code → answer → tally, for every counted question (and `_duration`, `_likely_spend`).
    func tallies(_ filters: ResearchFilters) async throws -> [String: [String: Tally]] {
        try await talliesByGroup(filters, groupedBy: nil)[""] ?? [:]
    }

    /// As `tallies`, split by `district` or `income_band` (group → question → answer → tally).
    func talliesByGroup(_ filters: ResearchFilters, groupedBy dimension: String?) async throws -> [String: [String: [String: Tally]]] {
        precondition(dimension == nil || dimension == "district" || dimension == "income_band")
        let group = dimension.map { "`\($0)`" } ?? "''"
        let rows = try await database.query(
            SQLQuery(unsafeSQL: "SELECT \(group) AS grp, question, answer, SUM(n) AS n, SUM(total) AS total, SUM(total_squares) AS squares FROM \(totalsTable(filters)) WHERE 1 = 1")
                + totalsConditions(filters) + SQLQuery(unsafeSQL: " GROUP BY question, answer, grp"))
        var result: [String: [String: [String: Tally]]] = [:]
        for row in rows {
            let tally = Tally(n: try row.decode("n"), total: try row.decode("total"), totalSquares: try row.decode("squares"))
            guard tally.n > 0 else { continue }
            result[try row.decode("grp"), default: [:]][try row.decode("question"), default: [:]][try row.decode("answer")] = tally
        }
        return result
    }

    /// Cross-tabs by district or income band are read from the totals (instead of a scan) when set.
    var crossTabFromTotals = true

    /// Counts of completed responses by the answers to two single-choice questions.
    func crossTab(rows rowQuestion: String, columns columnQuestion: String, _ filters: ResearchFilters) async throws -> [String: [String: Int]] {
        if crossTabFromTotals, let dimension = [rowQuestion, columnQuestion].first(where: ResponseCounts.startGroupQuestions.contains) {
            return try await crossTabFromTotals(dimension: dimension, rows: rowQuestion, columns: columnQuestion, filters)
        }
        let results = try await scanResponses { range in
            SQLQuery(unsafeSQL: "SELECT `\(rowQuestion)` AS r, `\(columnQuestion)` AS c, COUNT(*) AS n FROM responses WHERE completed_at IS NOT NULL AND `\(rowQuestion)` IS NOT NULL AND `\(columnQuestion)` IS NOT NULL")
                + range + filters.responseConditions + SQLQuery(unsafeSQL: " GROUP BY r, c")
        }
        var table: [String: [String: Int]] = [:]
        for row in results.joined() {
            table[try row.decode("r", as: String.self), default: [:]][try row.decode("c", as: String.self), default: 0] += try row.decode("n", as: Int.self)
        }
        return table
    }

    /// A cross-tab with the district or income band on one side: the totals hold every counted
    /// answer by both, so it needs no scan (a response without that answer is grouped under '').
    private func crossTabFromTotals(dimension: String, rows rowQuestion: String, columns columnQuestion: String, _ filters: ResearchFilters) async throws -> [String: [String: Int]] {
        let other = dimension == rowQuestion ? columnQuestion : rowQuestion
        let results = try await database.query(
            SQLQuery(unsafeSQL: "SELECT `\(dimension)` AS d, answer, SUM(n) AS n FROM \(totalsTable(filters)) WHERE question = ? AND `\(dimension)` <> ''", binds: [other.mariaDBValue])
                + totalsConditions(filters) + SQLQuery(unsafeSQL: " GROUP BY d, answer"))
        var table: [String: [String: Int]] = [:]
        for row in results {
            let n = try row.decode("n", as: Int.self)
            guard n != 0 else { continue }
            let (d, answer) = (try row.decode("d", as: String.self), try row.decode("answer", as: String.self))
            if dimension == rowQuestion { table[d, default: [:]][answer, default: 0] += n } else { table[answer, default: [:]][d, default: 0] += n }
        }
        return table
    }

    /// Runs the scan `query` builds over `responses`, split by id into `scanParallelism` ranges
    /// run concurrently; `query` gets the range's condition (` AND id BETWEEN …`, or nothing
    /// for a small table) to put among its own. Returns each part's rows, for the caller to add up.
    func scanResponses(_ query: @escaping @Sendable (SQLQuery) -> SQLQuery) async throws -> [[MariaDBRow]] {
        let whole = { [database] in [try await database.query(query(SQLQuery(unsafeSQL: "")))] }
        guard scanParallelism > 1 else { return try await whole() }
        // The ends of the primary key: two index lookups, whatever the table's size.
        let bounds = try await database.query("SELECT MIN(id) AS low, MAX(id) AS high FROM responses")[0]
        guard let low = try bounds.decode("low", as: Int64?.self), let high = try bounds.decode("high", as: Int64?.self),
              high - low >= rangeScanThreshold
        else { return try await whole() }
        let step = (high - low) / Int64(scanParallelism) + 1
        return try await withThrowingTaskGroup(of: [MariaDBRow].self) { group in
            for part in 0..<Int64(scanParallelism) {
                let first = low + part * step
                // The last range is open, so rows added since the bounds were read count too.
                let range: SQLQuery = part == Int64(scanParallelism) - 1
                    ? " AND id >= \(first)" : " AND id BETWEEN \(first) AND \(first + step - 1)"
                group.addTask { [database] in try await database.query(query(range)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// Questions a cross-tab can use: one answer each, from a fixed list.
    var crossTabQuestions: [SurveyDefinition.Question] {
        survey.questions.filter { [.single, .income, .scale].contains($0.type) }
    }
}
