import Testing
@testable import SurveyApp

@Suite("Histogram")
struct HistogramTests {
    /// Monthly spend in R$ 1.000 buckets, one of them empty.
    let histogram = Histogram(
        id: "gasto",
        title: "Gasto mensal",
        buckets: [
            Bucket(lower: 0, width: 1000, count: 5),
            Bucket(lower: 1000, width: 1000, count: 10),
            Bucket(lower: 2000, width: 1000, count: 0),
            Bucket(lower: 3000, width: 1000, count: 2),
        ],
        formatBound: { "R$ " + ChartNumberFormat.grouped(Int($0)) }
    )

    @Test("well-formed and accessible")
    func structure() throws {
        let svg = histogram.svg()
        let elements = try SVGInspector.parse(svg)
        let root = try #require(elements.first)
        #expect(root.attributes["role"] == "img")
        #expect(root.attributes["aria-labelledby"] == "gasto-title gasto-desc")
        #expect(root.classes.contains("chart-histogram"))
        #expect(!svg.contains("style"))
        #expect(elements.named("line", class: "axis").count == 1)
        #expect(elements.named("desc").first?.text
            == "R$ 0–R$ 1.000: 5; R$ 1.000–R$ 2.000: 10; R$ 2.000–R$ 3.000: 0; R$ 3.000–R$ 4.000: 2; Total: 17.")
    }

    @Test("bar heights are proportional to counts and bars share a baseline")
    func proportionalHeights() throws {
        let bars = try SVGInspector.parse(histogram.svg()).named("rect", class: "bar")
        let heights = bars.compactMap { $0.number("height") }
        #expect(heights == [80, 160, 0, 32])
        let bottoms = bars.map { ($0.number("y") ?? 0) + ($0.number("height") ?? 0) }
        #expect(Set(bottoms).count == 1)
        // Equal-width buckets give equal-width bars, left to right.
        let widths = bars.compactMap { $0.number("width") }
        #expect(Set(widths).count == 1)
        let xs = bars.compactMap { $0.number("x") }
        #expect(xs == xs.sorted())
    }

    @Test("axis labels show the formatted bounds, escaped")
    func axisLabels() throws {
        let elements = try SVGInspector.parse(histogram.svg())
        let labels = elements.named("text", class: "tick-label").map(\.text)
        #expect(labels.first == "R$ 0")
        #expect(labels.allSatisfy { $0.hasPrefix("R$ ") })
        #expect(labels.count >= 2)
        #expect(elements.named("text", class: "value").map(\.text) == ["5", "10", "0", "2"])

        let escaped = Histogram(id: "h", title: "t", buckets: [Bucket(lower: 0, upper: 1, count: 1)], formatBound: { "<\($0)&>" }).svg()
        let ticks = try SVGInspector.parse(escaped).named("text", class: "tick-label").map(\.text)
        #expect(ticks == ["<0.0&>", "<1.0&>"])
    }

    @Test("crowded bounds are thinned so labels do not overlap")
    func thinning() throws {
        let buckets = (0..<40).map { Bucket(lower: Double($0) * 250, width: 250, count: $0 % 7 + 100) }
        let elements = try SVGInspector.parse(Histogram(id: "t", title: "t", buckets: buckets).svg())
        let ticks = elements.named("text", class: "tick-label")
        #expect(ticks.count >= 2 && ticks.count < 41)
        let extents = Self.extents(of: ticks)
        for (left, right) in zip(extents, extents.dropFirst()) {
            #expect(left.upperBound + 8 <= right.lowerBound)
        }
        // Both ends of the axis are labelled and stay inside the 400-unit viewBox.
        #expect(ticks.first?.text == "0")
        #expect(ticks.last?.text == "10.000")
        #expect(extents.allSatisfy { $0.lowerBound >= 0 && $0.upperBound <= 400 })
        // Narrow bars have no room for their counts; the desc still lists them.
        #expect(elements.named("text", class: "value").isEmpty)
        #expect(elements.named("desc").first?.text.contains("9.750–10.000: 104") == true)
    }

    @Test("gaps between buckets are kept on the axis")
    func gaps() throws {
        let svg = Histogram(id: "g", title: "t", buckets: [Bucket(lower: 0, upper: 10, count: 1), Bucket(lower: 20, upper: 30, count: 1)]).svg()
        let bars = try SVGInspector.parse(svg).named("rect", class: "bar")
        let secondX = try #require(bars.last?.number("x"))
        // The axis runs 8…392, so x = 20 sits two thirds along.
        #expect(isClose(secondX, 8 + 384 * 2 / 3 + 0.5, tolerance: 0.01))
    }

    /// Estimated horizontal extent of each tick label, given its anchor.
    static func extents(of ticks: [SVGInspector.Element]) -> [ClosedRange<Double>] {
        ticks.map { tick in
            let x = tick.number("x") ?? 0
            let width = SVGMarkup.estimatedWidth(of: tick.text, fontSize: 14)
            switch tick.attributes["text-anchor"] {
            case "start": return x...(x + width)
            case "end": return (x - width)...x
            default: return (x - width / 2)...(x + width / 2)
            }
        }
    }

    @Test("tick labels never collide, whatever the bucket count", arguments: Array(1...40))
    func noCollisions(bucketCount: Int) throws {
        let buckets = (0..<bucketCount).map { Bucket(lower: Double($0) * 500, width: 500, count: 1) }
        let svg = Histogram(id: "c", title: "t", buckets: buckets, formatBound: { "R$ " + ChartNumberFormat.grouped(Int($0)) }).svg()
        let ticks = try SVGInspector.parse(svg).named("text", class: "tick-label")
        let extents = Self.extents(of: ticks)
        #expect(ticks.count >= 2)
        #expect(ticks.first?.text == "R$ 0")
        for (left, right) in zip(extents, extents.dropFirst()) {
            #expect(left.upperBound + 8 <= right.lowerBound)
        }
        #expect(extents.allSatisfy { $0.lowerBound >= 0 && $0.upperBound <= 400 })
    }

    /// Counts go above every bar or above none: with many narrow bars, labels on the short ones
    /// only ran together ("88965696543127") while the tall ones had none.
    @Test("count labels are on every bar or on none, and never collide", arguments: [5, 12, 50])
    func countLabels(bucketCount: Int) throws {
        let buckets = (0..<bucketCount).map { Bucket(lower: Double($0) * 100, width: 100, count: $0 % 3 == 0 ? 605 : 8) }
        let elements = try SVGInspector.parse(Histogram(id: "v", title: "t", buckets: buckets).svg())
        let values = elements.named("text", class: "value")
        #expect(values.isEmpty || values.count == bucketCount)
        let xs = values.compactMap { $0.attributes["x"].flatMap(Double.init) }
        for (left, right) in zip(xs, xs.dropFirst()) {
            #expect(right - left >= 3 * 7.5, "labels \(left) and \(right) would run together")
        }
        if bucketCount <= 12 { #expect(values.count == bucketCount) }
        if bucketCount == 50 { #expect(values.isEmpty) }
    }

    @Test("no buckets, only zero counts, or only invalid buckets render no data", arguments: [
        [Bucket](),
        [Bucket(lower: 0, upper: 1, count: 0)],
        [Bucket(lower: 1, upper: 1, count: 5), Bucket(lower: .nan, upper: 2, count: 3)],
    ])
    func noData(buckets: [Bucket]) throws {
        let elements = try SVGInspector.parse(Histogram(id: "n", title: "Renda", buckets: buckets).svg())
        #expect(elements.first?.classes.contains("chart-empty") == true)
        #expect(elements.named("text", class: "empty").first?.text == "Sem dados")
        #expect(elements.named("title").first?.text == "Renda")
        #expect(elements.named("rect").isEmpty)
    }
}
