import Foundation
import Testing
@testable import SurveyApp

/// Expected values are hand-computed and cross-checked with NumPy/SciPy; the
/// quartiles are what Excel's `QUARTILE.INC` returns for the same data.
@Suite("Distribution")
struct DistributionTests {
    /// 1, 2, …, 10, once each.
    let oneToTen = Distribution((1...10).map { (value: Double($0), count: 1) })

    @Test("n, mean, variance, standard deviation and standard error")
    func moments() {
        #expect(oneToTen.n == 10)
        #expect(oneToTen.mean == 5.5)
        #expect(isClose(oneToTen.variance, 82.5 / 9, tolerance: 1e-12))
        #expect(isClose(oneToTen.standardDeviation, 3.0276503540974917, tolerance: 1e-12))
        #expect(isClose(oneToTen.standardError, 0.9574271077563381, tolerance: 1e-12))
        #expect(oneToTen.minimum == 1)
        #expect(oneToTen.maximum == 10)
    }

    @Test("95% confidence interval uses t(0.975, 9) = 2.262157")
    func confidenceInterval() throws {
        let interval = try #require(oneToTen.confidenceInterval())
        #expect(interval.degreesOfFreedom == 9)
        #expect(isClose(interval.criticalValue, 2.262157, tolerance: 1e-6))
        #expect(isClose(interval.lower, 3.334149410331831, tolerance: 1e-9))
        #expect(isClose(interval.upper, 7.665850589668169, tolerance: 1e-9))
        #expect(isClose(interval.marginOfError, 2.165850589668169, tolerance: 1e-9))
        #expect(interval.mean == 5.5)
        #expect(interval.level == 0.95)
    }

    @Test("other confidence levels")
    func confidenceInterval99() throws {
        let interval = try #require(oneToTen.confidenceInterval(level: 0.99))
        #expect(isClose(interval.lower, 2.3885193567296983, tolerance: 1e-9))
        #expect(isClose(interval.upper, 8.611480643270301, tolerance: 1e-9))
    }

