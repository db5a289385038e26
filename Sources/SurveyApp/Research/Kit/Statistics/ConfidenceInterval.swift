/// A two-sided confidence interval for a mean: mean ± critical value × standard error.
struct ConfidenceInterval: Sendable, Equatable {
    /// Confidence level, e.g. 0.95.
    var level: Double
    /// The sample mean at the centre of the interval.
    var mean: Double
    /// Half the width of the interval: `criticalValue × standardError`.
    var marginOfError: Double
    /// The Student t quantile used, t(1 − (1 − level)/2, n − 1).
    var criticalValue: Double
    /// Degrees of freedom of the t distribution, n − 1.
    var degreesOfFreedom: Int

    /// mean − marginOfError.
    var lower: Double { mean - marginOfError }
    /// mean + marginOfError.
    var upper: Double { mean + marginOfError }
}
