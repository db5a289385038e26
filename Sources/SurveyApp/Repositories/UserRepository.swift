import Foundation
import MariaDB

struct User: Sendable, Equatable {
    let id: Int64
    let email: String
    let passwordHash: String
    let role: UserSession.Role
}

/// Accounts. Emails are compared lower-cased; the database's unique key is the last word on
/// duplicates, so two simultaneous signups cannot both win.
protocol UserRepository: Sendable {
    /// The new account's id, or nil when the email is taken.
    func create(email: String, passwordHash: String, role: UserSession.Role) async throws -> Int64?
    func find(email: String) async throws -> User?
    func find(id: Int64) async throws -> User?
    func updatePasswordHash(id: Int64, passwordHash: String) async throws
    func updateRole(id: Int64, role: UserSession.Role) async throws
    /// Accounts whose email contains `text` (all when empty), researchers and admins first.
    func list(matching text: String, limit: Int) async throws -> [AccountSummary]
}

struct AccountSummary: Sendable, Equatable {
    let id: Int64
    let email: String
    let role: UserSession.Role
    let createdAt: Date
}

struct MariaDBUserRepository: UserRepository {
    let database: MariaDBClient

    func create(email: String, passwordHash: String, role: UserSession.Role) async throws -> Int64? {
        do {
            let result = try await database.execute(
                "INSERT INTO users (email, password_hash, role) VALUES (\(email.lowercased()), \(passwordHash), \(role.rawValue))")
            return Int64(result.lastInsertID)
        } catch let error as MariaDBError where error.isDuplicateKey {
            return nil
        }
    }

    func find(email: String) async throws -> User? {
        try await database.query("SELECT id, email, password_hash, role FROM users WHERE email = \(email.lowercased())").first.map(Self.user)
    }

    func find(id: Int64) async throws -> User? {
        try await database.query("SELECT id, email, password_hash, role FROM users WHERE id = \(id)").first.map(Self.user)
    }

    func updatePasswordHash(id: Int64, passwordHash: String) async throws {
        try await database.execute("UPDATE users SET password_hash = \(passwordHash) WHERE id = \(id)")
    }

    func updateRole(id: Int64, role: UserSession.Role) async throws {
        try await database.execute("UPDATE users SET role = \(role.rawValue) WHERE id = \(id)")
    }

    func list(matching text: String, limit: Int) async throws -> [AccountSummary] {
        // LIKE's own wildcards in what was typed are matched literally.
        let escaped = text.lowercased().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        let rows = try await database.query("""
            SELECT id, email, role, created_at FROM users WHERE email LIKE \("%" + escaped + "%")
            ORDER BY role = 'respondent', email LIMIT \(limit)
            """)
        return try rows.map { row in
            AccountSummary(
                id: try row.decode("id"), email: try row.decode("email"),
                role: UserSession.Role(rawValue: try row.decode("role", as: String.self)) ?? .respondent, createdAt: try row.decode("created_at"))
        }
    }

    private static func user(_ row: MariaDBRow) throws -> User {
        User(
            id: try row.decode("id"), email: try row.decode("email"), passwordHash: try row.decode("password_hash"),
            role: UserSession.Role(rawValue: try row.decode("role", as: String.self)) ?? .respondent)
    }
}
