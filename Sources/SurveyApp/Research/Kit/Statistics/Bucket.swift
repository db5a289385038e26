/// One bin of bucketed numeric data: observations with lower ≤ x < upper.
///
/// Used both for approximate quantiles (`BucketedDistribution`) and for drawing
/// histograms (`Histogram`), so the SQL that buckets the data feeds both.
struct Bucket: Sendable, Equatable {
    /// Inclusive lower bound.
    var lower: Double
    /// Exclusive upper bound (inclusive for the last bucket, by convention).
    var upper: Double
    /// Number of observations in the bucket.
    var count: Int

    /// A bucket given by its bounds.
    init(lower: Double, upper: Double, count: Int) {
        self.lower = lower
        self.upper = upper
        self.count = count
    }

    /// A bucket given by its lower bound and width, the shape SQL such as
    /// `floor(x / w) * w AS lower, COUNT(*)` naturally produces.
    init(lower: Double, width: Double, count: Int) {
        self.init(lower: lower, upper: lower + width, count: count)
    }

    /// upper − lower.
    var width: Double { upper - lower }

    /// Whether the bounds are finite and ordered; charts and quantiles skip
    /// buckets that are not, rather than draw or compute nonsense.
    var isValid: Bool {
        lower.isFinite && upper.isFinite && upper > lower
    }
}
