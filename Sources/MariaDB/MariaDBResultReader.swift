import Foundation
internal import CMariaDB

/// Fetches the rows of one executed statement into Swift values, reusing one set of column
/// buffers for every row. Rows come from the server unbuffered, so memory stays flat at any size.
final class MariaDBResultReader {
    private enum Kind { case signed, unsigned, double, decimal, text, binary, dateTime, time, null }

    /// Kept alive by the reader, and asked for its handle at every call: once the statement is
    /// closed (its connection discarded or closed), the reader touches the C library no more.
    private let statement: MariaDBStatement
    let columns: MariaDBColumns
    private let count: Int
    private let kinds: [Kind]
    private let binds: UnsafeMutablePointer<MYSQL_BIND>
    private let lengths: UnsafeMutablePointer<UInt>
    private let nulls: UnsafeMutablePointer<my_bool>
    private let errors: UnsafeMutablePointer<my_bool>
    // Constants (not `var`s) read once per column of every row: a class's `var` would be checked
    // for exclusive access at each read, which took about 8 % of an export's time.
    private let buffers: [UnsafeMutableRawPointer]
    private let capacities: [Int]
    private(set) var finished = false

    /// What reading a result whose statement has been closed (with its connection) throws.
    private static var closedWhileReading: MariaDBError {
        MariaDBError(kind: .connection, code: 2006, message: "the connection closed while its result was being read", mayHaveRun: true)
    }

    /// Text and blob columns start with buffers of at most this size; a longer value is fetched
    /// on its own with `mysql_stmt_fetch_column`.
    private static let inlineLimit = 4096

    init(statement: MariaDBStatement, stmt: UnsafeMutablePointer<MYSQL_STMT>) throws {
        self.statement = statement
        guard let metadata = mysql_stmt_result_metadata(stmt) else { throw MariaDBStatement.error(stmt, statement.io, stage: .fetch) }
        defer { mysql_free_result(metadata) }
        count = Int(mysql_num_fields(metadata))
        let fields = mysql_fetch_fields(metadata)!
        binds = .allocate(capacity: count)
        binds.initialize(repeating: MYSQL_BIND(), count: count)
        lengths = .allocate(capacity: count)
        lengths.initialize(repeating: 0, count: count)
        nulls = .allocate(capacity: count)
        nulls.initialize(repeating: 0, count: count)
        errors = .allocate(capacity: count)
        errors.initialize(repeating: 0, count: count)

        var names: [String] = []
        var kinds: [Kind] = []
        var buffers: [UnsafeMutableRawPointer] = []
        var capacities: [Int] = []
        for i in 0..<count {
            let field = fields[i]
            names.append(String(cString: field.name))
            let kind = Self.kind(of: field)
            kinds.append(kind)
            let (type, size): (enum_field_types, Int) =
                switch kind {
                case .signed, .unsigned: (MYSQL_TYPE_LONGLONG, 8)
                case .double: (MYSQL_TYPE_DOUBLE, 8)
                case .dateTime, .time: (MYSQL_TYPE_DATETIME, MemoryLayout<MYSQL_TIME>.stride)
                case .decimal: (MYSQL_TYPE_STRING, 80)
                case .text, .binary: (MYSQL_TYPE_STRING, min(max(Int(field.length), 16), Self.inlineLimit))
                case .null: (MYSQL_TYPE_NULL, 1)
                }
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            buffers.append(buffer)
            capacities.append(size)
            binds[i].buffer = buffer
            binds[i].buffer_type = kind == .time ? MYSQL_TYPE_TIME : type
            binds[i].buffer_length = UInt(size)
            binds[i].length = lengths + i
            binds[i].is_null = nulls + i
            binds[i].error = errors + i
            binds[i].is_unsigned = kind == .unsigned ? 1 : 0
        }
        self.kinds = kinds
        self.buffers = buffers
        self.capacities = capacities
        self.columns = MariaDBColumns(names: names)
        // On failure `deinit` frees what was allocated (self is whole by now).
        guard mysql_stmt_bind_result(stmt, binds) == 0 else { throw MariaDBStatement.error(stmt, statement.io, stage: .fetch) }
    }

    deinit {
        finishBlocking()
        deallocate()
    }

    private func deallocate() {
        for buffer in buffers { buffer.deallocate() }
        binds.deinitialize(count: count)
        binds.deallocate()
        lengths.deallocate()
        nulls.deallocate()
        errors.deallocate()
    }

