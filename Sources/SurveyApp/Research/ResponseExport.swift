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
        // Money comes as the server prints a DECIMAL ("1234.56"): exact, and written as is.
        let money = Set(exportedQuestions.filter { $0.type == .money }.map(\.code) + ["minimum_wage"])
        let list = selectColumns.map { money.contains($0) ? "CAST(`\($0)` AS CHAR) AS `\($0)`" : "`\($0)`" }.joined(separator: ", ")
        return SQLQuery(unsafeSQL: "SELECT \(list) FROM responses WHERE completed_at IS NOT NULL")
            + filters.responseConditions + SQLQuery(unsafeSQL: " ORDER BY id")
    }

    /// How each answer column is written, worked out once per export rather than once per row.
    enum Column: Sendable {
        /// A single choice; `labels` maps codes to the text written (nil: the code itself).
        case choice(labels: [String: String]?)
        case multiColumns(options: [String])
        case multiPacked(labels: [String: String]?)
        case integer
        case money
        case text
    }

    /// The answer columns in `selectColumns` order (after the fixed ones).
    var columns: [Column] {
        var columns: [Column] = []
        for question in exportedQuestions {
            let labels = options.labels ? Dictionary(uniqueKeysWithValues: (question.options ?? []).map { ($0.code, $0.label[options.language]) }) : nil
            switch question.type {
            case .single: columns.append(.choice(labels: labels))
            case .income: columns += [.choice(labels: labels), .money]  // and the minimum wage in force
            case .multi: columns.append(options.multiSelect == .columns ? .multiColumns(options: (question.options ?? []).map(\.code)) : .multiPacked(labels: labels))
            case .integer, .scale: columns.append(.integer)
            case .money: columns.append(.money)
            case .text, .longText: columns.append(.text)
            case .consent: continue
            }
        }
        return columns
    }

    /// Appends one response to `writer`, reading the row's columns by position (as `selectColumns`).
    /// Values are read straight from the row (no generic decoding): this runs a million times.
    func append(_ row: MariaDBRow, columns: [Column], to writer: inout CSVWriter) throws {
        let values = row.values
        for index in 0..<5 {
            switch values[index] {
            case .int(let n): writer.append(.integer(Int(n)))
            case .uint(let n): writer.append(.integer(Int(n)))
            case .date(let date): writer.append(.timestamp(date))
            default: writer.append(.empty)
            }
        }
        for (offset, column) in columns.enumerated() {
            let value = values[5 + offset]
            switch (column, value) {
            case (.multiColumns(let options), _):
                // A completed response saw the question: nothing ticked is a 0 for every option.
                let chosen: [Substring]
                if case .string(let packed) = value { chosen = packed.split(separator: ",") } else { chosen = [] }
                for option in options {
                    writer.append(.boolean(chosen.contains { $0 == option }))
                }
                continue
            case (_, .null):
                writer.append(.empty)
            case (.choice(let labels), .string(let code)):
                writer.append(.text(labels?[code] ?? code))
            case (.multiPacked(let labels), .string(let packed)):
                writer.append(.text(packed.split(separator: ",").map { labels?[String($0)] ?? String($0) }.joined(separator: ";")))
            case (.integer, .int(let n)):
                writer.append(.integer(Int(n)))
            case (.integer, .uint(let n)):
                writer.append(.integer(Int(n)))
            case (.money, .string(let digits)):
                writer.append(.decimalText(digits))
            case (.money, .decimal(let amount)):
                writer.append(.money(amount))
            case (.text, .string(let text)):
                writer.append(.text(text))
            default:
                throw MariaDBError(kind: .decoding, message: "unexpected value for export column \(5 + offset)")
            }
        }
        writer.endRow()
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
