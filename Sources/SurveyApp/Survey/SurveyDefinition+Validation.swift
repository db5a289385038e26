import Foundation

extension SurveyDefinition {
    /// Everything wrong with the definition, so a bad edit fails at start-up with all its reasons
    /// instead of half-working pages.
    func problems() -> [String] {
        var problems: [String] = []
        if version < 1 { problems.append("version must be 1 or more") }
        if !languages.contains(LocalizedText.defaultLanguage) { problems.append("languages must include \(LocalizedText.defaultLanguage)") }
        if Decimal(string: settings.minimumWageBRL, locale: Locale(identifier: "en_US_POSIX")).map({ $0 <= 0 }) ?? true {
            problems.append("settings.minimumWageBRL must be a positive decimal such as \"1621.00\"")
        }
        if pages.isEmpty { problems.append("there are no pages") }

        var seenPages = Set<String>()
        var seenCodes: [String: Question] = [:]
        for page in pages {
            if !seenPages.insert(page.id).inserted { problems.append("page id \(page.id) is used twice") }
            if page.questions.isEmpty { problems.append("page \(page.id) has no questions") }
            problems += missingTranslations(page.title, "page \(page.id) title")
            for question in page.questions {
                problems += questionProblems(question, earlier: seenCodes)
                if seenCodes[question.code] != nil { problems.append("question code \(question.code) is used twice") }
                seenCodes[question.code] = question
            }
        }
        return problems
    }

    private func questionProblems(_ q: Question, earlier: [String: Question]) -> [String] {
        var problems: [String] = []
        let name = "question \(q.code)"
        if !Self.isQuestionCode(q.code) {
            problems.append("\(name): question codes are column names: a-z, 0-9 and _, starting with a letter, at most 64")
        }
        problems += missingTranslations(q.label, "\(name) label")
        if let text = q.text { problems += missingTranslations(text, "\(name) text") }
        for option in q.options ?? [] {
            if !Self.isCode(option.code) { problems.append("\(name): option code \(option.code) uses characters outside a-z, A-Z, 0-9, _, - and +") }
            problems += missingTranslations(option.label, "\(name) option \(option.code)")
        }
        if q.isChoice {
            let codes = (q.options ?? []).map(\.code)
            if codes.isEmpty { problems.append("\(name): a choice question needs options") }
            if Set(codes).count != codes.count { problems.append("\(name): option codes repeat") }
        } else if q.options != nil {
            problems.append("\(name): only choice questions have options")
        }
        switch q.type {
        case .integer, .scale:
            if q.min == nil || q.max == nil { problems.append("\(name): needs min and max") }
        case .money:
            if q.min == nil || q.max == nil { problems.append("\(name): needs min and max") }
        case .text, .longText:
            if (q.maxLength ?? 0) <= 0 { problems.append("\(name): needs a positive maxLength") }
        case .multi:
            if let lo = q.minChoices, let hi = q.maxChoices, lo > hi { problems.append("\(name): minChoices exceeds maxChoices") }
        case .consent, .single, .income:
            break
        }
        if let min = q.min, let max = q.max, min.decimal > max.decimal { problems.append("\(name): min exceeds max") }
        if let condition = q.showWhen {
            // Skip logic looks back only, so the server can decide it from answers already given.
            guard let target = earlier[condition.question] else {
                problems.append("\(name): showWhen refers to \(condition.question), which is not an earlier question")
                return problems
            }
            if let value = condition.equals, target.isChoice, !(target.options ?? []).contains(where: { $0.code == value }) {
                problems.append("\(name): showWhen compares \(condition.question) with \(value), which is not one of its options")
            }
            if (condition.atMost != nil || condition.atLeast != nil), ![.integer, .scale].contains(target.type) {
                problems.append("\(name): atMost/atLeast need a numeric question")
            }
        }
        return problems
    }

    private func missingTranslations(_ text: LocalizedText, _ what: String) -> [String] {
        languages.filter { (text.translations[$0] ?? "").isEmpty }.map { "\(what) has no \($0) text" }
    }

    /// Question codes name form fields, database columns and export headers alike.
    static func isQuestionCode(_ code: String) -> Bool {
        guard let first = code.unicodeScalars.first, ("a"..."z").contains(first), code.utf8.count <= 64 else { return false }
        return code.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    static func isCode(_ code: String) -> Bool {
        !code.isEmpty && code.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-+".unicodeScalars.contains($0)) }
    }
}
