import Testing
@testable import SurveyApp

@Suite("Chart formatting helpers")
struct ChartFormattingTests {
    @Test("XML escaping of the five special characters")
    func escape() {
        #expect(SVGMarkup.escape("a & b < c > d \" e ' f") == "a &amp; b &lt; c &gt; d &quot; e &apos; f")
        #expect(SVGMarkup.escape("&amp;") == "&amp;amp;")
        #expect(SVGMarkup.escape("ação 👍🏽\ttab\nline") == "ação 👍🏽\ttab\nline")
        #expect(SVGMarkup.escape("x\u{0}\u{8}\u{1F}\u{FFFE}y") == "xy")
    }

    @Test("coordinates have at most two decimals and no exponent", arguments: [
        (0.0, "0"), (3.1, "3.1"), (12.3456, "12.35"), (0.05, "0.05"),
        (-7.25, "-7.25"), (1e-7, "0"), (-0.001, "0"), (264.0, "264"), (Double.nan, "0"),
    ])
    func numbers(value: Double, expected: String) {
        #expect(SVGMarkup.number(value) == expected)
    }

    @Test("Brazilian-style grouping, fixed decimals and percentages")
    func numberFormat() {
        #expect(ChartNumberFormat.grouped(0) == "0")
        #expect(ChartNumberFormat.grouped(999) == "999")
        #expect(ChartNumberFormat.grouped(1000) == "1.000")
        #expect(ChartNumberFormat.grouped(1_234_567) == "1.234.567")
        #expect(ChartNumberFormat.grouped(-1234) == "-1.234")
        #expect(ChartNumberFormat.grouped(1234, separator: ",") == "1,234")
        #expect(ChartNumberFormat.fixed(1234.5, fractionDigits: 2) == "1.234,50")
        #expect(ChartNumberFormat.fixed(-0.04, fractionDigits: 1) == "0,0")
        #expect(ChartNumberFormat.fixed(-2.25, fractionDigits: 1) == "-2,3")
        #expect(ChartNumberFormat.percent(100 * 2 / 7.0) == "28,6%")
        #expect(ChartNumberFormat.percent(0) == "0,0%")
        #expect(ChartNumberFormat.percent(100) == "100,0%")
        #expect(ChartNumberFormat.bound(2.5) == "2,5")
        #expect(ChartNumberFormat.bound(1000) == "1.000")
        #expect(ChartNumberFormat.bound(0.125) == "0,13")
        #expect(ChartNumberFormat.bound(-1500) == "-1.500")
    }
}
