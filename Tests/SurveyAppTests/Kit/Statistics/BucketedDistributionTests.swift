import Testing
@testable import SurveyApp

@Suite("Bucketed distribution")
struct BucketedDistributionTests {
    @Test("grouped-data interpolation, hand-computed")
    func interpolation() throws {
        // 5 in [0,10), 10 in [10,20), 5 in [20,30): N = 20.
        let distribution = BucketedDistribution(buckets: [
            Bucket(lower: 20, width: 10, count: 5),
            Bucket(lower: 0, width: 10, count: 5),
            Bucket(lower: 10, width: 10, count: 10),
        ])
        #expect(distribution.n == 20)
        // Median: rank 10 → 10 + (10 − 5)/10 × 10.
        #expect(distribution.median == 15)
        let quartiles = try #require(distribution.quartiles)
        #expect(quartiles == Quartiles(q1: 10, median: 15, q3: 20))
        #expect(distribution.quantile(0) == 0)
        #expect(distribution.quantile(1) == 30)
        // p = 0.1 → rank 2 → 0 + 2/5 × 10.
        #expect(isClose(distribution.quantile(0.1), 4, tolerance: 1e-12))
    }

    @Test("empty and invalid buckets are skipped")
    func skipping() {
        let distribution = BucketedDistribution(buckets: [
            Bucket(lower: 0, upper: 10, count: 0),
            Bucket(lower: 10, upper: 20, count: 4),
            Bucket(lower: 30, upper: 30, count: 9),
            Bucket(lower: .nan, upper: 5, count: 9),
            Bucket(lower: 20, upper: 30, count: 0),
        ])
        #expect(distribution.n == 4)
        #expect(distribution.quantile(0) == 10)
        #expect(distribution.quantile(1) == 20)
        #expect(distribution.median == 15)
        #expect(BucketedDistribution(buckets: []).median == nil)
        #expect(BucketedDistribution(buckets: [Bucket(lower: 0, upper: 1, count: 0)]).quartiles == nil)
    }

    @Test("approximation stays within one bucket width of the exact quantile")
    func errorBound() {
        // Skewed, deterministic data on 0…99 with counts from a simple recurrence.
        var pairs: [(value: Double, count: Int)] = []
        var seed = 7
        for value in 0..<100 {
            seed = (seed * 1103 + 12345) % 9973
            pairs.append((value: Double(value), count: seed % 13 + (value < 30 ? 20 : 0)))
        }
        let exact = Distribution(pairs)
        let width = 10.0
        var counts = Array(repeating: 0, count: 10)
        for pair in pairs { counts[Int(pair.value / width)] += pair.count }
        let bucketed = BucketedDistribution(buckets: counts.enumerated().map {
            Bucket(lower: Double($0.offset) * width, width: width, count: $0.element)
        })
        #expect(bucketed.n == exact.n)
        for p in stride(from: 0.0, through: 1.0, by: 0.05) {
            let difference = abs((bucketed.quantile(p) ?? .nan) - (exact.quantile(p) ?? .nan))
            #expect(difference <= width, "p = \(p)")
        }
    }
}