    private static func kind(of field: MYSQL_FIELD) -> Kind {
        let unsigned = field.flags & UInt32(UNSIGNED_FLAG) != 0
        switch field.type {
        case MYSQL_TYPE_TINY, MYSQL_TYPE_SHORT, MYSQL_TYPE_LONG, MYSQL_TYPE_INT24, MYSQL_TYPE_LONGLONG, MYSQL_TYPE_YEAR:
            return unsigned ? .unsigned : .signed
        case MYSQL_TYPE_FLOAT, MYSQL_TYPE_DOUBLE: return .double
        case MYSQL_TYPE_DECIMAL, MYSQL_TYPE_NEWDECIMAL: return .decimal
        case MYSQL_TYPE_DATE, MYSQL_TYPE_DATETIME, MYSQL_TYPE_TIMESTAMP, MYSQL_TYPE_NEWDATE: return .dateTime
        case MYSQL_TYPE_TIME: return .time
        case MYSQL_TYPE_NULL: return .null
        case MYSQL_TYPE_BIT, MYSQL_TYPE_GEOMETRY: return .binary
        default: return field.charsetnr == 63 ? .binary : .text
        }
    }

    /// Appends up to `limit` rows. Returns false once the result is exhausted.
    func fetch(into rows: inout [MariaDBRow], limit: Int, isolation: isolated (any Actor)? = #isolation) async throws -> Bool {
        try await forEachRow(limit: limit) { _ in
            rows.append(MariaDBRow(columns: columns, values: try currentValues()))
        }
    }

    /// Calls `body` with each of up to `limit` rows, seen in place in the column buffers (no
    /// Swift values are made). Returns false once the result is exhausted.
    func visit(limit: Int, isolation: isolated (any Actor)? = #isolation, _ body: (MariaDBRowView) throws -> Void) async throws -> Bool {
        try await forEachRow(limit: limit) { _ in try body(MariaDBRowView(reader: self)) }
    }

    /// Fetches up to `limit` rows into the column buffers, calling `body` after each. A row
    /// already in the client's buffer is fetched without suspending.
    private func forEachRow(
        limit: Int, isolation: isolated (any Actor)? = #isolation, _ body: (UnsafeMutablePointer<MYSQL_STMT>) throws -> Void
    ) async throws -> Bool {
        guard !finished else { return false }
        guard let stmt = statement.handle else {
            finished = true
            throw Self.closedWhileReading
        }
        let io = statement.io
        for _ in 0..<limit {
            let fetched = await io.call(Int32(0), start: { mysql_stmt_fetch_start(&$0, stmt) }, cont: { mysql_stmt_fetch_cont(&$0, stmt, $1) })
            if fetched == MYSQL_NO_DATA {
                finishBlocking()  // every row is read: nothing left to wait for
                return false
            }
            if fetched == 1 {
                let error = MariaDBStatement.error(stmt, io, stage: .fetch)
                finishBlocking()
                throw error
            }
            try body(stmt)
        }
        return true
    }

    // MARK: The current row, for MariaDBRowView

    var columnCount: Int { count }

    func isNull(_ i: Int) -> Bool { nulls[i] != 0 }

    func integer(_ i: Int) -> Int64? {
        guard nulls[i] == 0 else { return nil }
        switch kinds[i] {
        case .signed: return buffers[i].load(as: Int64.self)
        case .unsigned: return Int64(exactly: buffers[i].load(as: UInt64.self))
        default: return nil
        }
    }

    func dateTime(_ i: Int) -> MariaDBDateTime? {
        guard nulls[i] == 0, kinds[i] == .dateTime else { return nil }
        let t = buffers[i].load(as: MYSQL_TIME.self)
        return MariaDBDateTime(
            year: Int(t.year), month: Int(t.month), day: Int(t.day), hour: Int(t.hour),
            minute: Int(t.minute), second: Int(t.second), microsecond: Int(t.second_part))
    }

    func withBytes<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R? {
        guard nulls[i] == 0 else { return nil }
        switch kinds[i] {
        case .text, .binary, .decimal:
            return try withColumnBytes(i) { try body($0.assumingMemoryBound(to: UInt8.self)) }
        default:
            return nil
        }
    }

