import Foundation

/// Turns a page of the survey definition, with what the respondent typed or saved and any
/// errors, into the values `survey-page.mustache` renders. Every question's markup follows its
/// type: radios and checkboxes in a fieldset with a legend, inputs with a label, hints and errors
/// tied to their field with `aria-describedby`.
///
/// Everything that depends only on the definition and the language (labels, options, income bands
/// in reais) is worked out once at start-up; a request adds only its values and errors. Every key
/// the template asks for is present (false when it does not apply), so Mustache finds each one in
/// the question itself instead of searching the enclosing contexts.
final class QuestionnaireView: @unchecked Sendable {  // immutable after init
    let survey: SurveyDefinition
    let catalog: MessageCatalog
    /// Language → question code → the question's fixed values.
    private let questions: [String: [String: [String: Any]]]

    init(survey: SurveyDefinition, catalog: MessageCatalog) {
        self.survey = survey
        self.catalog = catalog
        var questions: [String: [String: [String: Any]]] = [:]
        for language in catalog.languages {
            var byCode: [String: [String: Any]] = [:]
            for question in survey.questions {
                byCode[question.code] = Self.fixedValues(question, survey: survey, catalog: catalog, language: language)
            }
            questions[language] = byCode
        }
        self.questions = questions
    }

    /// `values`: the raw values per question code (as typed, or from the saved answers).
    /// `followUps`: conditional questions that just appeared; others show when their condition holds.
    func page(
        index: Int, language: String, values: [String: [String]], errors: [FieldError], previous: [String: AnswerValue],
        followUps: Set<String> = []
    ) -> [String: Any] {
        let page = survey.pages[index]
        var known = previous
        let validator = PageValidator(survey: survey)
        for question in page.questions where question.isCondition(of: page) {
            if case .success(let value?) = validator.parse(question, values[question.code] ?? []) {
                known[question.code] = value
            }
        }
        var presented: [String] = []
        var shown: [[String: Any]] = []
        for question in page.questions {
            if let condition = question.showWhen {
                guard PageValidator.holds(condition, in: known) else { continue }
                presented.append(question.code)
            }
            let error = errors.first { $0.code == question.code }.map { catalog.text($0.message, language) }
            shown.append(self.question(question, language: language, values: values[question.code] ?? [], error: error, isFollowUp: followUps.contains(question.code)))
        }
        let summary = errors.compactMap { error -> [String: Any]? in
            guard let question = survey.question(error.code) else { return nil }
            let label = question.type == .consent ? catalog.text("survey.consentHeading", language) : survey.fillingSettings(question.label[language])
            return ["code": error.code, "field": false, "label": label, "message": catalog.text(error.message, language)]
        }
        return [
            "pageID": page.id,
            "pageTitle": page.title[language],
            "pageNumber": index + 1,
            "pageCount": survey.pages.count,
            "progress": catalog.text("survey.progress", language, ["n": "\(index + 1)", "m": "\(survey.pages.count)"]),
            "questions": shown,
            "errors": summary,
            "hasErrors": !summary.isEmpty,
            "hasFollowUps": !followUps.isEmpty,
            "presented": presented.joined(separator: " "),
            "isFirst": index == 0,
            "isLast": index == survey.pages.count - 1,
            // The header's links and buttons submit this page's form, so what was typed is kept.
            "leaveForm": true,
            "notice": false,
            "nonce": false,
        ]
    }

    private func question(_ q: SurveyDefinition.Question, language: String, values: [String], error: String?, isFollowUp: Bool) -> [String: Any] {
        var view = questions[language]?[q.code] ?? questions[MessageCatalog.defaultLanguage]![q.code]!
        let id = "q-\(q.code)"
        var describedBy: [String] = []
        if q.hint != nil { describedBy.append("\(id)-hint") }
        if error != nil { describedBy.append("\(id)-error") }
        view["describedBy"] = describedBy.isEmpty ? false : describedBy.joined(separator: " ") as Any
        view["error"] = error ?? false as Any
        view["isFollowUp"] = isFollowUp
        view["value"] = values.first ?? ""
        switch q.type {
        case .consent:
            view["checked"] = !values.isEmpty
        case .single, .income, .multi:
            view["options"] = (view["options"] as? [[String: Any]] ?? []).map { option in
                var option = option
                option["checked"] = values.contains(option["value"] as? String ?? "")
                return option
            }
        case .scale:
            view["points"] = (view["points"] as? [[String: Any]] ?? []).map { point in
                var point = point
                point["checked"] = values.first == point["value"] as? String
                return point
            }
        case .integer, .money, .text, .longText:
            break
        }
        return view
    }

