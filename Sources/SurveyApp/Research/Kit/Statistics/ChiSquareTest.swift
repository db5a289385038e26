import Foundation

/// Pearson's chi-square test of independence for an r × c table of counts,
/// with Cramér's V as the effect size.
///
/// Rows or columns whose total is zero are dropped before testing: their expected
/// counts would be zero, making (O − E)²/E undefined, and a category nobody chose
/// carries no information about association. The indices of the kept rows and
/// columns are exposed so the UI can line results up with its labels. No Yates
/// continuity correction is applied (it matches SPSS's "Pearson Chi-Square" row
/// and SciPy's `chi2_contingency(correction=False)`).
struct ChiSquareTest: Sendable {
    /// Indices (into the input table) of the rows that were kept.
    let keptRows: [Int]
    /// Indices (into the input table) of the columns that were kept.
    let keptColumns: [Int]
    /// Observed counts of the kept rows and columns.
    let observed: [[Int]]
    /// Expected counts under independence, rowTotal × columnTotal / N, aligned
    /// with `observed`.
    let expected: [[Double]]
    /// Total count N.
    let total: Int
    /// Pearson's statistic Σ (O − E)² / E.
    let statistic: Double
    /// (kept rows − 1) × (kept columns − 1).
    let degreesOfFreedom: Int
    /// Upper-tail probability of the statistic under the chi-square distribution,
    /// Q(df/2, statistic/2).
    let pValue: Double
    /// Cramér's V = √(χ² / (N · (min(r, c) − 1))), from 0 (no association) to 1.
    let cramersV: Double
    /// Smallest expected count in the kept table.
    let minimumExpectedCount: Double
    /// Number of cells whose expected count is below 5.
    let cellsWithLowExpectedCount: Int

    /// Whether any expected count is below 5, the usual rule of thumb under which
    /// the chi-square approximation (and so the p-value) gets unreliable. Show a
    /// warning in the UI when true.
    var hasLowExpectedCounts: Bool { cellsWithLowExpectedCount > 0 }

    /// Runs the test on `counts[row][column]`.
    init(counts: [[Int]]) throws(ChiSquareError) {
        let columnCount = counts.first?.count ?? 0
        guard counts.allSatisfy({ $0.count == columnCount }) else { throw .notRectangular }
        guard counts.allSatisfy({ row in row.allSatisfy { $0 >= 0 } }) else { throw .negativeCount }

        let rowTotals = counts.map { $0.reduce(0, +) }
        let columnTotals = (0..<columnCount).map { column in counts.reduce(0) { $0 + $1[column] } }
        let rows = rowTotals.indices.filter { rowTotals[$0] > 0 }
        let columns = columnTotals.indices.filter { columnTotals[$0] > 0 }
        guard rows.count >= 2, columns.count >= 2 else { throw .tooFewCategories }

        let total = rows.reduce(0) { $0 + rowTotals[$1] }
        let observed = rows.map { row in columns.map { counts[row][$0] } }
        var expected: [[Double]] = []
        var statistic = 0.0
        var minimum = Double.infinity
        var lowCells = 0
        for row in rows {
            var expectedRow: [Double] = []
            for column in columns {
                let e = Double(rowTotals[row]) * Double(columnTotals[column]) / Double(total)
                let difference = Double(counts[row][column]) - e
                statistic += difference * difference / e
                minimum = min(minimum, e)
                if e < 5 { lowCells += 1 }
                expectedRow.append(e)
            }
            expected.append(expectedRow)
        }

        let degreesOfFreedom = (rows.count - 1) * (columns.count - 1)
        keptRows = rows
        keptColumns = columns
        self.observed = observed
        self.expected = expected
        self.total = total
        self.statistic = statistic
        self.degreesOfFreedom = degreesOfFreedom
        pValue = SpecialFunctions.regularizedGammaQ(Double(degreesOfFreedom) / 2, statistic / 2)
        let smallerDimension = Double(min(rows.count, columns.count) - 1)
        // Rounding can nudge V a hair above 1 for a perfectly associated table.
        cramersV = min(1, (statistic / (Double(total) * smallerDimension)).squareRoot())
        minimumExpectedCount = minimum
        cellsWithLowExpectedCount = lowCells
    }

    /// Upper-tail probability P(X > x) of a chi-square variable with
    /// `degreesOfFreedom` degrees of freedom, e.g. 0.05 for x = 3.84146, df = 1.
    static func pValue(statistic x: Double, degreesOfFreedom: Int) -> Double {
        precondition(degreesOfFreedom > 0, "degrees of freedom must be positive")
        return SpecialFunctions.regularizedGammaQ(Double(degreesOfFreedom) / 2, max(0, x) / 2)
    }
}
