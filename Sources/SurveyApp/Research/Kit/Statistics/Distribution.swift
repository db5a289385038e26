import Foundation

/// Summary statistics of a numeric variable that arrives already aggregated.
///
/// The database never sends every observation: either one row per distinct value
/// (`SELECT value, COUNT(*) … GROUP BY value`), or, for data that is only
/// bucketed, the moments `COUNT(x), SUM(x), SUM(x*x)`. Build the first kind with
/// `init(_:)` / `init(decimalValues:)` and the second with
/// `init(n:sum:sumOfSquares:exactSum:)`. Quantiles need the values, so they are
/// `nil` for a distribution built from moments; use `BucketedDistribution` there.
///
/// All statistics are computed in Double. For money, `exactMean` keeps an exact
/// Decimal path so a mean of R$ values is not perturbed by binary rounding.
struct Distribution: Sendable {
    /// Distinct values in ascending order, each with its positive count.
    /// Empty when the distribution was built from moments.
    let valueCounts: [ValueCount]

    /// Number of observations.
    let n: Int

    /// Arithmetic mean, `nil` when there are no observations.
    let mean: Double?

    /// Σ (x − mean)², the numerator of the sample variance.
    private let sumOfSquaredDeviations: Double

    /// The mean computed in Decimal arithmetic, when the input was Decimal.
    ///
    /// The sum is exact; the one division by n rounds to Decimal's 38
    /// significant digits (so 10/3 is 3.333…, not exact — no finite decimal is).
    /// Round it to cents for display with `NSDecimalRound`.
    let exactMean: Decimal?

    /// Cumulative counts aligned with `valueCounts`, for finding order statistics
    /// by binary search instead of expanding the data.
    private let cumulativeCounts: [Int]

    /// A distribution from (value, count) pairs.
    ///
    /// Pairs need not be sorted or distinct; equal values are merged. Pairs with a
    /// count ≤ 0 (e.g. from a LEFT JOIN) or a non-finite value are ignored.
    init(_ pairs: [(value: Double, count: Int)]) {
        self.init(pairs: pairs, exactSum: nil)
    }

    /// A distribution from (value, count) pairs with exact decimal values (money).
    ///
    /// Statistics other than `exactMean` are computed on the values converted
    /// to Double. Pairs with a count ≤ 0 or a NaN value are ignored.
    init(decimalValues: [(value: Decimal, count: Int)]) {
        let kept = decimalValues.filter { $0.count > 0 && !$0.value.isNaN }
        var exactSum = Decimal(0)
        for pair in kept {
            exactSum += pair.value * Decimal(pair.count)
        }
        let doubles = kept.map { (value: NSDecimalNumber(decimal: $0.value).doubleValue, count: $0.count) }
        self.init(pairs: doubles, exactSum: kept.isEmpty ? nil : exactSum)
    }

    /// Shared body of the pair initialisers.
    private init(pairs: [(value: Double, count: Int)], exactSum: Decimal?) {
        // Merge equal values so order statistics can walk distinct values.
        var merged: [Double: Int] = [:]
        for pair in pairs where pair.count > 0 && pair.value.isFinite {
            merged[pair.value, default: 0] += pair.count
        }
        let sorted = merged
            .map { ValueCount(value: $0.key, count: $0.value) }
            .sorted { $0.value < $1.value }

        var running = 0
        var cumulative: [Int] = []
        cumulative.reserveCapacity(sorted.count)
        for item in sorted {
            running += item.count
            cumulative.append(running)
        }
        let total = running

        valueCounts = sorted
        cumulativeCounts = cumulative
        n = total
        if total == 0 {
            mean = nil
            sumOfSquaredDeviations = 0
            exactMean = nil
            return
        }
        // Two passes (mean first, then squared deviations) avoid the cancellation
        // that Σx² − (Σx)²/n suffers when the mean is large next to the spread.
        var sum = 0.0
        for item in sorted { sum += item.value * Double(item.count) }
        let computedMean = sum / Double(total)
        var squares = 0.0
        for item in sorted {
            let deviation = item.value - computedMean
            squares += deviation * deviation * Double(item.count)
        }
        mean = computedMean
        sumOfSquaredDeviations = squares
        exactMean = exactSum.map { $0 / Decimal(total) }
    }

