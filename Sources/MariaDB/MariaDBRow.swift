/// The column names of a result, shared by all of its rows.
public final class MariaDBColumns: Sendable {
    public let names: [String]
    private let indexByName: [String: Int]

    init(names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() where index[name] == nil {
            index[name] = i
        }
        self.indexByName = index
    }

    public func index(of name: String) -> Int? { indexByName[name] }
}

/// One row, copied into Swift values: it owns no C memory and outlives its statement.
public struct MariaDBRow: Sendable {
    public let columns: MariaDBColumns
    public let values: [MariaDBValue]

    init(columns: MariaDBColumns, values: [MariaDBValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value of the named column, or `.null` if there is no such column.
    public subscript(_ name: String) -> MariaDBValue {
        columns.index(of: name).map { values[$0] } ?? .null
    }

    /// Reads the named column as `T`; throws if the column is missing or of another type.
    public func decode<T: MariaDBDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        guard let i = columns.index(of: name) else {
            throw MariaDBError(kind: .decoding, message: "no column named \(name)")
        }
        do {
            return try T(mariaDBValue: values[i])
        } catch let error as MariaDBError {
            throw MariaDBError(kind: .decoding, message: "column \(name): \(error.message)")
        }
    }

    /// Reads the column at `index` as `T`.
    public func decode<T: MariaDBDecodable>(column index: Int, as type: T.Type = T.self) throws -> T {
        guard values.indices.contains(index) else {
            throw MariaDBError(kind: .decoding, message: "no column at index \(index) (the row has \(values.count))")
        }
        return try T(mariaDBValue: values[index])
    }
}

/// What a statement that returns no rows did.
public struct MariaDBExecuteResult: Sendable, Hashable {
    public let affectedRows: UInt64
    /// The `AUTO_INCREMENT` value the statement generated, if any.
    public let lastInsertID: UInt64
}
