/// A horizontal bar chart of a categorical distribution as inline SVG.
///
/// Each category takes two lines: its label, then a bar with "count (percent)"
/// beside it. Putting the label above the bar (rather than to its left) leaves
/// the full width for both, which is what keeps long option texts legible on a
/// phone. Bar lengths are proportional to counts, the longest bar filling the
/// space; percentages are of the total of all items.
///
/// The chart is drawn in a 400-unit-wide viewBox scaled to 100% of its
/// container, so 14-unit text renders at about 12–13 px on a 360 px phone.
/// Style it with CSS: `.chart .bar`, `.chart .label`, `.chart .value`,
/// `.chart .empty` (e.g. `.chart { max-width: 40rem }`, `.chart .bar { fill: … }`).
struct BarChart {
    /// Element id, unique in the page; `-title` and `-desc` are appended for
    /// the accessible name and description.
    var id: String
    /// Accessible title (also the browser tooltip).
    var title: String
    /// Categories in display order.
    var items: [BarChartItem]
    /// Optional sentence put before the generated data listing in `<desc>`.
    var summary: String?
    /// Text shown when there is nothing to draw.
    var emptyMessage: String
    /// Formats counts, default `1.234`.
    var formatCount: (Int) -> String
    /// Formats percentages (0–100), default `45,6%`.
    var formatPercent: (Double) -> String

    /// Width of the viewBox in user units.
    static let width = 400.0
    private static let padding = 8.0
    private static let fontSize = 14.0
    private static let labelHeight = 18.0
    private static let barGap = 4.0
    private static let barHeight = 18.0
    private static let rowGap = 12.0
    /// Room kept right of the longest bar for "12.345 (100,0%)".
    private static let valueReserve = 124.0
    /// Longer labels are cut with "…" in the drawing (the full text stays in the
    /// row's `<title>` and in `<desc>`), since SVG text does not wrap.
    static let maximumLabelCharacters = 48

    /// Width the longest bar gets.
    static var maximumBarWidth: Double { width - 2 * padding - valueReserve }

    /// Creates a chart; nothing is rendered until `svg()`.
    init(
        id: String,
        title: String,
        items: [BarChartItem],
        summary: String? = nil,
        emptyMessage: String = "Sem dados",
        formatCount: @escaping (Int) -> String = { ChartNumberFormat.grouped($0) },
        formatPercent: @escaping (Double) -> String = { ChartNumberFormat.percent($0) }
    ) {
        self.id = id
        self.title = title
        self.items = items
        self.summary = summary
        self.emptyMessage = emptyMessage
        self.formatCount = formatCount
        self.formatPercent = formatPercent
    }

    /// The chart as an SVG element string, ready to embed in HTML.
    ///
    /// With no items, or only zero counts, a small "no data" chart is returned
    /// instead, so the page layout does not need a special case.
    func svg() -> String {
        let counts = items.map { max(0, $0.count) }
        let total = counts.reduce(0, +)
        guard total > 0, let largest = counts.max() else {
            return SVGMarkup.emptyChart(id: id, cssClass: "chart-bar", width: Self.width, title: title, message: emptyMessage)
        }

        let rowHeight = Self.labelHeight + Self.barGap + Self.barHeight + Self.rowGap
        let height = 2 * Self.padding + Double(items.count) * rowHeight - Self.rowGap
        var valueTexts: [String] = []
        for count in counts {
            let percent = Double(count) / Double(total) * 100
            valueTexts.append("\(formatCount(count)) (\(formatPercent(percent)))")
        }

        var listing: [String] = []
        for (index, item) in items.enumerated() {
            listing.append("\(item.label): \(valueTexts[index])")
        }
        listing.append("Total: \(formatCount(total))")
        var description = listing.joined(separator: "; ") + "."
        if let summary, !summary.isEmpty { description = summary + " " + description }

        var svg = SVGMarkup.open(
            id: id, cssClass: "chart-bar", width: Self.width, height: height,
            title: title, description: description
        )
        for (index, item) in items.enumerated() {
            let top = Self.padding + Double(index) * rowHeight
            let barY = top + Self.labelHeight + Self.barGap
            let barWidth = Self.maximumBarWidth * Double(counts[index]) / Double(largest)
            svg += "<g class=\"bar-row\">"
            svg += "<title>\(SVGMarkup.escape(listing[index]))</title>"
            svg += "<text class=\"label\" x=\"\(SVGMarkup.number(Self.padding))\" y=\"\(SVGMarkup.number(top + Self.fontSize))\">"
            svg += SVGMarkup.escape(Self.truncated(item.label))
            svg += "</text>"
            svg += "<rect class=\"bar\" x=\"\(SVGMarkup.number(Self.padding))\" y=\"\(SVGMarkup.number(barY))\" "
            svg += "width=\"\(SVGMarkup.number(barWidth))\" height=\"\(SVGMarkup.number(Self.barHeight))\"/>"
            // Baseline 14 units into an 18-unit bar centres digits vertically.
            svg += "<text class=\"value\" x=\"\(SVGMarkup.number(Self.padding + barWidth + 6))\" y=\"\(SVGMarkup.number(barY + 14))\">"
            svg += SVGMarkup.escape(valueTexts[index])
            svg += "</text></g>"
        }
        svg += SVGMarkup.close
        return svg
    }

    /// The label cut to `maximumLabelCharacters` (counting user-perceived
    /// characters, so an emoji or accented letter is never split).
    static func truncated(_ label: String) -> String {
        guard label.count > maximumLabelCharacters else { return label }
        return String(label.prefix(maximumLabelCharacters - 1)) + "…"
    }
}
