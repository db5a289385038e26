import Foundation
import MariaDB

/// The append-only record of every export (`export_audit`).
struct ExportAudit: Sendable {
    let database: MariaDBClient

    struct Entry: Sendable, Equatable {
        var id: Int64 = 0
        var userID: Int64
        var userEmail: String
        var createdAt: Date = Date()
        var kind: String
        var preset: String
        var filters: String
        var surveyVersion: Int
        var rowCount: Int
        var byteCount: Int
        var sha256: String
        var finished: Bool
    }

    @discardableResult
    func record(_ entry: Entry) async throws -> Int64 {
        let result = try await database.execute("""
            INSERT INTO export_audit (user_id, user_email, created_at, kind, preset, filters, survey_version, row_count, byte_count, sha256, finished)
            VALUES (\(entry.userID), \(entry.userEmail), \(entry.createdAt), \(entry.kind), \(entry.preset), \(entry.filters),
                    \(entry.surveyVersion), \(entry.rowCount), \(entry.byteCount), \(entry.sha256), \(entry.finished))
            """)
        return Int64(result.lastInsertID)
    }

    func latest(limit: Int, userID: Int64? = nil) async throws -> [Entry] {
        var query: SQLQuery = "SELECT * FROM export_audit WHERE 1 = 1"
        if let userID { query.append(" AND user_id = \(userID)") }
        query.append(" ORDER BY id DESC LIMIT \(limit)")
        return try await database.query(query).map(Self.entry)
    }

    func find(id: Int64) async throws -> Entry? {
        try await database.query("SELECT * FROM export_audit WHERE id = \(id)").first.map(Self.entry)
    }

    private static func entry(_ row: MariaDBRow) throws -> Entry {
        Entry(
            id: try row.decode("id"), userID: try row.decode("user_id"), userEmail: try row.decode("user_email"), createdAt: try row.decode("created_at"),
            kind: try row.decode("kind"), preset: try row.decode("preset"), filters: try row.decode("filters"),
            surveyVersion: try row.decode("survey_version"), rowCount: try row.decode("row_count"), byteCount: try row.decode("byte_count"),
            sha256: try row.decode("sha256"), finished: try row.decode("finished"))
    }
}
