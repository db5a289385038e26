/// A histogram of bucketed numeric data as inline SVG (vertical bars).
///
/// Bars sit at their true positions on the value axis, so uneven or missing
/// buckets show as such; bar heights are proportional to counts (not density),
/// so use equal-width buckets for an honest picture. Bucket bounds are printed
/// under the axis through `formatBound` — pass e.g. `{ "R$ " + … }` for money —
/// thinning them to every k-th bound when they would collide. Counts are printed
/// above the bars when every bar is wide enough to hold its own (labels on some bars
/// only would read as if the others had none); the full data is always in `<desc>`,
/// and each bar's in its `<title>`.
///
/// Same sizing and styling model as `BarChart`: 400-unit viewBox at 100% width,
/// CSS classes `.bar`, `.axis`, `.tick-label`, `.value`, `.empty`.
struct Histogram {
    /// Element id, unique in the page.
    var id: String
    /// Accessible title.
    var title: String
    /// The buckets; invalid ones (non-finite or upper ≤ lower) are skipped.
    var buckets: [Bucket]
    /// Optional sentence put before the generated data listing in `<desc>`.
    var summary: String?
    /// Text shown when there is nothing to draw.
    var emptyMessage: String
    /// Formats a bucket bound for the axis and description, default `1.000`, `2,5`.
    var formatBound: (Double) -> String
    /// Formats counts, default `1.234`.
    var formatCount: (Int) -> String

    /// Width of the viewBox in user units.
    static let width = 400.0
    private static let padding = 8.0
    private static let fontSize = 14.0
    /// Space above the tallest bar for its count.
    private static let valueArea = 20.0
    /// Height of the tallest bar.
    static let plotHeight = 160.0
    /// Space under the axis for bound labels.
    private static let axisLabelArea = 22.0

    /// Creates a histogram; nothing is rendered until `svg()`.
    init(
        id: String,
        title: String,
        buckets: [Bucket],
        summary: String? = nil,
        emptyMessage: String = "Sem dados",
        formatBound: @escaping (Double) -> String = { ChartNumberFormat.bound($0) },
        formatCount: @escaping (Int) -> String = { ChartNumberFormat.grouped($0) }
    ) {
        self.id = id
        self.title = title
        self.buckets = buckets
        self.summary = summary
        self.emptyMessage = emptyMessage
        self.formatBound = formatBound
        self.formatCount = formatCount
    }

    /// The chart as an SVG element string, ready to embed in HTML; a small
    /// "no data" chart when no valid bucket has a count.
    func svg() -> String {
        let drawn = buckets
            .filter { $0.isValid }
            .map { Bucket(lower: $0.lower, upper: $0.upper, count: max(0, $0.count)) }
            .sorted { $0.lower < $1.lower }
        let total = drawn.reduce(0) { $0 + $1.count }
        guard total > 0,
              let largest = drawn.map(\.count).max(),
              let minimum = drawn.map(\.lower).min(),
              let maximum = drawn.map(\.upper).max()
        else {
            return SVGMarkup.emptyChart(id: id, cssClass: "chart-histogram", width: Self.width, title: title, message: emptyMessage)
        }

        let plotLeft = Self.padding
        let plotWidth = Self.width - 2 * Self.padding
        let baseline = Self.padding + Self.valueArea + Self.plotHeight
        let height = baseline + Self.axisLabelArea + Self.padding
        func x(_ value: Double) -> Double {
            plotLeft + (value - minimum) / (maximum - minimum) * plotWidth
        }

        var listing = drawn.map { "\(formatBound($0.lower))–\(formatBound($0.upper)): \(formatCount($0.count))" }
        listing.append("Total: \(formatCount(total))")
        var description = listing.joined(separator: "; ") + "."
        if let summary, !summary.isEmpty { description = summary + " " + description }

        let widths = drawn.map { max(0, x($0.upper) - x($0.lower) - 1) }
        let showCounts = zip(drawn, widths).allSatisfy { bucket, width in
            SVGMarkup.estimatedWidth(of: formatCount(bucket.count), fontSize: Self.fontSize) <= width - 2
        }
        var svg = SVGMarkup.open(
            id: id, cssClass: "chart-histogram", width: Self.width, height: height,
            title: title, description: description
        )
        for (index, bucket) in drawn.enumerated() {
            // A one-unit gap between neighbouring bars keeps them distinguishable.
            let left = x(bucket.lower) + 0.5
            let barWidth = widths[index]
            let barHeight = Self.plotHeight * Double(bucket.count) / Double(largest)
            svg += "<g class=\"bucket\"><title>\(SVGMarkup.escape(listing[index]))</title>"
            svg += "<rect class=\"bar\" x=\"\(SVGMarkup.number(left))\" y=\"\(SVGMarkup.number(baseline - barHeight))\" "
            svg += "width=\"\(SVGMarkup.number(barWidth))\" height=\"\(SVGMarkup.number(barHeight))\"/>"
            let countText = formatCount(bucket.count)
            if showCounts {
                svg += "<text class=\"value\" x=\"\(SVGMarkup.number(left + barWidth / 2))\" "
                svg += "y=\"\(SVGMarkup.number(baseline - barHeight - 5))\" text-anchor=\"middle\">"
                svg += SVGMarkup.escape(countText) + "</text>"
            }
            svg += "</g>"
        }
        svg += "<line class=\"axis\" x1=\"\(SVGMarkup.number(plotLeft))\" y1=\"\(SVGMarkup.number(baseline))\" "
        svg += "x2=\"\(SVGMarkup.number(plotLeft + plotWidth))\" y2=\"\(SVGMarkup.number(baseline))\" stroke=\"currentColor\"/>"
        svg += boundLabels(drawn: drawn, baseline: baseline, x: x)
        svg += SVGMarkup.close
        return svg
    }

