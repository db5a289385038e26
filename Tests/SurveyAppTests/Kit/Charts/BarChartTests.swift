import Testing
@testable import SurveyApp

@Suite("Bar chart")
struct BarChartTests {
    let chart = BarChart(
        id: "q7",
        title: "Qual marca você prefere?",
        items: [
            BarChartItem(label: "Marca A", count: 10),
            BarChartItem(label: "Marca B", count: 5),
            BarChartItem(label: "Nenhuma", count: 0),
            BarChartItem(label: "Marca C", count: 20),
        ],
        summary: "35 respostas."
    )

    @Test("well-formed, accessible and free of inline styles and scripts")
    func structure() throws {
        let svg = chart.svg()
        let elements = try SVGInspector.parse(svg)
        let root = try #require(elements.first)
        #expect(root.name == "svg")
        #expect(root.attributes["role"] == "img")
        #expect(root.attributes["aria-labelledby"] == "q7-title q7-desc")
        #expect(root.attributes["width"] == "100%")
        #expect(root.attributes["viewBox"]?.hasPrefix("0 0 400 ") == true)
        #expect(root.classes.contains("chart") && root.classes.contains("chart-bar"))
        #expect(elements.named("title").first?.attributes["id"] == "q7-title")
        #expect(elements.named("title").first?.text == "Qual marca você prefere?")
        #expect(elements.named("desc").first?.attributes["id"] == "q7-desc")
        #expect(!svg.contains("style"))
        #expect(!svg.contains("<script"))
        #expect(elements.allSatisfy { $0.attributes.keys.allSatisfy { !$0.hasPrefix("on") } })
    }

    @Test("desc summarises every category with count and percent")
    func description() throws {
        let desc = try #require(try SVGInspector.parse(chart.svg()).named("desc").first)
        #expect(desc.text == "35 respostas. Marca A: 10 (28,6%); Marca B: 5 (14,3%); Nenhuma: 0 (0,0%); Marca C: 20 (57,1%); Total: 35.")
    }

    @Test("bar widths are proportional to counts, longest bar fills the space")
    func proportionalBars() throws {
        let bars = try SVGInspector.parse(chart.svg()).named("rect", class: "bar")
        let widths = bars.compactMap { $0.number("width") }
        #expect(widths.count == 4)
        #expect(widths[3] == BarChart.maximumBarWidth)
        #expect(isClose(widths[0], BarChart.maximumBarWidth / 2, tolerance: 0.01))
        #expect(isClose(widths[1], BarChart.maximumBarWidth / 4, tolerance: 0.01))
        #expect(widths[2] == 0)
        // Rows do not overlap: each bar starts below the previous one.
        let ys = bars.compactMap { $0.number("y") }
        #expect(ys == ys.sorted() && Set(ys).count == ys.count)
    }

    @Test("labels and value texts are printed beside the bars")
    func texts() throws {
        let elements = try SVGInspector.parse(chart.svg())
        #expect(elements.named("text", class: "label").map(\.text) == ["Marca A", "Marca B", "Nenhuma", "Marca C"])
        #expect(elements.named("text", class: "value").map(\.text) == ["10 (28,6%)", "5 (14,3%)", "0 (0,0%)", "20 (57,1%)"])
        // Each value text starts just right of its bar.
        let bars = elements.named("rect", class: "bar")
        let values = elements.named("text", class: "value")
        for (bar, value) in zip(bars, values) {
            let barEnd = (bar.number("x") ?? 0) + (bar.number("width") ?? 0)
            #expect(isClose(value.number("x"), barEnd + 6, tolerance: 0.01))
        }
    }

    @Test("all text is escaped and round-trips through the XML parser")
    func escaping() throws {
        let nasty = "<b>Tom & \"Jerry's\"</b>"
        let svg = BarChart(id: "x\"y", title: "A & B < C", items: [BarChartItem(label: nasty, count: 3)], summary: "'quoted'").svg()
        #expect(svg.contains("&lt;b&gt;Tom &amp; &quot;Jerry&apos;s&quot;&lt;/b&gt;"))
        #expect(!svg.contains("<b>"))
        let elements = try SVGInspector.parse(svg)
        #expect(elements.named("text", class: "label").first?.text == nasty)
        #expect(elements.named("title").first?.text == "A & B < C")
        #expect(elements.first?.attributes["id"] == "x\"y")
        #expect(elements.named("desc").first?.text.hasPrefix("'quoted' ") == true)
    }

    @Test("control characters in labels cannot break the markup")
    func controlCharacters() throws {
        let svg = BarChart(id: "c", title: "t\u{0}", items: [BarChartItem(label: "a\u{1}b\u{1B}c\u{FFFF}", count: 1)]).svg()
        let elements = try SVGInspector.parse(svg)
        #expect(elements.named("text", class: "label").first?.text == "abc")
    }

    @Test("accents and emoji are kept")
    func unicode() throws {
        let svg = BarChart(id: "u", title: "Opinião 👍🏽", items: [BarChartItem(label: "Ótimo 😀 ação", count: 2)]).svg()
        let elements = try SVGInspector.parse(svg)
        #expect(elements.named("text", class: "label").first?.text == "Ótimo 😀 ação")
        #expect(elements.named("title").first?.text == "Opinião 👍🏽")
    }

    @Test("long labels are shortened in the drawing but complete in titles")
    func longLabels() throws {
        let label = String(repeating: "palavra ", count: 12) + "😀fim"
        let elements = try SVGInspector.parse(BarChart(id: "l", title: "t", items: [BarChartItem(label: label, count: 1)]).svg())
        let drawn = try #require(elements.named("text", class: "label").first?.text)
        #expect(drawn.count == BarChart.maximumLabelCharacters)
        #expect(drawn.hasSuffix("…"))
        #expect(elements.named("title").last?.text.hasPrefix(label) == true)
        #expect(elements.named("desc").first?.text.contains(label) == true)
        #expect(BarChart.truncated("curto") == "curto")
    }

    @Test("no items or only zero counts render a labelled no-data chart", arguments: [
        [BarChartItem](),
        [BarChartItem(label: "A", count: 0), BarChartItem(label: "B", count: 0)],
        [BarChartItem(label: "A", count: -3)],
    ])
    func noData(items: [BarChartItem]) throws {
        let svg = BarChart(id: "e", title: "Sem respostas ainda", items: items, emptyMessage: "Nenhuma resposta").svg()
        let elements = try SVGInspector.parse(svg)
        #expect(elements.first?.classes.contains("chart-empty") == true)
        #expect(elements.first?.attributes["role"] == "img")
        #expect(elements.named("text", class: "empty").first?.text == "Nenhuma resposta")
        #expect(elements.named("desc").first?.text == "Nenhuma resposta")
        #expect(elements.named("rect").isEmpty)
    }

    @Test("custom formatters are used")
    func formatters() throws {
        let custom = BarChart(
            id: "f", title: "t",
            items: [BarChartItem(label: "a", count: 1234), BarChartItem(label: "b", count: 766)],
            formatCount: { "n=\($0)" },
            formatPercent: { ChartNumberFormat.percent($0, fractionDigits: 0, decimalSeparator: ".") }
        )
        let values = try SVGInspector.parse(custom.svg()).named("text", class: "value").map(\.text)
        #expect(values == ["n=1234 (62%)", "n=766 (38%)"])
        #expect(try SVGInspector.parse(chart.svg()).named("text", class: "value").first?.text == "10 (28,6%)")
        let grouped = BarChart(id: "g", title: "t", items: [BarChartItem(label: "a", count: 12_345)]).svg()
        #expect(grouped.contains(">12.345 (100,0%)<"))
    }
}
