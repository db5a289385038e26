/// The current row of a result being read, seen in place in the client library's buffers: no
/// Swift value is made until asked for, and text is lent as bytes. Valid only inside the closure
/// it is passed to (see ``MariaDBClient/streamEncoded(_:chunkBytes:isolation:encode:_:)``).
public struct MariaDBRowView {
    let reader: MariaDBResultReader

    public var columnCount: Int { reader.columnCount }

    public func isNull(_ column: Int) -> Bool { reader.isNull(column) }

    /// An integer column's value; nil for NULL or a column of another type.
    public func integer(_ column: Int) -> Int64? { reader.integer(column) }

    /// A DATE, DATETIME or TIMESTAMP column's value (UTC, as the session's time zone is);
    /// nil for NULL or a column of another type.
    public func dateTime(_ column: Int) -> MariaDBDateTime? { reader.dateTime(column) }

    /// Lends the bytes of a text, binary or DECIMAL column (a DECIMAL as the server prints it,
    /// `-1234.56`) to `body`; nil for NULL or a column of another type.
    public func withBytes<R>(_ column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R? {
        try reader.withBytes(column, body)
    }
}

/// A date and time as the server sent it, field by field.
public struct MariaDBDateTime: Sendable, Equatable {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, microsecond: Int = 0) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second, self.microsecond) =
            (year, month, day, hour, minute, second, microsecond)
    }
}
