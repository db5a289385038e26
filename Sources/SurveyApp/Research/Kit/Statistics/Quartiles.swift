/// First quartile, median and third quartile of a distribution.
struct Quartiles: Sendable, Equatable {
    /// 25th percentile.
    var q1: Double
    /// 50th percentile.
    var median: Double
    /// 75th percentile.
    var q3: Double

    /// Interquartile range, q3 − q1.
    var interquartileRange: Double { q3 - q1 }
}
