/// A statement and its bound values.
///
/// Written as a string literal, every interpolated value becomes a `?` placeholder plus a bind, so
/// building SQL by pasting user input together is never the easy path:
///
/// ```swift
/// try await db.query("SELECT id FROM users WHERE email = \(email) AND role IN (\(list: roles))")
/// ```
public struct SQLQuery: Sendable, Hashable, ExpressibleByStringInterpolation {
    public private(set) var sql: String
    public private(set) var binds: [MariaDBValue]

    /// SQL text that is not a literal: only for text the program controls (migrations, generated
    /// column lists). Values still go in `binds`.
    public init(unsafeSQL sql: String, binds: [MariaDBValue] = []) {
        self.sql = sql
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
    }

    /// Appends another query, with its binds, as a fragment.
    public mutating func append(_ other: SQLQuery) {
        sql += other.sql
        binds += other.binds
    }

    public static func + (lhs: SQLQuery, rhs: SQLQuery) -> SQLQuery {
        var result = lhs
        result.append(rhs)
        return result
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [MariaDBValue] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// A value: becomes `?` and a bind.
        public mutating func appendInterpolation(_ value: some MariaDBBindable) {
            sql += "?"
            binds.append(value.mariaDBValue)
        }

        /// An optional value: `nil` binds `NULL`.
        public mutating func appendInterpolation(_ value: (some MariaDBBindable)?) {
            sql += "?"
            binds.append(value?.mariaDBValue ?? .null)
        }

        /// A list for `IN (…)`: one placeholder per element. An empty list binds a single `NULL`,
        /// which matches nothing, instead of producing invalid SQL.
        public mutating func appendInterpolation(list values: [some MariaDBBindable]) {
            if values.isEmpty {
                sql += "NULL"
                return
            }
            sql += Array(repeating: "?", count: values.count).joined(separator: ", ")
            binds += values.map(\.mariaDBValue)
        }

        /// A table or column name, quoted with backticks. Only `[A-Za-z0-9_$]` is accepted.
        public mutating func appendInterpolation(identifier: String) {
            precondition(SQLQuery.isValidIdentifier(identifier), "invalid SQL identifier")
            sql += "`\(identifier)`"
        }

        /// A nested fragment with its own binds.
        public mutating func appendInterpolation(_ fragment: SQLQuery) {
            sql += fragment.sql
            binds += fragment.binds
        }
    }

    static func isValidIdentifier(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x24
            }
    }
}
