import Foundation

/// Turns a page of the survey definition, with what the respondent typed or saved and any
/// errors, into the values `survey-page.mustache` renders. Every question's markup follows its
/// type: radios and checkboxes in a fieldset with a legend, inputs with a label, hints and errors
/// tied to their field with `aria-describedby`.
struct QuestionnaireView {
    let survey: SurveyDefinition
    let catalog: MessageCatalog
    let language: String

    /// `values`: the raw values per question code (as typed, or from the saved answers).
    /// `shown`: conditional questions to show; others are shown when their condition holds.
    func page(
        index: Int, values: [String: [String]], errors: [FieldError], previous: [String: AnswerValue], followUps: Set<String> = []
    ) -> [String: Any] {
        let page = survey.pages[index]
        var known = previous
        for question in page.questions {
            if case .success(let value?) = PageValidator(survey: survey).parse(question, values[question.code] ?? []) {
                known[question.code] = value
            }
        }
        var presented: [String] = []
        var questions: [[String: Any]] = []
        for question in page.questions {
            if let condition = question.showWhen {
                guard PageValidator.holds(condition, in: known) else { continue }
                presented.append(question.code)
            }
            let error = errors.first { $0.code == question.code }.map { catalog.text($0.message, language) }
            questions.append(self.question(question, values: values[question.code] ?? [], error: error, isFollowUp: followUps.contains(question.code)))
        }
        let summary = errors.compactMap { error -> [String: Any]? in
            guard let question = survey.question(error.code) else { return nil }
            let label = question.type == .consent ? catalog.text("survey.consentHeading", language) : survey.fillingSettings(question.label[language])
            return ["code": error.code, "label": label, "message": catalog.text(error.message, language)]
        }
        return [
            "pageID": page.id,
            "pageTitle": page.title[language],
            "pageNumber": index + 1,
            "pageCount": survey.pages.count,
            "progress": catalog.text("survey.progress", language, ["n": "\(index + 1)", "m": "\(survey.pages.count)"]),
            "questions": questions,
            "errors": summary,
            "hasErrors": !summary.isEmpty,
            "hasFollowUps": !followUps.isEmpty,
            "presented": presented.joined(separator: " "),
            "isFirst": index == 0,
            "isLast": index == survey.pages.count - 1,
            "previousHref": index > 0 ? "/survey/\(survey.pages[index - 1].id)" : "",
        ]
    }

    private func question(_ q: SurveyDefinition.Question, values: [String], error: String?, isFollowUp: Bool) -> [String: Any] {
        let id = "q-\(q.code)"
        var describedBy: [String] = []
        if q.hint != nil { describedBy.append("\(id)-hint") }
        if error != nil { describedBy.append("\(id)-error") }
        var view: [String: Any] = [
            "code": q.code, "id": id,
            "label": survey.fillingSettings(q.label[language]),
            "required": q.required,
            "optionalText": q.required ? "" : catalog.text("survey.optional", language),
            "describedBy": describedBy.joined(separator: " "),
            "isFollowUp": isFollowUp,
            "value": values.first ?? "",
        ]
        if let text = q.text { view["text"] = survey.fillingSettings(text[language]) }
        if let hint = q.hint { view["hint"] = survey.fillingSettings(hint[language]) }
        if let error { view["error"] = error }
        switch q.type {
        case .consent:
            view["isConsent"] = true
            view["checked"] = !values.isEmpty
        case .single, .income:
            view["isChoice"] = true
            view["inputType"] = "radio"
            view["options"] = options(q, chosen: values, id: id)
        case .multi:
            view["isChoice"] = true
            view["inputType"] = "checkbox"
            view["options"] = options(q, chosen: values, id: id)
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
            view["points"] = (lo...hi).map { n in
                ["value": n, "optionID": "\(id)-\(n)", "checked": values.first == String(n)] as [String: Any]
            }
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

    private func options(_ q: SurveyDefinition.Question, chosen: [String], id: String) -> [[String: Any]] {
        (q.options ?? []).map { option in
            var label = option.label[language]
            // A no-break space keeps "R$" with its amount when the line wraps.
            if q.type == .income, let amounts = incomeAmounts(option) { label += " (\(amounts.replacingOccurrences(of: "R$ ", with: "R$\u{00A0}")))" }
            return ["value": option.code, "optionID": "\(id)-\(option.code)", "label": label, "checked": chosen.contains(option.code)]
        }
    }

    /// An income band in reais, from the configured minimum wage: "de R$ 3.242,00 a R$ 6.484,00".
    private func incomeAmounts(_ option: SurveyDefinition.Option) -> String? {
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
