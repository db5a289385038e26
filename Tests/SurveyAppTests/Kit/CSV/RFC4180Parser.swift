/// A strict RFC 4180 reader used to check the writer's output by parsing it
/// back: fields are quoted or not, quotes inside quoted fields are doubled, and
/// every record ends with CRLF.
struct RFC4180Parser {
    /// Why a byte sequence is not valid RFC 4180.
    enum Failure: Error, Equatable {
        case quoteInUnquotedField(offset: Int)
        case unterminatedQuotedField
        case garbageAfterClosingQuote(offset: Int)
        case bareLineFeedOrCarriageReturn(offset: Int)
        case missingFinalLineEnding
        case invalidUTF8
    }

    let separator: UInt8

    /// The records in `bytes`, each a list of field strings.
    func parse(_ bytes: [UInt8]) throws -> [[String]] {
        let quote = UInt8(ascii: "\"")
        let cr: UInt8 = 0x0D
        let lf: UInt8 = 0x0A
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var index = 0

        func finishField() throws {
            guard let text = String(validating: field, as: UTF8.self) else { throw Failure.invalidUTF8 }
            record.append(text)
            field.removeAll()
        }

        while index < bytes.count {
            if bytes[index] == quote {
                // Quoted field: runs to a quote not followed by another quote.
                index += 1
                while true {
                    guard index < bytes.count else { throw Failure.unterminatedQuotedField }
                    if bytes[index] == quote {
                        if index + 1 < bytes.count && bytes[index + 1] == quote {
                            field.append(quote)
                            index += 2
                        } else {
                            index += 1
                            break
                        }
                    } else {
                        field.append(bytes[index])
                        index += 1
                    }
                }
                guard index < bytes.count else { throw Failure.missingFinalLineEnding }
                guard bytes[index] == separator || bytes[index] == cr else {
                    throw Failure.garbageAfterClosingQuote(offset: index)
                }
            } else {
                // Unquoted field: runs to the separator or CR; no quotes, no LF.
                while index < bytes.count && bytes[index] != separator && bytes[index] != cr {
                    if bytes[index] == quote { throw Failure.quoteInUnquotedField(offset: index) }
                    if bytes[index] == lf { throw Failure.bareLineFeedOrCarriageReturn(offset: index) }
                    field.append(bytes[index])
                    index += 1
                }
                guard index < bytes.count else { throw Failure.missingFinalLineEnding }
            }
            if bytes[index] == separator {
                try finishField()
                index += 1
            } else {
                // CR must be followed by LF.
                guard index + 1 < bytes.count, bytes[index + 1] == lf else {
                    throw Failure.bareLineFeedOrCarriageReturn(offset: index)
                }
                try finishField()
                records.append(record)
                record = []
                index += 2
            }
        }
        return records
    }
}
