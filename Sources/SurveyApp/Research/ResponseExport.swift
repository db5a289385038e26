import Foundation
import MariaDB

/// The CSV export of completed responses: one row per response, in id order (so the same data
/// gives the same bytes), one column per question code of the survey definition, plus the
/// response id, the survey and consent versions and the timestamps.
struct ResponseExport: Sendable {
    enum Preset: String, Sendable, CaseIterable {
        /// UTF-8 with BOM, `;`, decimal comma, CRLF: opens as columns in Excel set to Portuguese.
        case excel
        /// RFC 4180: `,`, UTF-8 without BOM, decimal point, ISO 8601 UTC times.
        case analysis

        var format: CSVFormat { self == .excel ? .excelBrazil : .analysis }
    }

    /// How a multi-select question becomes columns.
    enum MultiSelect: String, Sendable {
        /// One 0/1 column per option, `priorities_price`, … (the default: ready to sum).
        case columns
        /// One column holding the chosen options joined by `;`.
        case packed
    }

    struct Options: Sendable, Equatable {
        var preset: Preset = .excel
        /// Option labels in `language` instead of codes.
        var labels = false
        var language = MessageCatalog.defaultLanguage
        var multiSelect: MultiSelect = .columns
    }

    let survey: SurveyDefinition
    let options: Options

    /// The answer columns of `responses` read, in this order, after the fixed ones.
    var fixedColumns: [String] { ["id", "survey_version", "consent_version", "started_at", "completed_at"] }

    private var exportedQuestions: [SurveyDefinition.Question] { survey.questions.filter { $0.type != .consent } }

    var selectColumns: [String] {
        var columns = fixedColumns
        for question in exportedQuestions {
            columns.append(question.code)
            if question.type == .income { columns.append("minimum_wage") }
        }
        return columns
    }

    /// The header: stable variable names, whatever the language.
    var header: [String] {
        var names = ["response_id", "survey_version", "consent_version", "started_at", "completed_at"]
        for question in exportedQuestions {
            if question.type == .multi && options.multiSelect == .columns {
                names += (question.options ?? []).map { "\(question.code)_\($0.code)" }
            } else {
                names.append(question.code)
            }
            if question.type == .income { names.append("minimum_wage") }
        }
        return names
    }

    func query(_ filters: ResearchFilters) -> SQLQuery {
        // Money (DECIMAL) is lent by the row view as the server prints it ("1234.56"): exact, and
        // written as is.
        let list = selectColumns.map { "`\($0)`" }.joined(separator: ", ")
        return SQLQuery(unsafeSQL: "SELECT \(list) FROM responses WHERE completed_at IS NOT NULL")
            + filters.responseConditions + SQLQuery(unsafeSQL: " ORDER BY id")
    }

    /// How each answer column is written, worked out once per export rather than once per row.
    enum Column: Sendable {
        /// A single choice; `labels` pairs each code (UTF-8) with the text written instead (nil:
        /// the code itself).
        case choice(labels: [Label]?)
        /// The option codes as UTF-8, compared byte for byte with the stored `SET` text.
        case multiColumns(options: [[UInt8]])
        case multiPacked(labels: [String: String]?)
        case integer
        case money
        case text
    }

    struct Label: Sendable {
        let code: [UInt8]
        let text: String
    }

    /// The answer columns in `selectColumns` order (after the fixed ones).
    var columns: [Column] {
        var columns: [Column] = []
        for question in exportedQuestions {
            let options = question.options ?? []
            let labels = self.options.labels ? Dictionary(uniqueKeysWithValues: options.map { ($0.code, $0.label[self.options.language]) }) : nil
            let choiceLabels = self.options.labels ? options.map { Label(code: Array($0.code.utf8), text: $0.label[self.options.language]) } : nil
            switch question.type {
            case .single: columns.append(.choice(labels: choiceLabels))
            case .income: columns += [.choice(labels: choiceLabels), .money]  // and the minimum wage in force
            case .multi: columns.append(self.options.multiSelect == .columns ? .multiColumns(options: options.map { Array($0.code.utf8) }) : .multiPacked(labels: labels))
            case .integer, .scale: columns.append(.integer)
            case .money: columns.append(.money)
            case .text, .longText: columns.append(.text)
            case .consent: continue
            }
        }
        return columns
    }

