import Foundation
import Testing
@testable import SurveyApp

/// Table results are checked against SciPy 1.17
/// `chi2_contingency(table, correction=False)` and closed forms.
@Suite("Chi-square test")
struct ChiSquareTestTests {
    @Test("p-values at the textbook 5% critical values", arguments: [
        (3.84146, 1, 0.04999996483374756),
        (5.99146, 2, 0.05000011367782876),
        (18.307, 10, 0.05000058909139812),
    ])
    func criticalValues(x: Double, df: Int, expected: Double) {
        let p = ChiSquareTest.pValue(statistic: x, degreesOfFreedom: df)
        #expect(isClose(p, expected, tolerance: 1e-12))
        #expect(isClose(p, 0.05, tolerance: 1e-5))
    }

    @Test("p-values across the range, including tiny tails", arguments: [
        (0.5, 3, 0.9188914116546758),
        (0.001, 1, 0.9747728793699604),
        (50.0, 4, 3.610865404890647e-10),
        (100.0, 1, 1.5239706048320995e-23),
        (300.0, 200, 5.924540335483916e-06),
    ])
    func pValues(x: Double, df: Int, expected: Double) {
        #expect(isRelativelyClose(ChiSquareTest.pValue(statistic: x, degreesOfFreedom: df), expected, relative: 1e-9))
    }

    @Test("closed forms: df 1 is erfc(√(x/2)), df 2 is exp(−x/2)")
    func closedForms() {
        for x in [0.01, 0.7, 2, 3.84146, 9, 25] {
            #expect(isRelativelyClose(ChiSquareTest.pValue(statistic: x, degreesOfFreedom: 1), erfc((x / 2).squareRoot()), relative: 1e-10))
            #expect(isRelativelyClose(ChiSquareTest.pValue(statistic: x, degreesOfFreedom: 2), exp(-x / 2), relative: 1e-10))
        }
        #expect(ChiSquareTest.pValue(statistic: 0, degreesOfFreedom: 3) == 1)
    }

    @Test("2×2 table")
    func twoByTwo() throws {
        let test = try ChiSquareTest(counts: [[12, 5], [7, 9]])
        // Closed form for 2×2: N(ad − bc)² / (row and column totals).
        let closedForm = 33.0 * pow(12.0 * 9 - 5 * 7, 2) / (17 * 16 * 19 * 14)
        #expect(isClose(test.statistic, closedForm, tolerance: 1e-12))
        #expect(isClose(test.statistic, 2.4305755196815575, tolerance: 1e-12))
        #expect(test.degreesOfFreedom == 1)
        #expect(isClose(test.pValue, 0.118989205532145, tolerance: 1e-12))
        #expect(isClose(test.expected[0][0], 17.0 * 19 / 33, tolerance: 1e-12))
        #expect(isClose(test.expected[1][1], 16.0 * 14 / 33, tolerance: 1e-12))
        #expect(test.total == 33)
        // For a 2×2 table Cramér's V is |phi| = √(χ²/N).
        #expect(isClose(test.cramersV, (closedForm / 33).squareRoot(), tolerance: 1e-12))
        #expect(!test.hasLowExpectedCounts)
        #expect(isClose(test.minimumExpectedCount, 16.0 * 14 / 33, tolerance: 1e-12))
    }

    @Test("2×3 table")
    func twoByThree() throws {
        let test = try ChiSquareTest(counts: [[20, 15, 25], [30, 35, 15]])
        #expect(isClose(test.statistic, 9.84375, tolerance: 1e-12))
        #expect(test.degreesOfFreedom == 2)
        #expect(isClose(test.pValue, 0.007285457798938987, tolerance: 1e-14))
        #expect(isClose(test.cramersV, 0.2651650429449553, tolerance: 1e-12))
        #expect(isClose(test.expected[0][2], 60.0 * 40 / 140, tolerance: 1e-12))
        #expect(test.cellsWithLowExpectedCount == 0)
    }

    @Test("3×3 table with small expected counts is flagged")
    func lowExpectedCounts() throws {
        let test = try ChiSquareTest(counts: [[3, 1, 2], [1, 4, 2], [2, 2, 6]])
        #expect(isClose(test.statistic, 5.330680272108843, tolerance: 1e-12))
        #expect(test.degreesOfFreedom == 4)
        #expect(isClose(test.pValue, 0.2550185481926015, tolerance: 1e-12))
        #expect(isClose(test.cramersV, 0.3404179104299546, tolerance: 1e-12))
        #expect(test.hasLowExpectedCounts)
        #expect(test.cellsWithLowExpectedCount == 9)
    }

    @Test("rows and columns with zero totals are dropped")
    func dropsEmptyCategories() throws {
        let test = try ChiSquareTest(counts: [[12, 0, 5], [0, 0, 0], [7, 0, 9]])
        #expect(test.keptRows == [0, 2])
        #expect(test.keptColumns == [0, 2])
        #expect(test.observed == [[12, 5], [7, 9]])
        #expect(test.degreesOfFreedom == 1)
        #expect(isClose(test.statistic, 2.4305755196815575, tolerance: 1e-12))
    }

    @Test("independent and perfectly associated tables")
    func extremes() throws {
        let independent = try ChiSquareTest(counts: [[10, 20], [30, 60]])
        #expect(independent.statistic == 0)
        #expect(independent.pValue == 1)
        #expect(independent.cramersV == 0)

        let associated = try ChiSquareTest(counts: [[50, 0, 0], [0, 50, 0], [0, 0, 50]])
        #expect(isClose(associated.cramersV, 1, tolerance: 1e-12))
        #expect(associated.pValue < 1e-50)
    }

    @Test("invalid tables throw")
    func errors() {
        #expect(throws: ChiSquareError.notRectangular) { try ChiSquareTest(counts: [[1, 2], [3]]) }
        #expect(throws: ChiSquareError.negativeCount) { try ChiSquareTest(counts: [[1, -2], [3, 4]]) }
        #expect(throws: ChiSquareError.tooFewCategories) { try ChiSquareTest(counts: []) }
        #expect(throws: ChiSquareError.tooFewCategories) { try ChiSquareTest(counts: [[1, 2, 3]]) }
        #expect(throws: ChiSquareError.tooFewCategories) { try ChiSquareTest(counts: [[1, 0], [3, 0]]) }
        #expect(throws: ChiSquareError.tooFewCategories) { try ChiSquareTest(counts: [[0, 0], [0, 0]]) }
    }
}