    /// What a question shows in `language` whatever was answered.
    private static func fixedValues(_ q: SurveyDefinition.Question, survey: SurveyDefinition, catalog: MessageCatalog, language: String) -> [String: Any] {
        let id = "q-\(q.code)"
        var view: [String: Any] = [
            "code": q.code, "id": id,
            "label": survey.fillingSettings(q.label[language]),
            "required": q.required,
            "optionalText": q.required ? "" : catalog.text("survey.optional", language),
            "text": q.text.map { survey.fillingSettings($0[language]) as Any } ?? false,
            "hint": q.hint.map { survey.fillingSettings($0[language]) as Any } ?? false,
            "isChoice": false, "isScale": false, "isConsent": false, "isNumber": false, "isMoney": false, "isText": false, "isLongText": false,
            "checked": false, "options": false, "points": false, "inputType": "", "min": 0, "max": 0, "minLabel": "", "maxLabel": "", "maxLength": 0,
        ]
        switch q.type {
        case .consent:
            view["isConsent"] = true
        case .single, .income, .multi:
            view["isChoice"] = true
            view["inputType"] = q.type == .multi ? "checkbox" : "radio"
            view["options"] = (q.options ?? []).map { option -> [String: Any] in
                var label = option.label[language]
                // A no-break space keeps "R$" with its amount when the line wraps.
                if q.type == .income, let amounts = incomeAmounts(option, survey: survey, catalog: catalog, language: language) {
                    label += " (\(amounts.replacingOccurrences(of: "R$ ", with: "R$\u{00A0}")))"
                }
                // The field's name and input type are repeated in each option so Mustache finds them there.
                return ["name": q.code, "inputType": q.type == .multi ? "checkbox" : "radio", "value": option.code,
                        "optionID": "\(id)-\(option.code)", "label": label, "checked": false]
            }
        case .integer:
            view["isNumber"] = true
            view["min"] = q.min?.int ?? 0
            view["max"] = q.max?.int ?? 0
        case .money:
            view["isMoney"] = true
        case .scale:
            view["isScale"] = true
            let lo = q.min?.int ?? 0
            let hi = q.max?.int ?? 10
            view["points"] = (lo...hi).map { n -> [String: Any] in ["name": q.code, "value": String(n), "optionID": "\(id)-\(n)", "checked": false] }
            view["minLabel"] = q.minLabel?[language] ?? ""
            view["maxLabel"] = q.maxLabel?[language] ?? ""
        case .text:
            view["isText"] = true
            view["maxLength"] = q.maxLength ?? 255
        case .longText:
            view["isLongText"] = true
            view["maxLength"] = q.maxLength ?? 2000
        }
        return view
    }

    /// An income band in reais, from the configured minimum wage: "de R$ 3.242,00 a R$ 6.484,00".
    private static func incomeAmounts(_ option: SurveyDefinition.Option, survey: SurveyDefinition, catalog: MessageCatalog, language: String) -> String? {
        let wage = survey.minimumWage
        let money = { (wages: Int) in BRL.format(wage * Decimal(wages), language: language) }
        switch (option.minWages, option.maxWages) {
        case (nil, let max?): return catalog.text("income.upTo", language, ["max": money(max)])
        case (let min?, let max?): return catalog.text("income.between", language, ["min": money(min), "max": money(max)])
        case (let min?, nil): return catalog.text("income.over", language, ["min": money(min)])
        case (nil, nil): return nil
        }
    }

    /// Saved answers as the form fields that would have produced them.
    static func formValues(_ answers: [String: AnswerValue], language: String) -> [String: [String]] {
        answers.mapValues { answer in
            switch answer {
            case .consent: ["yes"]
            case .choice(let code): [code]
            case .choices(let codes): codes
            case .integer(let n): [String(n)]
            case .money(let amount): [moneyText(amount, language: language)]
            case .text(let text): [text]
            }
        }
    }

    /// An amount as the respondent would type it: `1234,56` in Portuguese, `1234.56` in English.
    static func moneyText(_ amount: Decimal, language: String) -> String {
        var value = amount
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 2, .plain)
        let text = NSDecimalNumber(decimal: rounded).description(withLocale: Locale(identifier: "en_US_POSIX"))
        let parts = text.split(separator: ".")
        let cents = parts.count > 1 ? String(parts[1]).padding(toLength: 2, withPad: "0", startingAt: 0) : "00"
        return String(parts[0]) + (language.hasPrefix("en") ? "." : ",") + cents
    }
}
