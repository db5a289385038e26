import Foundation

/// Checks one page's form against the definition, on the server. A form field carries the
/// question's code as its name, repeated for multi-selects.
struct PageValidator {
    let survey: SurveyDefinition

    enum Outcome: Sendable {
        /// Every shown question is answered well.
        case valid([String: AnswerValue])
        /// Something was refused: show the page again with what was typed and these errors.
        case invalid([FieldError])
        /// A follow-up question on this page became relevant (e.g. `reason_not` after a low
        /// likelihood): show the page again with it, as a question, not as an error.
        case needsFollowUp(questions: [String], partial: [String: AnswerValue])
        /// An answer ends the survey (`under-18`): keep nothing.
        case endsSurvey
    }

    /// Validates `page`. `previous` holds answers from earlier pages (skip logic may look at them);
    /// `presented` lists the conditional questions the respondent was shown on this page.
    func validate(
        page: SurveyDefinition.Page, form: [String: [String]], previous: [String: AnswerValue] = [:],
        presented: Set<String> = []
    ) -> Outcome {
        var answers: [String: AnswerValue] = [:]
        var errors: [FieldError] = []
        var followUps: [String] = []
        for question in page.questions {
            if let condition = question.showWhen {
                let known = answers.merging(previous) { current, _ in current }
                guard Self.holds(condition, in: known) else { continue }  // hidden: any value is dropped
                let onThisPage = page.questions.contains { $0.code == condition.question }
                if onThisPage && !presented.contains(question.code) && Self.isEmpty(form[question.code]) {
                    followUps.append(question.code)
                    continue
                }
            }
            switch parse(question, form[question.code] ?? []) {
            case .success(let value?): answers[question.code] = value
            case .success(nil): break
            case .failure(let error): errors.append(FieldError(code: question.code, message: error.message))
            }
        }
        let endsSurvey = page.questions.contains { q in
            guard case .choice(let code)? = answers[q.code] else { return false }
            return q.options?.first { $0.code == code }?.endsSurvey == true
        }
        if endsSurvey { return .endsSurvey }
        if !errors.isEmpty { return .invalid(errors) }
        if !followUps.isEmpty { return .needsFollowUp(questions: followUps, partial: answers) }
        return .valid(answers)
    }

    struct Refusal: Error { let message: ValidationMessage }

    /// The answer to one question, nil when an optional question was left empty.
    func parse(_ q: SurveyDefinition.Question, _ raw: [String]) -> Result<AnswerValue?, Refusal> {
        let values = raw.filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        if values.isEmpty {
            if q.required { return .failure(Refusal(message: q.type == .consent ? .consentRequired : .required)) }
            return .success(nil)
        }
        let first = values[0].trimmingCharacters(in: .whitespacesAndNewlines)
        let optionCodes = Set((q.options ?? []).map(\.code))
        switch q.type {
        case .consent:
            return .success(.consent)
        case .single, .income:
            guard values.count == 1, optionCodes.contains(first) else { return .failure(Refusal(message: .notAnOption)) }
            return .success(.choice(first))
        case .multi:
            var chosen: [String] = []
            for value in values where !chosen.contains(value) {
                guard optionCodes.contains(value) else { return .failure(Refusal(message: .notAnOption)) }
                chosen.append(value)
            }
            let minimum = q.minChoices ?? (q.required ? 1 : 0)
            if chosen.count < minimum { return .failure(Refusal(message: .tooFewChoices(min: minimum))) }
            if let maximum = q.maxChoices, chosen.count > maximum { return .failure(Refusal(message: .tooManyChoices(max: maximum))) }
            // Stored in the definition's order, so equal answers are equal values.
            return .success(.choices((q.options ?? []).map(\.code).filter(chosen.contains)))
        case .integer, .scale:
            let lo = q.min?.int ?? 0
            let hi = q.max?.int ?? Int.max
            guard values.count == 1, first.count <= 9, let n = Int(first), (lo...hi).contains(n) else {
                return .failure(Refusal(message: .wholeNumber(min: lo, max: hi)))
            }
            return .success(.integer(n))
        case .money:
            let lo = q.min?.decimal ?? 0
            let hi = q.max?.decimal ?? Decimal(Int.max)
            do {
                let amount = try MoneyParser.parse(first)
                guard amount >= lo, amount <= hi else { return .failure(Refusal(message: .money(min: lo, max: hi))) }
                return .success(.money(amount))
            } catch .tooManyDecimals {
                return .failure(Refusal(message: .moneyDecimals))
            } catch {
                return .failure(Refusal(message: .money(min: lo, max: hi)))
            }
        case .text, .longText:
            // Stored as typed, less control characters nobody can see (NUL, escape, bell…: they
            // would go into every export); the limit counts code points, as the utf8mb4 column does.
            let text = Self.withoutControlCharacters(values[0], keepingLineBreaks: q.type == .longText)
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                return q.required ? .failure(Refusal(message: .required)) : .success(nil)
            }
            let limit = q.maxLength ?? 255
            guard text.unicodeScalars.count <= limit else { return .failure(Refusal(message: .tooLong(max: limit))) }
            return .success(.text(text))
        }
    }

    /// `text` without Unicode control characters (C0, DEL, C1): a tab becomes a space, and line
    /// breaks stay, as `\n`, where `keepingLineBreaks` (a multi-line answer).
    static func withoutControlCharacters(_ text: String, keepingLineBreaks: Bool) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard scalar.properties.generalCategory == .control else {
                scalars.append(scalar)
                continue
            }
            switch scalar {
            case "\t": scalars.append(" ")
            case "\n": scalars.append(keepingLineBreaks ? "\n" : " ")
            default: break  // "\r" of a CRLF pair too
            }
        }
        return String(scalars)
    }

    static func holds(_ condition: SurveyDefinition.Condition, in answers: [String: AnswerValue]) -> Bool {
        guard let answer = answers[condition.question] else { return false }
        switch answer {
        case .choice(let code):
            return condition.equals.map { $0 == code } ?? false
        case .integer(let n):
            if let atMost = condition.atMost, n > atMost { return false }
            if let atLeast = condition.atLeast, n < atLeast { return false }
            return condition.atMost != nil || condition.atLeast != nil
        default:
            return false
        }
    }

    private static func isEmpty(_ values: [String]?) -> Bool {
        (values ?? []).allSatisfy { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    }
}
