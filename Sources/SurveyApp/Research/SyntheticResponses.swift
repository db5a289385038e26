import Foundation

/// Realistic made-up respondents for demos and benchmarks, with the correlations a real town
/// would show: bigger and richer households spend more, people near the new store's site are
/// more likely to shop there (and those far away give "too far" as their reason), the poorer
/// rank price first, and so on. The same seed gives the same data.
struct SyntheticResponses {
    private var random: SplitMix64

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    struct Response {
        var ageBand: String
        var district: String
        var districtOther: String?
        var householdSize: Int
        var incomeBand: String
        var frequency: String
        /// Monthly grocery spend in centavos.
        var spendCents: Int
        var currentStore: String
        var transport: String
        var priorities: [String]
        var likelihood: Int
        var reasonNot: String?
        var preferredHours: [String]
        var comment: String?
        /// Seconds before now the response was started, and how long it took.
        var startedSecondsAgo: Int
        var durationSeconds: Int
        /// The last page saved (all four when completed).
        var completed: Bool
    }

    /// Districts with their distance from the new store's site (0 near … 3 far).
    static let districts: [(code: String, weight: Double, distance: Int)] = [
        ("centro", 0.24, 0), ("jardim-america", 0.2, 1), ("vila-nova", 0.18, 1), ("sao-jose", 0.16, 2), ("industrial", 0.12, 3), ("other", 0.1, 3),
    ]
    static let incomeBands: [(code: String, weight: Double, spendFactor: Double)] = [
        ("E", 0.28, 0.7), ("D", 0.3, 1.0), ("C", 0.24, 1.4), ("B", 0.1, 2.0), ("A", 0.04, 3.0), ("na", 0.04, 1.2),
    ]
    static let ageBands: [(String, Double)] = [("18-24", 0.14), ("25-34", 0.22), ("35-44", 0.21), ("45-54", 0.18), ("55-64", 0.14), ("65+", 0.11)]
    static let stores = ["Supermercado Bom Preço", "Mercado São José", "Atacadão da Vila", "Mercadinho da Esquina", "Hiper Centro", "Feira livre"]
    static let otherDistricts = ["Parque das Flores", "Jardim Europa", "Vila Operária", "Bairro Alto", "Chácaras"]
    static let comments = [
        "Seria ótimo ter uma padaria junto.", "Preciso de estacionamento.", "Abram aos domingos, por favor!", "Preços justos 🙏",
        "Entrega em casa seria essencial.", "Mais produtos orgânicos.", "=não sei", "Hortifruti fresco é o mais importante 🥬",
    ]

    mutating func next() -> Response {
        let district = pick(Self.districts.map { ($0, $0.weight) })
        let income = pick(Self.incomeBands.map { ($0, $0.weight) })
        let age = pick(Self.ageBands.map { ($0.0, $0.1) })
        let familyAge = ["25-34", "35-44", "45-54"].contains(age)
        let householdSize = min(20, max(1, Int((familyAge ? 3.2 : 2.1) + normal() * 1.3 + 0.5)))
        // Spend: a base per household member, scaled by income, with log-normal noise.
        let spendValue = (180 + 170 * Double(householdSize)) * income.spendFactor * exp(normal() * 0.3)
        let spendCents = Int((min(spendValue, 50_000) * 100).rounded())
        let closeness = Double(3 - district.distance)
        let likelihood = min(10, max(0, Int((3.2 + 1.4 * closeness + normal() * 2.0).rounded())))
        var reason: String?
        if likelihood <= 3 {
            reason = district.distance >= 2 && uniform() < 0.7 ? "too-far" : pick([("happy-with-current", 0.5), ("prices", 0.35), ("other", 0.15)])
        }
        let transport = district.distance == 0 && uniform() < 0.5
            ? "walk" : pick([("car", 0.45), ("bus", 0.25), ("bike", 0.08), ("delivery-app", 0.12), ("walk", 0.06), ("other", 0.04)])
        var priorities: [String] = []
        let priceFirst = ["E", "D"].contains(income.code) ? 0.8 : 0.4
        if uniform() < priceFirst { priorities.append("price") }
        let others = ["quality", "proximity", "variety", "service", "opening-hours", "parking", "delivery"]
        while priorities.count < 1 + Int(uniform() * 3) {
            let choice = others[Int(uniform() * Double(others.count))]
            if !priorities.contains(choice) { priorities.append(choice) }
        }
        let order = ["price", "quality", "proximity", "variety", "service", "opening-hours", "parking", "delivery"]
        priorities.sort { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! }
        var hours: [String] = []
        for (code, p) in [("morning", 0.25), ("afternoon", 0.2), ("evening", 0.45), ("late-night", 0.08), ("weekends", 0.35)] where uniform() < p {
            hours.append(code)
        }
        return Response(
            ageBand: age, district: district.code,
            districtOther: district.code == "other" ? Self.otherDistricts[Int(uniform() * Double(Self.otherDistricts.count))] : nil,
            householdSize: householdSize, incomeBand: income.code,
            frequency: pick([("daily", 0.08), ("several-weekly", 0.3), ("weekly", 0.35), ("biweekly", 0.14), ("monthly", 0.1), ("rarely", 0.03)]),
            spendCents: spendCents, currentStore: Self.stores[Int(uniform() * Double(Self.stores.count))], transport: transport,
            priorities: priorities, likelihood: likelihood, reasonNot: reason, preferredHours: hours,
            comment: uniform() < 0.12 ? Self.comments[Int(uniform() * Double(Self.comments.count))] : nil,
            startedSecondsAgo: Int(uniform() * 60 * 86_400) + 3600,
            durationSeconds: max(40, Int(240 * exp(normal() * 0.5))),
            completed: uniform() < 0.9)
    }

    private mutating func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }

    /// A standard normal draw (Box–Muller).
    private mutating func normal() -> Double {
        let u = max(uniform(), 1e-12)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * uniform())
    }

    private mutating func pick<T>(_ choices: [(T, Double)]) -> T {
        let total = choices.reduce(0) { $0 + $1.1 }
        var x = uniform() * total
        for (value, weight) in choices {
            if x < weight { return value }
            x -= weight
        }
        return choices[choices.count - 1].0
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SyntheticResponses.Response {
    /// The response as the app stores it, for counting it in the dashboard's totals.
    func stored(survey: SurveyDefinition, startedAt: Date, completedAt: Date?) -> StoredResponse {
        var answers: [String: AnswerValue] = [
            "consent": .consent, "age_band": .choice(ageBand), "district": .choice(district), "household_size": .integer(householdSize),
            "income_band": .choice(incomeBand), "supermarket_frequency": .choice(frequency),
            "monthly_grocery_spend": .money(Decimal(sign: .plus, exponent: -2, significand: Decimal(spendCents))),
            "current_store": .text(currentStore), "transport_mode": .choice(transport), "priorities": .choices(priorities),
            "likelihood_new_store": .integer(likelihood),
        ]
        if let districtOther { answers["district_other"] = .text(districtOther) }
        if let reasonNot { answers["reason_not"] = .choice(reasonNot) }
        if !preferredHours.isEmpty { answers["preferred_hours"] = .choices(preferredHours) }
        if let comment { answers["comment"] = .text(comment) }
        return StoredResponse(
            answers: answers, pagesSaved: UInt32((1 << survey.pages.count) - 1), surveyVersion: survey.version,
            consentVersion: survey.consentVersion, consentedAt: startedAt, startedAt: startedAt, completedAt: completedAt)
    }
}
