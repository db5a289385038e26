import Foundation
import Hummingbird
import Logging

/// The researchers' pages: the dashboard, cross-tabs and the viability report. Every figure comes
/// from SQL aggregates (`ResearchQueries`); the charts are inline SVG, so nothing needs script.
struct ResearchController {
    let renderer: PageRenderer
    let survey: SurveyDefinition
    let queries: ResearchQueries
    let viability: ViabilitySettings

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/research", use: dashboard)
        router.get("/research/crosstab", use: crossTab)
        router.get("/research/viability", use: viabilityReport)
    }

    // MARK: Dashboard

    @Sendable func dashboard(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = context.language
        let (filters, refused) = ResearchFilters.parse(request, survey: survey)
        async let summaryResult = queries.summary(filters)
        async let talliesResult = queries.tallies(filters)
        let (summary, tallies) = try await (summaryResult, talliesResult)
        let catalog = renderer.catalog

        var values = filterValues(filters, refused: refused, language: language)
        values["started"] = NumberText.integer(summary.started, language: language)
        values["completed"] = NumberText.integer(summary.completed, language: language)
        values["today"] = NumberText.integer(summary.completedToday, language: language)
        values["completionRate"] = summary.completionRate.map { NumberText.percent($0, language: language) } ?? "—"
        let durations = BucketedDistribution(buckets: Self.durationBuckets(tallies[ResponseCounts.durationQuestion] ?? [:]))
        values["medianDuration"] = durations.median.map { NumberText.duration(seconds: $0) } ?? "—"

        var sections: [[String: Any]] = []
        for question in survey.questions {
            guard let section = questionSection(question, tallies[question.code] ?? [:], respondents: summary.completed, language: language) else { continue }
            sections.append(section)
        }
        values["questions"] = sections
        values["hasData"] = summary.completed > 0
        values["exportQuery"] = filters.queryString
        values["noDataMessage"] = catalog.text("research.noData", language)
        return try renderer.render("research", titleKey: "research.title", request: request, context: context, values: values)
    }

    private func questionSection(_ question: SurveyDefinition.Question, _ tally: [String: ResearchQueries.Tally], respondents: Int, language: String) -> [String: Any]? {
        let catalog = renderer.catalog
        let title = survey.fillingSettings(question.label[language])
        let id = "chart-\(question.code)"
        let noData = catalog.text("research.noData", language)
        let answered = tally.values.reduce(0) { $0 + $1.n }
        var section: [String: Any] = ["code": question.code, "title": title, "stats": false, "note": false]
        switch question.type {
        case .single, .income, .multi:
            let items = (question.options ?? []).map { BarChartItem(label: $0.label[language], count: tally[$0.code]?.n ?? 0) }
            section["chart"] = BarChart(
                id: id, title: title, items: items, emptyMessage: noData,
                formatCount: { NumberText.integer($0, language: language) },
                formatPercent: { NumberText.percent($0 / 100, language: language) }
            ).svg()
            if question.type == .multi {
                section["note"] = catalog.text("research.multiNote", language, ["n": NumberText.integer(respondents, language: language)])
            }
            section["n"] = NumberText.integer(question.type == .multi ? respondents : answered, language: language)
        case .scale:
            let lo = question.min?.int ?? 0
            let hi = question.max?.int ?? 10
            let items = (lo...hi).map { BarChartItem(label: "\($0)", count: tally["\($0)"]?.n ?? 0) }
            section["chart"] = BarChart(
                id: id, title: title, items: items, emptyMessage: noData,
                formatCount: { NumberText.integer($0, language: language) },
                formatPercent: { NumberText.percent($0 / 100, language: language) }
            ).svg()
            section["stats"] = numericStats(Distribution(tally.compactMap { key, t in Double(key).map { (value: $0, count: t.n) } }), money: false, language: language)
            section["n"] = NumberText.integer(answered, language: language)
        case .integer:
            let pairs = tally.compactMap { key, t in Double(key).map { (value: $0, count: t.n) } }
            let buckets = pairs.sorted { $0.value < $1.value }.map { Bucket(lower: $0.value, width: 1, count: $0.count) }
            section["chart"] = Histogram(
                id: id, title: title, buckets: buckets, emptyMessage: noData,
                formatBound: { NumberText.format($0, decimals: 0, language: language) },
                formatCount: { NumberText.integer($0, language: language) }
            ).svg()
            section["stats"] = numericStats(Distribution(pairs), money: false, language: language)
            section["n"] = NumberText.integer(answered, language: language)
        case .money:
            let width = NSDecimalNumber(decimal: ResponseCounts.moneyBucket).doubleValue
            let buckets = Self.moneyBuckets(tally, width: width)
            section["chart"] = Histogram(
                id: id, title: title, buckets: buckets, emptyMessage: noData,
                formatBound: { NumberText.reais($0, language: language) },
                formatCount: { NumberText.integer($0, language: language) }
            ).svg()
            // Mean and its interval are exact (sums); quartiles come from R$ 100 buckets.
            let total = tally.values.reduce(Decimal(0)) { $0 + $1.total }
            let squares = tally.values.reduce(Decimal(0)) { $0 + $1.totalSquares }
            let moments = Distribution(n: answered, sum: total.doubleValue, sumOfSquares: squares.doubleValue, exactSum: total)
            var stats = numericStats(moments, money: true, language: language)
            let bucketed = BucketedDistribution(buckets: buckets)
            if let quartiles = bucketed.quartiles, answered > 0 {
                stats["q1"] = NumberText.reais(quartiles.q1, language: language)
                stats["median"] = NumberText.reais(quartiles.median, language: language)
                stats["q3"] = NumberText.reais(quartiles.q3, language: language)
            }
            section["stats"] = stats
            section["note"] = catalog.text("research.moneyNote", language)
            section["n"] = NumberText.integer(answered, language: language)
        case .consent, .text, .longText:
            return nil
        }
        return section
    }

    private func numericStats(_ distribution: Distribution, money: Bool, language: String) -> [String: Any] {
        let text = { (value: Double?) -> String in
            guard let value else { return "—" }
            return money ? NumberText.reais(value, language: language, decimals: 2) : NumberText.format(value, decimals: 2, language: language)
        }
        let interval = distribution.confidenceInterval()
        return [
            "mean": text(distribution.mean),
            "ci": interval.map { "\(text($0.lower)) – \(text($0.upper))" } ?? "—",
            "median": text(distribution.n > 0 && !distribution.valueCounts.isEmpty ? distribution.median : nil),
            "q1": text(distribution.n > 0 && !distribution.valueCounts.isEmpty ? distribution.quartiles?.q1 : nil),
            "q3": text(distribution.n > 0 && !distribution.valueCounts.isEmpty ? distribution.quartiles?.q3 : nil),
        ]
    }

    static func moneyBuckets(_ tally: [String: ResearchQueries.Tally], width: Double) -> [Bucket] {
        tally.compactMap { key, t in Double(key).map { Bucket(lower: $0, width: width, count: t.n) } }.sorted { $0.lower < $1.lower }
    }

    /// `_duration` answers are bucket lower bounds: 15 s wide below 30 min, 5 min below 6 h.
    static func durationBuckets(_ tally: [String: ResearchQueries.Tally]) -> [Bucket] {
        tally.compactMap { key, t -> Bucket? in
            guard let lower = Double(key) else { return nil }
            let width: Double = lower < 1800 ? 15 : (lower < 21600 ? 300 : 3600)
            return Bucket(lower: lower, width: width, count: t.n)
        }.sorted { $0.lower < $1.lower }
    }

    /// A filter parameter as the form labels it.
    private func filterLabel(_ name: String, _ language: String) -> String {
        let keys = ["from": "research.from", "to": "research.to", "district": "research.district", "income_band": "research.income",
                    "rows": "crosstab.rows", "columns": "crosstab.columns"]
        return keys[name].map { "“\(renderer.catalog.text($0, language))”" } ?? name
    }

    /// The filter form's values: what is applied, and the choices.
    func filterValues(_ filters: ResearchFilters, refused: [String], language: String) -> [String: Any] {
        func choices(_ code: String, _ selected: String?) -> [[String: Any]] {
            (survey.question(code)?.options ?? []).map { ["value": $0.code, "label": $0.label[language], "selected": $0.code == selected] }
        }
        return [
            "from": filters.from ?? "", "to": filters.to ?? "",
            "districts": choices("district", filters.district), "incomeBands": choices("income_band", filters.incomeBand),
            "filtered": !filters.isEmpty,
            "filterQuery": filters.queryString,
            "refused": refused.isEmpty ? false : renderer.catalog.text("research.filterRefused", language, ["names": refused.map { filterLabel($0, language) }.joined(separator: ", ")]) as Any,
        ]
    }

    // MARK: Cross-tab

    @Sendable func crossTab(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = context.language
        let catalog = renderer.catalog
        var (filters, refused) = ResearchFilters.parse(request, survey: survey)
        let candidates = queries.crossTabQuestions
        // A question that cannot be crossed (unknown, free text, multi-select) is named, and the
        // default shown instead.
        func question(_ name: String, default code: String, or index: Int) -> SurveyDefinition.Question {
            let fallback = candidates.first { $0.code == code } ?? candidates[index]
            guard let asked = request.uri.queryParameters[Substring(name)].map(String.init), !asked.isEmpty else { return fallback }
            if let found = candidates.first(where: { $0.code == asked }) { return found }
            refused.append(name)
            return fallback
        }
        let rowCode = question("rows", default: "income_band", or: 0)
        let columnCode = question("columns", default: "likelihood_new_store", or: 1)
        var values = filterValues(filters, refused: refused, language: language)
        values["sameQuestion"] = rowCode.code == columnCode.code
        values["questionsForRows"] = candidates.map { ["value": $0.code, "label": $0.label[language], "selected": $0.code == rowCode.code] as [String: Any] }
        values["questionsForColumns"] = candidates.map { ["value": $0.code, "label": $0.label[language], "selected": $0.code == columnCode.code] as [String: Any] }
        values["rowTitle"] = rowCode.label[language]
        values["columnTitle"] = columnCode.label[language]

        let counts = try await queries.crossTab(rows: rowCode.code, columns: columnCode.code, filters)
        let rowAnswers = answers(of: rowCode, language: language)
        let columnAnswers = answers(of: columnCode, language: language)
        let table = CrossTab(rowLabels: rowAnswers.map(\.code), columnLabels: columnAnswers.map(\.code), counts: counts)
        let format = { (fraction: Double?) in fraction.map { NumberText.percent($0 / 100, language: language) } ?? "—" }
        values["columns"] = columnAnswers.map { ["label": $0.label] }
        values["rows"] = rowAnswers.enumerated().map { r, answer -> [String: Any] in
            [
                "label": answer.label,
                "cells": columnAnswers.indices.map { c -> [String: Any] in
                    [
                        "count": NumberText.integer(table.counts[r][c], language: language),
                        "rowPercent": format(table.rowPercentage(row: r, column: c)),
                        "columnPercent": format(table.columnPercentage(row: r, column: c)),
                    ]
                },
                "total": NumberText.integer(table.rowTotals[r], language: language),
            ]
        }
        values["columnTotals"] = table.columnTotals.map { ["count": NumberText.integer($0, language: language)] }
        values["grandTotal"] = NumberText.integer(table.grandTotal, language: language)
        values["hasData"] = table.grandTotal > 0
        if rowCode.code != columnCode.code, let test = try? table.chiSquareTest() {
            values["chiSquare"] = [
                "statistic": NumberText.format(test.statistic, decimals: 2, language: language),
                "df": test.degreesOfFreedom,
                "p": test.pValue < 0.0001 ? "< " + NumberText.format(0.0001, decimals: 4, language: language) : NumberText.format(test.pValue, decimals: 4, language: language),
                "cramersV": NumberText.format(test.cramersV, decimals: 3, language: language),
                "significant": test.pValue < 0.05,
                "lowExpected": test.hasLowExpectedCounts ? catalog.text("crosstab.lowExpected", language, ["cells": "\(test.cellsWithLowExpectedCount)"]) as Any : false,
            ] as [String: Any]
        } else {
            values["chiSquare"] = false
        }
        return try renderer.render("crosstab", titleKey: "crosstab.title", request: request, context: context, values: values)
    }

    private func answers(of question: SurveyDefinition.Question, language: String) -> [(code: String, label: String)] {
        if question.type == .scale {
            return ((question.min?.int ?? 0)...(question.max?.int ?? 10)).map { ("\($0)", "\($0)") }
        }
        return (question.options ?? []).map { ($0.code, $0.label[language]) }
    }
}