    @Test("quartiles match Excel QUARTILE.INC", arguments: [
        // QUARTILE.INC({1,2,3,4}, 1..3)
        ([1.0, 2, 3, 4], 1.75, 2.5, 3.25),
        // QUARTILE.INC({1..10}, 1..3)
        ([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3.25, 5.5, 7.75),
        // The example in Microsoft's QUARTILE.INC documentation (Q1 = 3.5).
        ([1.0, 2, 4, 7, 8, 9, 10, 12], 3.5, 7.5, 9.25),
        ([7.0, 15, 36, 39, 40, 41], 20.25, 37.5, 39.75),
        ([42.0], 42, 42, 42),
    ])
    func excelQuartiles(values: [Double], q1: Double, median: Double, q3: Double) throws {
        let distribution = Distribution(values.map { (value: $0, count: 1) })
        let quartiles = try #require(distribution.quartiles)
        #expect(isClose(quartiles.q1, q1, tolerance: 1e-12))
        #expect(isClose(quartiles.median, median, tolerance: 1e-12))
        #expect(isClose(quartiles.q3, q3, tolerance: 1e-12))
        #expect(isClose(quartiles.interquartileRange, q3 - q1, tolerance: 1e-12))
        #expect(distribution.median == quartiles.median)
    }

    @Test("quantiles from counts equal quantiles of the expanded data")
    func countsMatchExpandedData() throws {
        // A Likert item: 1×2, 2×3, 3×5, 4×7, 5×3, given out of order and with a
        // duplicate row that must be merged.
        let distribution = Distribution([
            (value: 4, count: 4), (value: 1, count: 2), (value: 3, count: 5),
            (value: 5, count: 3), (value: 2, count: 3), (value: 4, count: 3),
        ])
        let quartiles = try #require(distribution.quartiles)
        #expect(quartiles == Quartiles(q1: 2.75, median: 3.5, q3: 4))
        #expect(distribution.n == 20)
        #expect(isClose(distribution.mean, 3.3, tolerance: 1e-12))
        #expect(isClose(distribution.standardDeviation, 1.2182817926554552, tolerance: 1e-12))
        #expect(distribution.valueCounts.map(\.value) == [1, 2, 3, 4, 5])
        #expect(distribution.valueCounts.map(\.count) == [2, 3, 5, 7, 3])
    }

    @Test("quantiles at interpolated positions and ends")
    func quantiles() {
        let distribution = Distribution([(value: 2.5, count: 3), (value: 4, count: 2), (value: 7.25, count: 1)])
        #expect(distribution.quantile(0) == 2.5)
        #expect(distribution.quantile(1) == 7.25)
        #expect(isClose(distribution.quantile(0.1), 2.5, tolerance: 1e-12))
        #expect(isClose(distribution.quantile(0.5), 3.25, tolerance: 1e-12))
        #expect(isClose(distribution.quantile(0.9), 5.625, tolerance: 1e-12))
        #expect(isClose(distribution.variance, 3.4104166666666664, tolerance: 1e-12))
    }

    @Test("zero, negative and non-finite rows are ignored")
    func ignoredRows() {
        let distribution = Distribution([
            (value: 1, count: 0), (value: 2, count: 2), (value: 3, count: -4),
            (value: .nan, count: 3), (value: .infinity, count: 1), (value: 4, count: 2),
        ])
        #expect(distribution.n == 4)
        #expect(distribution.mean == 3)
        #expect(distribution.median == 3)
    }

    @Test("empty and single-observation distributions")
    func degenerate() {
        let empty = Distribution([])
        #expect(empty.n == 0)
        #expect(empty.mean == nil)
        #expect(empty.variance == nil)
        #expect(empty.confidenceInterval() == nil)
        #expect(empty.quartiles == nil)
        #expect(empty.minimum == nil)

        let single = Distribution([(value: 7, count: 1)])
        #expect(single.mean == 7)
        #expect(single.variance == nil)
        #expect(single.standardError == nil)
        #expect(single.confidenceInterval() == nil)
        #expect(single.median == 7)

        let constant = Distribution([(value: 7, count: 5)])
        #expect(constant.variance == 0)
        #expect(constant.confidenceInterval()?.marginOfError == 0)
    }

    @Test("variance stays exact for large values with a small spread")
    func numericalStability() {
        let distribution = Distribution([(value: 1e9 + 1, count: 1), (value: 1e9 + 2, count: 1), (value: 1e9 + 3, count: 1)])
        #expect(distribution.variance == 1)
    }

    @Test("moments give the same statistics as the values, without quantiles")
    func fromMoments() throws {
        // COUNT = 10, SUM = 55, SUM(x²) = 385 for 1…10.
        let distribution = Distribution(n: 10, sum: 55, sumOfSquares: 385)
        #expect(distribution.mean == 5.5)
        #expect(isClose(distribution.variance, 82.5 / 9, tolerance: 1e-12))
        let interval = try #require(distribution.confidenceInterval())
        #expect(isClose(interval.lower, 3.334149410331831, tolerance: 1e-9))
        #expect(distribution.quartiles == nil)
        #expect(distribution.median == nil)
        #expect(distribution.valueCounts.isEmpty)

        let fromVariance = Distribution(n: 10, mean: 5.5, sampleVariance: 82.5 / 9)
        #expect(isClose(fromVariance.standardError, 0.9574271077563381, tolerance: 1e-12))

        #expect(Distribution(n: 0, sum: 0, sumOfSquares: 0).mean == nil)
        // Rounding must not produce a negative variance for constant data.
        #expect(Distribution(n: 3, sum: 0.3, sumOfSquares: 0.03).variance ?? -1 >= 0)
    }

    @Test("exact Decimal mean for money")
    func decimalMean() throws {
        let distribution = Distribution(decimalValues: [
            (value: Decimal(string: "19.99")!, count: 3),
            (value: Decimal(string: "5.01")!, count: 1),
            (value: Decimal(string: "99.99")!, count: 0),
        ])
        #expect(distribution.n == 4)
        #expect(distribution.exactMean == Decimal(string: "16.245"))
        #expect(isClose(distribution.mean, 16.245, tolerance: 1e-12))
        #expect(isClose(distribution.median, 19.99, tolerance: 1e-12))

        // 0.1 + 0.2 is exactly 0.3 in Decimal, so the mean is exactly 0.15.
        let tenths = Distribution(decimalValues: [(value: Decimal(string: "0.1")!, count: 1), (value: Decimal(string: "0.2")!, count: 1)])
        #expect(tenths.exactMean == Decimal(string: "0.15"))

        let moments = Distribution(n: 4, sum: 64.98, sumOfSquares: 0, exactSum: Decimal(string: "64.98")!)
        #expect(moments.exactMean == Decimal(string: "16.245"))
        #expect(Distribution([(value: 1, count: 1)]).exactMean == nil)
        #expect(Distribution(decimalValues: []).exactMean == nil)
    }
}