    /// A distribution from aggregated moments: `COUNT(x)`, `SUM(x)`, `SUM(x*x)`.
    ///
    /// Gives n, mean, variance, standard error and confidence interval, but no
    /// quantiles. The variance is Σx² − (Σx)²/n, which loses precision when the
    /// mean is many orders of magnitude above the standard deviation (e.g. values
    /// around 10⁹ that differ by 1); if that matters, let SQL compute
    /// `VAR_SAMP(x)` and use `init(n:mean:sampleVariance:)`. Pass `exactSum`
    /// (e.g. `SUM(amount)` of a NUMERIC column) to get `exactMean`.
    init(n: Int, sum: Double, sumOfSquares: Double, exactSum: Decimal? = nil) {
        precondition(n >= 0, "n cannot be negative")
        valueCounts = []
        cumulativeCounts = []
        self.n = n
        guard n > 0 else {
            mean = nil
            sumOfSquaredDeviations = 0
            exactMean = nil
            return
        }
        mean = sum / Double(n)
        // Rounding can push this slightly below zero when all values are equal.
        sumOfSquaredDeviations = max(0, sumOfSquares - sum * sum / Double(n))
        exactMean = exactSum.map { $0 / Decimal(n) }
    }

    /// A distribution from a count, mean and sample variance computed elsewhere
    /// (e.g. SQL `COUNT(x), AVG(x), VAR_SAMP(x)`), the numerically safest moments.
    init(n: Int, mean: Double, sampleVariance: Double) {
        precondition(n >= 0, "n cannot be negative")
        valueCounts = []
        cumulativeCounts = []
        self.n = n
        self.mean = n > 0 ? mean : nil
        sumOfSquaredDeviations = n > 1 ? max(0, sampleVariance) * Double(n - 1) : 0
        exactMean = nil
    }

    /// Sample variance (denominator n − 1); `nil` for fewer than two observations.
    var variance: Double? {
        guard n > 1 else { return nil }
        return sumOfSquaredDeviations / Double(n - 1)
    }

    /// Sample standard deviation; `nil` for fewer than two observations.
    var standardDeviation: Double? {
        variance.map { $0.squareRoot() }
    }

    /// Standard error of the mean, s / √n; `nil` for fewer than two observations.
    var standardError: Double? {
        standardDeviation.map { $0 / Double(n).squareRoot() }
    }

    /// Two-sided confidence interval for the mean using Student's t with n − 1
    /// degrees of freedom (exact t quantile at every n, not the normal 1.96).
    ///
    /// `nil` for fewer than two observations. `level` must be in (0, 1).
    func confidenceInterval(level: Double = 0.95) -> ConfidenceInterval? {
        precondition(level > 0 && level < 1, "confidence level must be in (0, 1)")
        guard let mean, let standardError else { return nil }
        let degreesOfFreedom = n - 1
        let critical = StudentT.quantile(1 - (1 - level) / 2, degreesOfFreedom: Double(degreesOfFreedom))
        return ConfidenceInterval(
            level: level,
            mean: mean,
            marginOfError: critical * standardError,
            criticalValue: critical,
            degreesOfFreedom: degreesOfFreedom
        )
    }

    /// Smallest value; `nil` without values.
    var minimum: Double? { valueCounts.first?.value }

    /// Largest value; `nil` without values.
    var maximum: Double? { valueCounts.last?.value }

    /// The `p`-quantile (0 ≤ p ≤ 1) by linear interpolation between order
    /// statistics — Hyndman & Fan "type 7", the definition of Excel's
    /// `PERCENTILE.INC`/`QUARTILE.INC`, R's default and NumPy's default.
    ///
    /// With the n values sorted as x₀ ≤ … ≤ xₙ₋₁, let h = (n − 1)·p; the result is
    /// x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋). `nil` when built from moments or empty.
    func quantile(_ p: Double) -> Double? {
        precondition(p >= 0 && p <= 1, "quantile needs 0 ≤ p ≤ 1")
        guard n > 0, !valueCounts.isEmpty else { return nil }
        let h = Double(n - 1) * p
        let index = Int(h.rounded(.down))
        let fraction = h - Double(index)
        let low = orderStatistic(index)
        guard fraction > 0, index + 1 < n else { return low }
        let high = orderStatistic(index + 1)
        return low + fraction * (high - low)
    }

    /// Median (type 7 quantile at 0.5, the usual middle value or midpoint).
    var median: Double? { quantile(0.5) }

    /// Q1, median and Q3, matching Excel's `QUARTILE.INC`.
    var quartiles: Quartiles? {
        guard let q1 = quantile(0.25), let median = quantile(0.5), let q3 = quantile(0.75) else {
            return nil
        }
        return Quartiles(q1: q1, median: median, q3: q3)
    }

    /// The value at 0-based position `index` of the sorted expanded data.
    private func orderStatistic(_ index: Int) -> Double {
        // First distinct value whose cumulative count exceeds the index.
        var low = 0
        var high = cumulativeCounts.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulativeCounts[middle] > index {
                high = middle
            } else {
                low = middle + 1
            }
        }
        return valueCounts[low].value
    }
}
