import Foundation
import Testing
@testable import SurveyApp

/// Reference values below come from SciPy 1.17 (`scipy.special.gammaln`,
/// `betainc`, `scipy.stats.chi2.sf`) or from closed forms.
@Suite("Special functions")
struct SpecialFunctionsTests {
    @Test("log-gamma matches reference values", arguments: [
        (0.5, 0.5723649429247001),
        (1.0, 0.0),
        (1.5, -0.12078223763524526),
        (2.0, 0.0),
        (3.7, 1.428072326665388),
        (10.0, 12.801827480081469),
        (100.5, 361.43554046777757),
        (1000.0, 5905.220423209181),
        (1e-5, 11.512919692895826),
    ])
    func logGamma(x: Double, expected: Double) {
        #expect(isClose(SpecialFunctions.logGamma(x), expected, tolerance: 1e-12 * max(1, abs(expected))))
    }

    @Test("log-gamma agrees with factorials")
    func logGammaFactorials() {
        var factorial = 1.0
        for n in 1...20 {
            factorial *= Double(n)
            #expect(isRelativelyClose(SpecialFunctions.logGamma(Double(n + 1)), log(factorial), relative: 1e-13))
        }
    }

    @Test("P and Q are complementary on both sides of the a + 1 switch")
    func gammaComplement() {
        for a in [0.5, 1, 2.5, 10, 50] {
            for x in [0.01, 0.5, 1, 3, 9, 11, 60, 120] {
                let p = SpecialFunctions.regularizedGammaP(a, x)
                let q = SpecialFunctions.regularizedGammaQ(a, x)
                #expect(isClose(p + q, 1, tolerance: 1e-13))
                #expect(p >= 0 && p <= 1)
            }
        }
    }

    @Test("Q(1, x) is exp(−x) and Q(1/2, x) is erfc(√x)")
    func gammaClosedForms() {
        for x in [0.001, 0.3, 1, 2, 5, 20, 40] {
            #expect(isRelativelyClose(SpecialFunctions.regularizedGammaQ(1, x), exp(-x), relative: 1e-12))
            #expect(isRelativelyClose(SpecialFunctions.regularizedGammaQ(0.5, x), erfc(x.squareRoot()), relative: 1e-10))
        }
    }

    @Test("incomplete beta matches reference values", arguments: [
        (0.3, 2.0, 3.0, 0.34829999999999994),
        (0.9, 0.5, 5.0, 0.9999974294103009),
        (0.5, 50.0, 50.0, 0.5),
    ])
    func incompleteBeta(x: Double, a: Double, b: Double, expected: Double) {
        #expect(isClose(SpecialFunctions.regularizedIncompleteBeta(x, a: a, b: b), expected, tolerance: 1e-12))
    }

    @Test("incomplete beta keeps relative precision in a tiny tail")
    func incompleteBetaTinyTail() {
        let value = SpecialFunctions.regularizedIncompleteBeta(0.01, a: 10, b: 0.5)
        #expect(isRelativelyClose(value, 1.770034965528571e-21, relative: 1e-10))
    }

    @Test("incomplete beta at the ends and by symmetry")
    func incompleteBetaEdges() {
        #expect(SpecialFunctions.regularizedIncompleteBeta(0, a: 2, b: 3) == 0)
        #expect(SpecialFunctions.regularizedIncompleteBeta(1, a: 2, b: 3) == 1)
        // I_x(a, b) = 1 − I_{1−x}(b, a)
        let left = SpecialFunctions.regularizedIncompleteBeta(0.7, a: 3.5, b: 1.25)
        let right = SpecialFunctions.regularizedIncompleteBeta(0.3, a: 1.25, b: 3.5)
        #expect(isClose(left + right, 1, tolerance: 1e-14))
    }
}
