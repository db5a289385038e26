import Foundation

/// A value as it travels to or from MariaDB: a bound parameter or a column of a row.
///
/// Decimals stay exact: they are carried as `Decimal`, never through `Double`.
public enum MariaDBValue: Sendable, Hashable {
    case null
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case decimal(Decimal)
    case string(String)
    case bytes([UInt8])
    case bool(Bool)
    /// A point in time. Sent and read as a UTC `DATETIME`/`TIMESTAMP` with microseconds.
    case date(Date)

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension MariaDBValue: CustomStringConvertible {
    /// Names the kind only: a value may be personal data and must not reach a log by accident.
    public var description: String {
        switch self {
        case .null: "NULL"
        case .int: "int"
        case .uint: "uint"
        case .double: "double"
        case .decimal: "decimal"
        case .string: "string"
        case .bytes(let b): "bytes(\(b.count))"
        case .bool: "bool"
        case .date: "date"
        }
    }
}