    private func currentValues() throws -> [MariaDBValue] {
        var values: [MariaDBValue] = []
        values.reserveCapacity(count)
        for i in 0..<count {
            if nulls[i] != 0 {
                values.append(.null)
                continue
            }
            let buffer = buffers[i]
            switch kinds[i] {
            case .signed: values.append(.int(buffer.load(as: Int64.self)))
            case .unsigned: values.append(.uint(buffer.load(as: UInt64.self)))
            case .double: values.append(.double(buffer.load(as: Double.self)))
            case .null: values.append(.null)
            case .dateTime:
                let t = buffer.load(as: MYSQL_TIME.self)
                values.append(.date(MariaDBTime.date(from: .init(
                    year: Int(t.year), month: Int(t.month), day: Int(t.day), hour: Int(t.hour),
                    minute: Int(t.minute), second: Int(t.second), microsecond: Int(t.second_part)))))
            case .time:
                let t = buffer.load(as: MYSQL_TIME.self)
                let hours = Int(t.day) * 24 + Int(t.hour)
                values.append(.string("\(t.neg != 0 ? "-" : "")\(hours):\(twoDigits(t.minute)):\(twoDigits(t.second))"))
            case .decimal:
                let parsed = try withColumnBytes(i) { bytes in
                    Self.parseDecimal(bytes) ?? Decimal(string: String(decoding: bytes, as: UTF8.self), locale: Self.posix)
                }
                guard let parsed else { throw MariaDBError(kind: .decoding, message: "unreadable DECIMAL") }
                values.append(.decimal(parsed))
            case .text: values.append(.string(try withColumnBytes(i) { String(decoding: $0, as: UTF8.self) }))
            case .binary: values.append(.bytes(try withColumnBytes(i) { Array($0) }))
            }
        }
        return values
    }

    private static let posix = Locale(identifier: "en_US_POSIX")

    /// The server's DECIMAL text (`-1234.56`) read straight into a `Decimal`: several times cheaper
    /// than `Decimal(string:)`. Values of more than 19 digits return nil and take the slow path.
    static func parseDecimal(_ bytes: UnsafeRawBufferPointer) -> Decimal? {
        var significand: UInt64 = 0
        var scale = 0
        var digits = 0
        var negative = false
        var afterPoint = false
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where index == 0: negative = true
            case UInt8(ascii: "."): afterPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard digits < 19 else { return nil }
                significand = significand * 10 + UInt64(byte - UInt8(ascii: "0"))
                if significand > 0 { digits += 1 }
                if afterPoint { scale += 1 }
            default: return nil
            }
        }
        return Decimal(sign: negative ? .minus : .plus, exponent: -scale, significand: Decimal(significand))
    }

    private func twoDigits(_ n: UInt32) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// The bytes of column `i`; a value longer than its buffer is fetched whole on its own.
    private func withColumnBytes<T>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let length = Int(lengths[i])
        if length <= capacities[i] {
            return try body(UnsafeRawBufferPointer(start: buffers[i], count: length))
        }
        guard let stmt = statement.handle else {
            throw Self.closedWhileReading
        }
        let whole = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 1)
        let fetchedLength = UnsafeMutablePointer<UInt>.allocate(capacity: 1)
        defer {
            whole.deallocate()
            fetchedLength.deallocate()
        }
        var bind = MYSQL_BIND()
        bind.buffer = whole
        bind.buffer_type = binds[i].buffer_type
        bind.buffer_length = UInt(length)
        bind.length = fetchedLength
        let status = mysql_stmt_fetch_column(stmt, &bind, UInt32(i), 0)
        guard status == 0 else { throw MariaDBStatement.error(stmt, statement.io, stage: .fetch) }
        return try body(UnsafeRawBufferPointer(start: whole, count: length))
    }

    /// Reads and drops whatever rows remain, leaving the connection ready for the next statement.
    func finish(isolation: isolated (any Actor)? = #isolation) async {
        guard !finished else { return }
        finished = true
        guard let stmt = statement.handle else { return }
        _ = await statement.io.call(
            my_bool(0), start: { mysql_stmt_free_result_start(&$0, stmt) }, cont: { mysql_stmt_free_result_cont(&$0, stmt, $1) })
    }

    /// As ``finish(isolation:)``, blocking the thread while unread rows arrive: for when every
    /// row has been read already, after an error, and for `deinit`.
    func finishBlocking() {
        guard !finished else { return }
        finished = true
        if let stmt = statement.handle { mysql_stmt_free_result(stmt) }
    }
}
