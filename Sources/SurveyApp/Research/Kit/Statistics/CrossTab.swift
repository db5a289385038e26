/// A cross-tabulation of two categorical questions built from aggregated counts
/// (`SELECT a, b, COUNT(*) … GROUP BY a, b`), with totals and percentages.
///
/// Row and column order comes from the label lists (the survey's option order),
/// so options nobody chose still appear with zero. Percentages are kept as
/// unrounded Doubles on a 0–100 scale; round only when displaying, so a row of
/// rounded figures need not add to exactly 100.
struct CrossTab: Sendable {
    /// Row category labels, in display order, without duplicates.
    let rowLabels: [String]
    /// Column category labels, in display order, without duplicates.
    let columnLabels: [String]
    /// `counts[row][column]`, aligned with the label lists.
    let counts: [[Int]]
    /// Sum of each row.
    let rowTotals: [Int]
    /// Sum of each column.
    let columnTotals: [Int]
    /// Sum of all cells.
    let grandTotal: Int
    /// Sum of the counts whose row or column label is not in the label lists.
    /// They are left out of the table; non-zero means the labels given do not
    /// cover the data (e.g. a deleted option), which the caller may want to show.
    let ignoredCount: Int

    /// Builds the table from nested dictionaries, `counts[rowLabel][columnLabel]`.
    ///
    /// Duplicate labels are dropped (first one wins) so nothing is counted twice.
    init(rowLabels: [String], columnLabels: [String], counts: [String: [String: Int]]) {
        var cells: [(row: String, column: String, count: Int)] = []
        for (row, columns) in counts {
            for (column, count) in columns {
                cells.append((row: row, column: column, count: count))
            }
        }
        self.init(rowLabels: rowLabels, columnLabels: columnLabels, cells: cells)
    }

    /// Builds the table from flat (row, column, count) rows as a GROUP BY returns
    /// them. Repeated (row, column) pairs are added together.
    init(rowLabels: [String], columnLabels: [String], cells: [(row: String, column: String, count: Int)]) {
        let rows = Self.unique(rowLabels)
        let columns = Self.unique(columnLabels)
        let rowIndex = Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($0.element, $0.offset) })
        let columnIndex = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($0.element, $0.offset) })

        var table = Array(repeating: Array(repeating: 0, count: columns.count), count: rows.count)
        var ignored = 0
        for cell in cells {
            if let row = rowIndex[cell.row], let column = columnIndex[cell.column] {
                table[row][column] += cell.count
            } else {
                ignored += cell.count
            }
        }

        self.rowLabels = rows
        self.columnLabels = columns
        counts = table
        rowTotals = table.map { $0.reduce(0, +) }
        columnTotals = (0..<columns.count).map { column in table.reduce(0) { $0 + $1[column] } }
        grandTotal = rowTotals.reduce(0, +)
        ignoredCount = ignored
    }

    /// Count at (row, column) as a percentage of its row total; `nil` when the
    /// row total is zero (a percentage of nothing is undefined, not 0%).
    func rowPercentage(row: Int, column: Int) -> Double? {
        Self.percentage(counts[row][column], of: rowTotals[row])
    }

    /// Count at (row, column) as a percentage of its column total; `nil` when the
    /// column total is zero.
    func columnPercentage(row: Int, column: Int) -> Double? {
        Self.percentage(counts[row][column], of: columnTotals[column])
    }

    /// Count at (row, column) as a percentage of the grand total; `nil` when the
    /// table is empty.
    func totalPercentage(row: Int, column: Int) -> Double? {
        Self.percentage(counts[row][column], of: grandTotal)
    }

    /// A row's total as a percentage of the grand total (the "Total" column of a
    /// column-percentage table).
    func rowTotalPercentage(row: Int) -> Double? {
        Self.percentage(rowTotals[row], of: grandTotal)
    }

    /// A column's total as a percentage of the grand total (the "Total" row of a
    /// row-percentage table).
    func columnTotalPercentage(column: Int) -> Double? {
        Self.percentage(columnTotals[column], of: grandTotal)
    }

    /// All row percentages, `[row][column]`.
    var rowPercentages: [[Double?]] {
        counts.indices.map { row in columnLabels.indices.map { rowPercentage(row: row, column: $0) } }
    }

    /// All column percentages, `[row][column]`.
    var columnPercentages: [[Double?]] {
        counts.indices.map { row in columnLabels.indices.map { columnPercentage(row: row, column: $0) } }
    }

    /// Chi-square test of independence on this table (empty rows and columns are
    /// dropped by the test; see `ChiSquareTest`).
    func chiSquareTest() throws(ChiSquareError) -> ChiSquareTest {
        try ChiSquareTest(counts: counts)
    }

    /// `part / whole × 100`, or `nil` for an empty whole.
    private static func percentage(_ part: Int, of whole: Int) -> Double? {
        guard whole != 0 else { return nil }
        return Double(part) / Double(whole) * 100
    }

    /// The labels in order with later duplicates removed.
    private static func unique(_ labels: [String]) -> [String] {
        var seen: Set<String> = []
        return labels.filter { seen.insert($0).inserted }
    }
}
