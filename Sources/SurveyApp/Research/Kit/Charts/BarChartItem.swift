/// One category of a bar chart: its label and how many chose it.
struct BarChartItem: Sendable, Equatable {
    /// Category label as shown to the reader (escaped when rendered).
    var label: String
    /// Number of responses; negative values are drawn as zero.
    var count: Int
}
