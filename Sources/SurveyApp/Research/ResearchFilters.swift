import Foundation
import Hummingbird
import MariaDB

/// The filters every research view applies: a date range (of completion), a district and an
/// income band. Read from the query string; a value that is not valid is ignored and reported.
struct ResearchFilters: Sendable, Equatable {
    /// Inclusive days, `YYYY-MM-DD`.
    var from: String?
    var to: String?
    var district: String?
    var incomeBand: String?

    init(from: String? = nil, to: String? = nil, district: String? = nil, incomeBand: String? = nil) {
        self.from = from
        self.to = to
        self.district = district
        self.incomeBand = incomeBand
    }

    /// The filters in `request`, and the names of the parameters that were refused.
    static func parse(_ request: Request, survey: SurveyDefinition) -> (ResearchFilters, refused: [String]) {
        let query = request.uri.queryParameters
        var filters = ResearchFilters()
        var refused: [String] = []
        func value(_ name: String) -> String? {
            guard let raw = query[Substring(name)].map(String.init)?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        for (name, keyPath) in [("from", \ResearchFilters.from), ("to", \ResearchFilters.to)] {
            guard let text = value(name) else { continue }
            if isDay(text) { filters[keyPath: keyPath] = text } else { refused.append(name) }
        }
        // A range that ends before it starts matches nothing: say so rather than show zeros.
        if let from = filters.from, let to = filters.to, from > to {
            filters.from = nil
            filters.to = nil
            refused += ["from", "to"]
        }
        for (name, keyPath) in [("district", \ResearchFilters.district), ("income_band", \ResearchFilters.incomeBand)] {
            guard let code = value(name) else { continue }
            if survey.question(name)?.options?.contains(where: { $0.code == code }) == true { filters[keyPath: keyPath] = code } else { refused.append(name) }
        }
        return (filters, refused)
    }

    static func isDay(_ text: String) -> Bool {
        // Exactly YYYY-MM-DD: `Int` alone would take a sign (`2026-11-+1`), and empty pieces
        // dropped by the split would let `2026--11-01` through.
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1900...2999).contains(y), (1...12).contains(m)
        else { return false }
        // A day of that month (2026-02-31 is not one).
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return (1...days).contains(d)
    }

    var isEmpty: Bool { from == nil && to == nil && district == nil && incomeBand == nil }

    /// As a query string (`from=…&district=…`), for links that keep the filters.
    var queryString: String {
        [("from", from), ("to", to), ("district", district), ("income_band", incomeBand)]
            .compactMap { name, value in value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? "")" } }
            .joined(separator: "&")
    }

    /// RFC 3986's unreserved characters: dates and codes stay readable (`from=2026-11-01`) in the
    /// audit log and the manifest, and everything else is encoded.
    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    var hasDateRange: Bool { from != nil || to != nil }

    /// `AND …` conditions on `response_counts` or `response_starts` (their `day` column).
    var countsConditions: SQLQuery {
        var sql: SQLQuery = ""
        if let from { sql.append(" AND day >= \(from)") }
        if let to { sql.append(" AND day <= \(to)") }
        return sql + groupConditions
    }

    /// `AND …` conditions on the district and income band alone (all `response_totals` has; the
    /// same column names in `responses`).
    var groupConditions: SQLQuery {
        var sql: SQLQuery = ""
        if let district { sql.append(" AND district = \(district)") }
        if let incomeBand { sql.append(" AND income_band = \(incomeBand)") }
        return sql
    }

    /// `AND …` conditions on `responses`, for completed responses (dates are completion dates).
    var responseConditions: SQLQuery {
        var sql: SQLQuery = ""
        if let from { sql.append(" AND completed_at >= \(from)") }
        if let to { sql.append(" AND completed_at < \(to) + INTERVAL 1 DAY") }
        return sql + groupConditions
    }
}
