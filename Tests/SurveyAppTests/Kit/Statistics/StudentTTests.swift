import Foundation
import Testing
@testable import SurveyApp

/// t quantiles checked against SciPy 1.17 `scipy.stats.t.ppf` and printed tables.
@Suite("Student's t distribution")
struct StudentTTests {
    @Test("quantiles match reference values", arguments: [
        (0.975, 9.0, 2.262157162798205),
        (0.975, 1.0, 12.706204736174694),
        (0.975, 2.0, 4.302652729749462),
        (0.975, 3.0, 3.1824463052837078),
        (0.975, 29.0, 2.045229642132703),
        (0.975, 30.0, 2.0422724563012378),
        (0.975, 100.0, 1.9839715185235518),
        (0.975, 1000.0, 1.9623390808264083),
        (0.975, 100_000.0, 1.9599877075346095),
        (0.95, 5.0, 2.0150483733330233),
        (0.995, 20.0, 2.8453397097861077),
        (0.9995, 1.0, 636.6192487687897),
        (0.6, 4.0, 0.2707222947075976),
        (0.975, 0.5, 164.55767348048818),
    ])
    func quantile(p: Double, df: Double, expected: Double) {
        let t = StudentT.quantile(p, degreesOfFreedom: df)
        // Far tighter than the 1e-4 the confidence intervals need.
        #expect(isRelativelyClose(t, expected, relative: 1e-9))
    }

    @Test("lower quantiles are the negatives of upper ones")
    func symmetry() {
        #expect(StudentT.quantile(0.5, degreesOfFreedom: 7) == 0)
        #expect(isClose(StudentT.quantile(0.025, degreesOfFreedom: 9), -2.262157162798205, tolerance: 1e-9))
    }

    @Test("closed forms for one and two degrees of freedom")
    func closedForms() {
        for p in [0.55, 0.7, 0.9, 0.99, 0.999] {
            // df = 1 is the Cauchy distribution.
            let cauchy = tan(Double.pi * (p - 0.5))
            #expect(isRelativelyClose(StudentT.quantile(p, degreesOfFreedom: 1), cauchy, relative: 1e-10))
            let twoDegrees = (2 * p - 1) / (2 * p * (1 - p)).squareRoot()
            #expect(isRelativelyClose(StudentT.quantile(p, degreesOfFreedom: 2), twoDegrees, relative: 1e-10))
        }
    }

    @Test("cdf inverts quantile and approaches the normal for large df")
    func cdfRoundTrip() {
        for df in [1.0, 3, 10, 57, 400] {
            for p in [0.01, 0.2, 0.5, 0.8, 0.975] {
                let t = StudentT.quantile(p, degreesOfFreedom: df)
                #expect(isClose(StudentT.cdf(t, degreesOfFreedom: df), p, tolerance: 1e-12))
            }
        }
        let normal = 0.5 * erfc(-1.5 / 2.0.squareRoot())
        #expect(isClose(StudentT.cdf(1.5, degreesOfFreedom: 1e7), normal, tolerance: 1e-6))
    }

    @Test("density integrates to the cdf difference")
    func density() {
        // Trapezoid rule over [0, 2] with df = 4.
        let steps = 2000
        var area = 0.0
        for i in 0..<steps {
            let a = 2 * Double(i) / Double(steps)
            let b = 2 * Double(i + 1) / Double(steps)
            area += (StudentT.density(a, degreesOfFreedom: 4) + StudentT.density(b, degreesOfFreedom: 4)) / 2 * (b - a)
        }
        let expected = StudentT.cdf(2, degreesOfFreedom: 4) - 0.5
        #expect(isClose(area, expected, tolerance: 1e-6))
    }
}
