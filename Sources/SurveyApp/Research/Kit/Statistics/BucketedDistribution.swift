/// Approximate quantiles of a numeric variable known only as bucket counts
/// (`SELECT floor(x / w) * w, COUNT(*) … GROUP BY 1`).
///
/// Inside each bucket the observations are assumed to be spread evenly, and a
/// quantile is found by linear interpolation — the classic grouped-data formula
/// `L + (p·N − F) / f × w` (L lower bound, F count below the bucket, f its count,
/// w its width). The result is approximate: it always lies in the bucket that
/// holds the p·N-th observation, so its error is at most that bucket's width
/// (the true sample quantile can sit anywhere in that bucket).
///
/// For exact mean and variance of bucketed data, also fetch the moments and use
/// `Distribution(n:sum:sumOfSquares:)`.
struct BucketedDistribution: Sendable {
    /// Valid buckets sorted by lower bound, including empty ones.
    let buckets: [Bucket]

    /// Total number of observations.
    let n: Int

    /// Buckets may come in any order; they should not overlap. Buckets that are
    /// not `isValid` and negative counts are ignored.
    init(buckets: [Bucket]) {
        self.buckets = buckets
            .filter { $0.isValid && $0.count >= 0 }
            .sorted { $0.lower < $1.lower }
        n = self.buckets.reduce(0) { $0 + $1.count }
    }

    /// Approximate `p`-quantile (0 ≤ p ≤ 1); `nil` when there are no observations.
    ///
    /// p = 0 gives the lower bound of the first non-empty bucket and p = 1 the
    /// upper bound of the last, the only honest bounds bucketed data has.
    func quantile(_ p: Double) -> Double? {
        precondition(p >= 0 && p <= 1, "quantile needs 0 ≤ p ≤ 1")
        guard n > 0 else { return nil }
        let rank = p * Double(n)
        var below = 0
        for bucket in buckets where bucket.count > 0 {
            let through = below + bucket.count
            if Double(through) >= rank {
                let share = (rank - Double(below)) / Double(bucket.count)
                return bucket.lower + share * bucket.width
            }
            below = through
        }
        // Only reachable through rounding when p = 1.
        return buckets.last { $0.count > 0 }?.upper
    }

    /// Approximate median.
    var median: Double? { quantile(0.5) }

    /// Approximate Q1, median and Q3.
    var quartiles: Quartiles? {
        guard let q1 = quantile(0.25), let median = quantile(0.5), let q3 = quantile(0.75) else {
            return nil
        }
        return Quartiles(q1: q1, median: median, q3: q3)
    }
}
