import Testing
@testable import SurveyApp

@Suite("Cross-tabulation")
struct CrossTabTests {
    /// Gender × satisfaction, as a GROUP BY would return it, with one option
    /// ("Neutro") nobody chose and one stray label not in the survey.
    let table = CrossTab(
        rowLabels: ["Feminino", "Masculino"],
        columnLabels: ["Satisfeito", "Neutro", "Insatisfeito"],
        cells: [
            (row: "Feminino", column: "Satisfeito", count: 30),
            (row: "Feminino", column: "Insatisfeito", count: 10),
            (row: "Masculino", column: "Satisfeito", count: 20),
            (row: "Masculino", column: "Insatisfeito", count: 15),
            (row: "Masculino", column: "Satisfeito", count: 5),
            (row: "Outro", column: "Satisfeito", count: 4),
        ]
    )

    @Test("counts follow the label order and totals add up")
    func totals() {
        #expect(table.counts == [[30, 0, 10], [25, 0, 15]])
        #expect(table.rowTotals == [40, 40])
        #expect(table.columnTotals == [55, 0, 25])
        #expect(table.grandTotal == 80)
        #expect(table.ignoredCount == 4)
    }

    @Test("row, column and total percentages stay unrounded")
    func percentages() {
        #expect(table.rowPercentage(row: 0, column: 0) == 75)
        #expect(table.rowPercentage(row: 1, column: 2) == 37.5)
        #expect(isClose(table.columnPercentage(row: 0, column: 0), 100 * 30 / 55.0, tolerance: 1e-12))
        #expect(table.columnPercentage(row: 0, column: 1) == nil)
        #expect(table.totalPercentage(row: 1, column: 0) == 31.25)
        #expect(table.rowTotalPercentage(row: 0) == 50)
        #expect(table.columnTotalPercentage(column: 2) == 31.25)
        for row in table.rowPercentages {
            #expect(isClose(row.compactMap { $0 }.reduce(0, +), 100, tolerance: 1e-9))
        }
        #expect(table.columnPercentages[1][0].map { isClose($0, 100 * 25 / 55.0, tolerance: 1e-12) } == true)
    }

    @Test("nested dictionary input and duplicate labels")
    func dictionaryInput() {
        let crossTab = CrossTab(
            rowLabels: ["A", "B", "A"],
            columnLabels: ["x", "y"],
            counts: ["A": ["x": 1, "y": 2], "B": ["y": 3], "C": ["x": 7]]
        )
        #expect(crossTab.rowLabels == ["A", "B"])
        #expect(crossTab.counts == [[1, 2], [0, 3]])
        #expect(crossTab.ignoredCount == 7)
        #expect(crossTab.rowPercentage(row: 1, column: 0) == 0)
    }

    @Test("empty rows give nil percentages, not division by zero")
    func emptyRow() {
        let crossTab = CrossTab(rowLabels: ["A", "B"], columnLabels: ["x"], cells: [(row: "A", column: "x", count: 2)])
        #expect(crossTab.rowPercentage(row: 1, column: 0) == nil)
        #expect(CrossTab(rowLabels: [], columnLabels: [], cells: []).grandTotal == 0)
    }

    @Test("chi-square on the cross-tab drops the empty column")
    func chiSquare() throws {
        let test = try table.chiSquareTest()
        #expect(test.keptColumns == [0, 2])
        #expect(test.degreesOfFreedom == 1)
        // 2×2 closed form on [[30, 10], [25, 15]].
        let closedForm = 80.0 * (30.0 * 15 - 10 * 25) * (30.0 * 15 - 10 * 25) / (40 * 40 * 55 * 25)
        #expect(isClose(test.statistic, closedForm, tolerance: 1e-12))
    }
}
