import Foundation

/// The special functions behind the p-values and quantiles in this module.
///
/// They follow *Numerical Recipes* (3rd ed., §6.1, §6.2 and §6.4): a Lanczos
/// log-gamma, the regularized incomplete gamma function by series or continued
/// fraction, and the regularized incomplete beta function by continued fraction.
/// We implement them here rather than call the C library because `lgamma` is not
/// thread-safe on every platform and the incomplete functions are not in libm.
enum SpecialFunctions {
    /// Relative precision at which the series and continued fractions stop.
    private static let epsilon = 1e-15

    /// A number near the smallest representable Double, used by the modified
    /// Lentz method to avoid dividing by zero.
    private static let tiny = 1e-300

    /// Hard stop for the iterative methods. They converge in roughly
    /// `sqrt(a)` steps, so this covers parameters up to about 10¹⁰.
    private static let maximumIterations = 100_000

    /// Coefficients of the Lanczos approximation with g = 671/128 (Numerical Recipes 3rd ed. `gammln`).
    private static let lanczosCoefficients: [Double] = [
        57.1562356658629235, -59.5979603554754912,
        14.1360979747417471, -0.491913816097620199,
        0.339946499848118887e-4, 0.465236289270485756e-4,
        -0.983744753048795646e-4, 0.158088703224912494e-3,
        -0.210264441724104883e-3, 0.217439618115212643e-3,
        -0.164318106536763890e-3, 0.844182239838527433e-4,
        -0.261908384015814087e-4, 0.368991826595316234e-5,
    ]

    /// ln Γ(x) for x > 0, accurate to about 1e-15 relative.
    static func logGamma(_ x: Double) -> Double {
        precondition(x > 0, "logGamma needs a positive argument")
        var y = x
        var tmp = x + 5.24218750000000000
        tmp = (x + 0.5) * log(tmp) - tmp
        var series = 0.999999999999997092
        for coefficient in lanczosCoefficients {
            y += 1
            series += coefficient / y
        }
        return tmp + log(2.5066282746310005 * series / x)
    }

    /// The regularized lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a).
    static func regularizedGammaP(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0 && x >= 0, "regularizedGammaP needs a > 0 and x ≥ 0")
        if x == 0 { return 0 }
        // The series converges fast below a + 1, the continued fraction above it;
        // each is used where it is accurate, and the other tail is 1 minus it.
        if x < a + 1 {
            return gammaSeries(a, x)
        }
        return 1 - gammaContinuedFraction(a, x)
    }

    /// The regularized upper incomplete gamma function Q(a, x) = 1 − P(a, x).
    ///
    /// Computed directly (not as 1 − P) in the upper tail, so tiny p-values such as
    /// 1e-23 keep their relative precision instead of rounding to zero.
    static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0 && x >= 0, "regularizedGammaQ needs a > 0 and x ≥ 0")
        if x == 0 { return 1 }
        if x < a + 1 {
            return 1 - gammaSeries(a, x)
        }
        return gammaContinuedFraction(a, x)
    }

    /// P(a, x) by its power series (Numerical Recipes `gser`).
    private static func gammaSeries(_ a: Double, _ x: Double) -> Double {
        var term = 1 / a
        var sum = term
        var denominator = a
        for _ in 0..<maximumIterations {
            denominator += 1
            term *= x / denominator
            sum += term
            if abs(term) < abs(sum) * epsilon { break }
        }
        return sum * exp(-x + a * log(x) - logGamma(a))
    }

    /// Q(a, x) by its continued fraction, evaluated with the modified Lentz
    /// method (Numerical Recipes `gcf`).
    private static func gammaContinuedFraction(_ a: Double, _ x: Double) -> Double {
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1...maximumIterations {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return exp(-x + a * log(x) - logGamma(a)) * h
    }

    /// The regularized incomplete beta function I_x(a, b) for 0 ≤ x ≤ 1.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        precondition(a > 0 && b > 0, "regularizedIncompleteBeta needs a, b > 0")
        precondition(x >= 0 && x <= 1, "regularizedIncompleteBeta needs 0 ≤ x ≤ 1")
        if x == 0 || x == 1 { return x }
        // The factor in front of the continued fraction, taken through logs so
        // large a and b do not overflow.
        let front = exp(
            logGamma(a + b) - logGamma(a) - logGamma(b) + a * log(x) + b * log1p(-x)
        )
        // The continued fraction converges quickly only below this point; above it,
        // use the symmetry I_x(a, b) = 1 − I_{1−x}(b, a).
        if x < (a + 1) / (a + b + 2) {
            return front * betaContinuedFraction(x, a: a, b: b) / a
        }
        return 1 - front * betaContinuedFraction(1 - x, a: b, b: a) / b
    }

    /// The continued fraction for the incomplete beta function, by the modified
    /// Lentz method (Numerical Recipes `betacf`).
    private static func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let qab = a + b
        let qap = a + 1
        let qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for step in 1...maximumIterations {
            let m = Double(step)
            let m2 = 2 * m
            // Even step of the recurrence.
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            // Odd step of the recurrence.
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }
}
