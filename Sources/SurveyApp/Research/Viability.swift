import Foundation

/// What the viability report assumes, from the environment (`VIABILITY_HOUSEHOLDS`,
/// `VIABILITY_CAPTURE_RATES`) and adjustable on the page.
struct ViabilitySettings: Sendable, Equatable {
    /// Households in the town (or the store's catchment area).
    var households: Int
    /// Share of a likely household's grocery spend the new store would take, per scenario.
    var pessimistic: Double
    var base: Double
    var optimistic: Double

    static let standard = ViabilitySettings(households: 20_000, pessimistic: 0.2, base: 0.35, optimistic: 0.5)
}

/// The business question: how big is the town's grocery market, and how much of it would the new
/// store take? Computed from aggregated totals only.
///
/// - market = households × mean monthly spend (95 % CI from the spend's standard error);
/// - likely share = respondents answering 7 or more on the likelihood scale;
/// - expected revenue (scenario) = households × likely share × mean spend of the likely × capture rate.
///
/// Each district or income band gets the households in proportion to its share of the sample, which
/// assumes the sample represents the town; small groups are flagged.
struct ViabilityReport: Sendable {
    struct Figures: Sendable {
        var respondents: Int
        var households: Double
        var meanSpend: Double?
        var market: Double?
        var marketLow: Double?
        var marketHigh: Double?
        var likelyShare: Double?
        var likelySpend: Double?
        /// Pessimistic, base, optimistic.
        var revenue: [Double]
    }

    static let minimumOverall = 100
    static let minimumPerGroup = 30

    let settings: ViabilitySettings

    /// Figures for one group (or everyone) from its `monthly_grocery_spend` and `_likely_spend`
    /// tallies. `households` is the group's share of the town.
    func figures(spend: [String: ResearchQueries.Tally], likely: [String: ResearchQueries.Tally], households: Double) -> Figures {
        let n = spend.values.reduce(0) { $0 + $1.n }
        let total = spend.values.reduce(Decimal(0)) { $0 + $1.total }.doubleValue
        let squares = spend.values.reduce(Decimal(0)) { $0 + $1.totalSquares }.doubleValue
        let moments = Distribution(n: n, sum: total, sumOfSquares: squares)
        let interval = moments.confidenceInterval()
        let likelyN = likely["likely"]?.n ?? 0
        let answered = likelyN + (likely["unlikely"]?.n ?? 0)
        let likelyShare = answered > 0 ? Double(likelyN) / Double(answered) : nil
        let likelySpend = likelyN > 0 ? (likely["likely"]?.total.doubleValue ?? 0) / Double(likelyN) : nil
        let rates = [settings.pessimistic, settings.base, settings.optimistic]
        let revenue = rates.map { rate in households * (likelyShare ?? 0) * (likelySpend ?? 0) * rate }
        return Figures(
            respondents: n, households: households, meanSpend: moments.mean,
            market: moments.mean.map { households * $0 }, marketLow: interval.map { households * $0.lower }, marketHigh: interval.map { households * $0.upper },
            likelyShare: likelyShare, likelySpend: likelySpend, revenue: revenue)
    }
}