extension ResearchController {
    @Sendable func viabilityReport(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = context.language
        let catalog = renderer.catalog
        let (filters, refused) = ResearchFilters.parse(request, survey: survey)
        // The assumptions come from the environment and can be changed on the page.
        // A value that cannot be used is named, with what it should be, and stays in its field;
        // the report then uses the configured value instead.
        var settings = viability
        var problems: [String] = []
        var typed: [String: String] = [:]
        let query = request.uri.queryParameters
        // A form sent by GET writes a typed space as `+` (`20 000` → `20+000`).
        if let text = query["households"].map({ String($0).replacingOccurrences(of: "+", with: " ").trimmingCharacters(in: .whitespaces) }), !text.isEmpty {
            typed["households"] = text
            if let n = NumberText.wholeNumber(text), n > 0, n <= 100_000_000 {
                settings.households = n
            } else {
                problems.append(catalog.text("viability.refused.households", language, ["label": catalog.text("viability.households", language)]))
            }
        }
        for (name, keyPath) in [("pessimistic", \ViabilitySettings.pessimistic), ("base", \ViabilitySettings.base), ("optimistic", \ViabilitySettings.optimistic)] {
            guard let text = query[Substring(name)].map({ String($0).trimmingCharacters(in: .whitespaces) }), !text.isEmpty else { continue }
            typed[name] = text
            if let percent = NumberText.decimalNumber(text), (0...100).contains(percent) {
                settings[keyPath: keyPath] = percent / 100
            } else {
                problems.append(catalog.text("viability.refused.rate", language, ["label": catalog.text("viability." + name, language)]))
            }
        }
        if !(settings.pessimistic <= settings.base && settings.base <= settings.optimistic) {
            problems.append(catalog.text("viability.refused.order", language))
            (settings.pessimistic, settings.base, settings.optimistic) = (viability.pessimistic, viability.base, viability.optimistic)
        }

        async let overallResult = queries.tallies(filters)
        async let byDistrictResult = queries.talliesByGroup(filters, groupedBy: "district")
        async let byIncomeResult = queries.talliesByGroup(filters, groupedBy: "income_band")
        let (overall, byDistrict, byIncome) = try await (overallResult, byDistrictResult, byIncomeResult)

        let report = ViabilityReport(settings: settings)
        let spendCode = ResponseCounts.spendQuestion
        let likelyCode = ResponseCounts.likelySpendQuestion
        let households = Double(settings.households)
        let all = report.figures(spend: overall[spendCode] ?? [:], likely: overall[likelyCode] ?? [:], households: households)
        let money = { (value: Double?) in value.map { NumberText.reais($0, language: language) } ?? "—" }

        func rows(_ groups: [String: [String: [String: ResearchQueries.Tally]]], question: String) -> [[String: Any]] {
            (survey.question(question)?.options ?? []).compactMap { option -> [String: Any]? in
                let group = groups[option.code] ?? [:]
                let n = (group[spendCode] ?? [:]).values.reduce(0) { $0 + $1.n }
                guard n > 0 else { return nil }
                let share = all.respondents > 0 ? Double(n) / Double(all.respondents) : 0
                let figures = report.figures(spend: group[spendCode] ?? [:], likely: group[likelyCode] ?? [:], households: households * share)
                return [
                    "label": option.label[language], "n": NumberText.integer(n, language: language),
                    "small": n < ViabilityReport.minimumPerGroup,
                    "households": NumberText.format(figures.households, decimals: 0, language: language),
                    "meanSpend": money(figures.meanSpend), "market": money(figures.market),
                    "likelyShare": figures.likelyShare.map { NumberText.percent($0, language: language) } ?? "—",
                    "revenue": figures.revenue.map { ["value": money($0)] },
                ]
            }
        }

        var values = filterValues(filters, refused: refused, language: language)
        values["assumptionsRefused"] = problems.isEmpty ? false : catalog.text("viability.refused", language, ["problems": problems.joined(separator: "; ")]) as Any
        values["households"] = typed["households"] ?? String(settings.households)
        values["pessimistic"] = typed["pessimistic"] ?? NumberText.format(settings.pessimistic * 100, decimals: 1, language: language)
        values["base"] = typed["base"] ?? NumberText.format(settings.base * 100, decimals: 1, language: language)
        values["optimistic"] = typed["optimistic"] ?? NumberText.format(settings.optimistic * 100, decimals: 1, language: language)
        values["respondents"] = NumberText.integer(all.respondents, language: language)
        values["tooSmall"] = all.respondents < ViabilityReport.minimumOverall
            ? catalog.text("viability.tooSmall", language, ["n": "\(all.respondents)", "min": "\(ViabilityReport.minimumOverall)"]) as Any : false
        values["smallGroupNote"] = catalog.text("viability.smallGroup", language, ["min": "\(ViabilityReport.minimumPerGroup)"])
        values["meanSpend"] = money(all.meanSpend)
        values["market"] = money(all.market)
        values["marketInterval"] = "\(money(all.marketLow)) – \(money(all.marketHigh))"
        values["likelyShare"] = all.likelyShare.map { NumberText.percent($0, language: language) } ?? "—"
        values["likelySpend"] = money(all.likelySpend)
        values["scenarios"] = zip(["viability.pessimistic", "viability.base", "viability.optimistic"], zip([settings.pessimistic, settings.base, settings.optimistic], all.revenue)).map {
            ["name": catalog.text($0.0, language), "rate": NumberText.percent($0.1.0, language: language), "revenue": money($0.1.1)] as [String: Any]
        }
        values["districts"] = rows(byDistrict, question: "district")
        values["incomeBands"] = rows(byIncome, question: "income_band")
        values["hasData"] = all.respondents > 0
        return try renderer.render("viability", titleKey: "viability.title", request: request, context: context, values: values)
    }
}

extension Decimal {
    var doubleValue: Double { NSDecimalNumber(decimal: self).doubleValue }
}