    /// The bound labels under the axis, thinned so neighbours do not overlap.
    private func boundLabels(drawn: [Bucket], baseline: Double, x: (Double) -> Double) -> String {
        let bounds = Array(Set(drawn.flatMap { [$0.lower, $0.upper] })).sorted()
        let labels = bounds.map(formatBound)
        let widths = labels.map { SVGMarkup.estimatedWidth(of: $0, fontSize: Self.fontSize) }
        let last = bounds.count - 1

        // Start from every step-th bound, step chosen so centred labels would keep
        // 8 units apart, plus the last bound so the axis shows where it ends.
        var closest = Double.infinity
        for index in bounds.indices.dropFirst() {
            closest = min(closest, x(bounds[index]) - x(bounds[index - 1]))
        }
        let widest = widths.max() ?? 0
        let step = closest.isFinite && closest > 0 ? max(1, Int(((widest + 8) / closest).rounded(.up))) : 1
        var candidates = Array(stride(from: 0, through: last, by: step))
        if candidates.last != last { candidates.append(last) }

        // The outermost labels are anchored inward to stay inside the viewBox, which
        // shifts them toward their neighbours; drop whichever neighbour then collides
        // (keeping both ends when possible).
        func anchor(_ index: Int) -> String {
            index == 0 ? "start" : (index == last ? "end" : "middle")
        }
        func extent(_ index: Int) -> ClosedRange<Double> {
            let position = x(bounds[index])
            switch anchor(index) {
            case "start": return position...(position + widths[index])
            case "end": return (position - widths[index])...position
            default: return (position - widths[index] / 2)...(position + widths[index] / 2)
            }
        }
        var shown: [Int] = []
        for index in candidates {
            if let previous = shown.last, extent(previous).upperBound + 8 > extent(index).lowerBound {
                guard index == last else { continue }
                // The end label wins over an inner one, not over the first.
                if previous != 0 { shown.removeLast() }
                if let kept = shown.last, extent(kept).upperBound + 8 > extent(index).lowerBound { continue }
            }
            shown.append(index)
        }

        var svg = ""
        for index in shown {
            svg += "<text class=\"tick-label\" x=\"\(SVGMarkup.number(x(bounds[index])))\" "
            svg += "y=\"\(SVGMarkup.number(baseline + 17))\" text-anchor=\"\(anchor(index))\">"
            svg += SVGMarkup.escape(labels[index]) + "</text>"
        }
        return svg
    }
}
