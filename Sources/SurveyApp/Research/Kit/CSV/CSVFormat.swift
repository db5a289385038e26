/// The dialect of a CSV file: separators, line ending, byte-order mark and
/// timestamp style. Use one of the two presets.
struct CSVFormat: Sendable, Equatable {
    /// Byte between fields, e.g. `;` or `,`.
    let separator: UInt8
    /// Byte between the integer and fraction digits of a decimal, e.g. `,` or `.`.
    let decimalSeparator: UInt8
    /// Bytes ending each record.
    let lineEnding: [UInt8]
    /// Whether the file should start with the UTF-8 byte-order mark.
    let includesByteOrderMark: Bool
    /// How timestamps are written.
    let timestampStyle: CSVTimestampStyle
    /// Whether text cells that a spreadsheet would run as a formula get a `'`
    /// prefix (see `CSVWriter`). On in both presets: the data is respondents'
    /// free text, and a file meant for analysis still gets opened in Excel.
    let neutralizesFormulas: Bool

    /// A custom format. The separator must differ from the decimal separator
    /// (numbers are never quoted) and must not be `"`, CR or LF.
    init(
        separator: UInt8,
        decimalSeparator: UInt8,
        lineEnding: [UInt8] = [0x0D, 0x0A],
        includesByteOrderMark: Bool,
        timestampStyle: CSVTimestampStyle,
        neutralizesFormulas: Bool = true
    ) {
        precondition(separator != decimalSeparator, "separator and decimal separator must differ")
        precondition(![0x22, 0x0D, 0x0A].contains(separator), "separator cannot be a quote, CR or LF")
        self.separator = separator
        self.decimalSeparator = decimalSeparator
        self.lineEnding = lineEnding
        self.includesByteOrderMark = includesByteOrderMark
        self.timestampStyle = timestampStyle
        self.neutralizesFormulas = neutralizesFormulas
    }

    /// For double-clicking in Excel with Brazilian regional settings: `;` between
    /// fields (pt-BR Excel's list separator, because `,` is its decimal mark),
    /// decimal comma, CRLF, and a UTF-8 BOM — without the BOM Excel decodes the
    /// file as Windows-1252 and mangles accents ("SÃ£o Paulo").
    static let excelBrazil = CSVFormat(
        separator: UInt8(ascii: ";"),
        decimalSeparator: UInt8(ascii: ","),
        includesByteOrderMark: true,
        timestampStyle: .spaceSeparatedUTC
    )

    /// RFC 4180 for R, Python, SPSS and friends: `,` between fields, decimal
    /// point, no BOM (many parsers would read it into the first header name), and
    /// CRLF as RFC 4180 §2 prescribes; every common reader also accepts CRLF, so
    /// there is no reason to deviate from the standard.
    static let analysis = CSVFormat(
        separator: UInt8(ascii: ","),
        decimalSeparator: UInt8(ascii: "."),
        includesByteOrderMark: false,
        timestampStyle: .iso8601UTC
    )

    /// The UTF-8 byte-order mark, or no bytes when the format has none.
    var byteOrderMark: [UInt8] {
        includesByteOrderMark ? [0xEF, 0xBB, 0xBF] : []
    }
}
