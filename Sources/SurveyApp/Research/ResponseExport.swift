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
        SQLQuery(unsafeSQL: "SELECT \(selectColumns.map { "`\($0)`" }.joined(separator: ", ")) FROM responses WHERE completed_at IS NOT NULL")
            + filters.responseConditions + SQLQuery(unsafeSQL: " ORDER BY id")
    }

    /// Appends one response to `writer`, reading the row's columns by position (as `selectColumns`).
    func append(_ row: MariaDBRow, to writer: inout CSVWriter) throws {
        writer.append(.integer(try row.decode(column: 0, as: Int.self)))
        writer.append(.integer(try row.decode(column: 1, as: Int.self)))
        writer.append(try row.decode(column: 2, as: Int?.self).map { CSVCell.integer($0) } ?? .empty)
        writer.append(try row.decode(column: 3, as: Date?.self).map { CSVCell.timestamp($0) } ?? .empty)
        writer.append(try row.decode(column: 4, as: Date?.self).map { CSVCell.timestamp($0) } ?? .empty)
        var index = 5
        for question in exportedQuestions {
            switch question.type {
            case .single, .income:
                writer.append(try row.decode(column: index, as: String?.self).map { .text(label(question, $0)) } ?? .empty)
            case .multi:
                let chosen = try row.decode(column: index, as: String?.self).map { $0.split(separator: ",").map(String.init) }
                if options.multiSelect == .columns {
                    // A completed response saw the question: nothing ticked is a 0 for every option.
                    for option in question.options ?? [] {
                        writer.append(.boolean(chosen?.contains(option.code) ?? false))
                    }
                } else {
                    writer.append(chosen.map { .text($0.map { label(question, $0) }.joined(separator: ";")) } ?? .empty)
                }
            case .integer, .scale:
                writer.append(try row.decode(column: index, as: Int?.self).map { CSVCell.integer($0) } ?? .empty)
            case .money:
                writer.append(try row.decode(column: index, as: Decimal?.self).map { CSVCell.money($0) } ?? .empty)
            case .text, .longText:
                writer.append(try row.decode(column: index, as: String?.self).map { CSVCell.text($0) } ?? .empty)
            case .consent:
                continue
            }
            index += 1
            if question.type == .income {
                writer.append(try row.decode(column: index, as: Decimal?.self).map { CSVCell.money($0) } ?? .empty)
                index += 1
            }
        }
        writer.endRow()
    }

    private func label(_ question: SurveyDefinition.Question, _ code: String) -> String {
        guard options.labels else { return code }
        return question.options?.first { $0.code == code }?.label[options.language] ?? code
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
