import Foundation

/// Student's t distribution: distribution function, density and quantile.
///
/// The quantile is found by inverting the distribution function numerically
/// (safeguarded Newton iteration), so it is as accurate as the incomplete beta
/// function behind it — about 1e-12 — for any degrees of freedom > 0, including
/// the small samples where a normal approximation would be badly wrong.
enum StudentT {
    /// P(T ≤ t) for T with `degreesOfFreedom` degrees of freedom.
    static func cdf(_ t: Double, degreesOfFreedom df: Double) -> Double {
        let tail = upperTail(abs(t), degreesOfFreedom: df)
        return t >= 0 ? 1 - tail : tail
    }

    /// P(T > t) for t ≥ 0, computed directly so small tails keep their precision.
    static func upperTail(_ t: Double, degreesOfFreedom df: Double) -> Double {
        precondition(df > 0, "degrees of freedom must be positive")
        precondition(t >= 0, "upperTail expects a non-negative t")
        if t == .infinity { return 0 }
        // Standard identity: P(|T| > t) = I_{df/(df+t²)}(df/2, 1/2).
        let x = df / (df + t * t)
        return 0.5 * SpecialFunctions.regularizedIncompleteBeta(x, a: df / 2, b: 0.5)
    }

    /// The probability density at `t`.
    static func density(_ t: Double, degreesOfFreedom df: Double) -> Double {
        precondition(df > 0, "degrees of freedom must be positive")
        // Work in logs: the gamma functions overflow for df above ~340.
        let logNormaliser = SpecialFunctions.logGamma((df + 1) / 2)
            - SpecialFunctions.logGamma(df / 2)
            - 0.5 * log(df * Double.pi)
        return exp(logNormaliser - (df + 1) / 2 * log1p(t * t / df))
    }

    /// The value t with P(T ≤ t) = `p`, for 0 < p < 1.
    ///
    /// Example: `quantile(0.975, degreesOfFreedom: 9)` ≈ 2.262157, the critical
    /// value of a two-sided 95% interval from 10 observations.
    static func quantile(_ p: Double, degreesOfFreedom df: Double) -> Double {
        precondition(p > 0 && p < 1, "quantile needs 0 < p < 1")
        precondition(df > 0, "degrees of freedom must be positive")
        if p == 0.5 { return 0 }
        // The distribution is symmetric, so solve for the upper tail only; working
        // with the tail area (not 1 − tail) keeps precision for p near 1.
        if p < 0.5 { return -upperQuantile(tail: p, degreesOfFreedom: df) }
        return upperQuantile(tail: 1 - p, degreesOfFreedom: df)
    }

    /// The t > 0 whose upper tail area is `tail` (0 < tail < 0.5).
    private static func upperQuantile(tail: Double, degreesOfFreedom df: Double) -> Double {
        // Bracket the root: the tail area falls as t grows, so double the upper
        // end until the tail beyond it is small enough.
        var low = 0.0
        var high = 1.0
        while upperTail(high, degreesOfFreedom: df) > tail {
            low = high
            high *= 2
            if high > 1e300 { return high }
        }
        // Newton's method, falling back to bisection whenever a step would leave
        // the bracket (Numerical Recipes' `rtsafe` idea); this always converges.
        var t = (low + high) / 2
        for _ in 0..<200 {
            let f = upperTail(t, degreesOfFreedom: df) - tail
            if f == 0 { return t }
            // f decreases in t; keep the root between low and high.
            if f > 0 { low = t } else { high = t }
            let slope = -density(t, degreesOfFreedom: df)
            var next = t - f / slope
            if !(next > low && next < high) || slope == 0 {
                next = (low + high) / 2
            }
            if abs(next - t) <= 1e-13 * max(1, abs(t)) { return next }
            t = next
        }
        return t
    }
}