    /// Appends one response to `writer`, reading the row's columns by position (as `selectColumns`)
    /// in place in the database client's buffers: this runs a million times per export.
    func append(_ row: MariaDBRowView, columns: [Column], to writer: inout CSVWriter) throws {
        for index in 0..<5 {
            if let n = row.integer(index) {
                writer.append(.integer(Int(n)))
            } else if let t = row.dateTime(index) {
                writer.appendTimestamp(UTCDateTime(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second))
            } else {
                writer.append(.empty)
            }
        }
        for (offset, column) in columns.enumerated() {
            let index = 5 + offset
            if case .multiColumns(let options) = column {
                // A completed response saw the question: nothing ticked is a 0 for every option.
                let written: Void? = try row.withBytes(index) { list in
                    if options.count <= 64 {
                        let ticked = Self.ticked(list, options: options)
                        for bit in 0..<options.count { writer.append(.boolean(ticked & (1 << bit) != 0)) }
                    } else {
                        for option in options { writer.append(.boolean(Self.commaList(list, contains: option))) }
                    }
                }
                if written == nil {
                    for _ in options { writer.append(.boolean(false)) }
                }
                continue
            }
            if row.isNull(index) {
                writer.append(.empty)
                continue
            }
            let written: Void?
            switch column {
            case .choice(let labels):
                written = try row.withBytes(index) { code in
                    if let label = labels?.first(where: { code.elementsEqual($0.code) }) {
                        writer.append(.text(label.text))
                    } else {
                        writer.appendText(bytes: code)
                    }
                }
            case .multiPacked(let labels):
                written = try row.withBytes(index) { bytes in
                    let packed = String(decoding: bytes, as: UTF8.self)
                    writer.append(.text(packed.split(separator: ",").map { labels?[String($0)] ?? String($0) }.joined(separator: ";")))
                }
            case .integer:
                written = row.integer(index).map { writer.append(.integer(Int($0))) }
            case .money:
                written = try row.withBytes(index) { writer.appendDecimalText(bytes: $0) }
            case .text:
                written = try row.withBytes(index) { writer.appendText(bytes: $0) }
            case .multiColumns:
                written = ()
            }
            guard written != nil else {
                throw MariaDBError(kind: .decoding, message: "unexpected value for export column \(index)")
            }
        }
        writer.endRow()
    }

    /// Which of (at most 64) `options` the comma-separated `list` (a `SET` value, `a,b,c`) holds,
    /// as bits in option order: one pass over the list, however many options there are.
    static func ticked(_ list: UnsafeBufferPointer<UInt8>, options: [[UInt8]]) -> UInt64 {
        var bits: UInt64 = 0
        var start = 0
        while start < list.count {
            var end = start
            while end < list.count && list[end] != UInt8(ascii: ",") { end += 1 }
            let item = UnsafeBufferPointer(rebasing: list[start..<end])
            if let found = options.firstIndex(where: { $0.count == item.count && $0.elementsEqual(item) }), found < 64 {
                bits |= 1 << UInt64(found)
            }
            start = end + 1
        }
        return bits
    }

    /// Whether the comma-separated `list` (a `SET` value, `a,b,c`) holds `item`.
    static func commaList(_ list: UnsafeBufferPointer<UInt8>, contains item: [UInt8]) -> Bool {
        var start = 0
        while start <= list.count {
            var end = start
            while end < list.count && list[end] != UInt8(ascii: ",") { end += 1 }
            if end - start == item.count && list[start..<end].elementsEqual(item) {
                return true
            }
            start = end + 1
        }
        return false
    }

    /// The codebook: every variable with its question and, for choices, each code and label.
    func codebook(catalog: MessageCatalog) -> [[CSVCell]] {
        let language = options.language
        var rows: [[CSVCell]] = [["variable", "question", "type", "code", "label"].map(CSVCell.text)]
        let fixed = [
            ("response_id", "codebook.responseID"), ("survey_version", "codebook.surveyVersion"), ("consent_version", "codebook.consentVersion"),
            ("started_at", "codebook.startedAt"), ("completed_at", "codebook.completedAt"),
        ]
        for (variable, key) in fixed {
            rows.append([.text(variable), .text(catalog.text(key, language)), .text("meta"), .empty, .empty])
        }
        for question in exportedQuestions {
            let text = survey.fillingSettings(question.label[language])
            switch question.type {
            case .multi where options.multiSelect == .columns:
                for option in question.options ?? [] {
                    rows.append([.text("\(question.code)_\(option.code)"), .text(text), .text("0/1"), .text(option.code), .text(option.label[language])])
                }
            case .single, .income, .multi:
                for option in question.options ?? [] {
                    rows.append([.text(question.code), .text(text), .text(question.type.rawValue), .text(option.code), .text(option.label[language])])
                }
            case .integer, .scale, .money:
                let range = "\(question.min.map { "\($0.decimal)" } ?? "")..\(question.max.map { "\($0.decimal)" } ?? "")"
                rows.append([.text(question.code), .text(text), .text(question.type.rawValue), .text(range), .empty])
            case .text, .longText:
                rows.append([.text(question.code), .text(text), .text(question.type.rawValue), .empty, .empty])
            case .consent:
                continue
            }
            if question.type == .income {
                rows.append([.text("minimum_wage"), .text(catalog.text("codebook.minimumWage", language)), .text("money"), .empty, .empty])
            }
        }
        return rows
    }
}
