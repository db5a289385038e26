import Foundation

/// Realistic made-up respondents for demos and benchmarks, with the correlations a real town
/// would show: bigger and richer households spend more, people near the new store's site are
/// more likely to shop there (and those far away give "too far" as their reason), the poorer
/// rank price first, and so on. The same seed gives the same data.
///
/// Answers are indexes into the code tables below (multi-selects are bit masks), so a million
/// of them are drawn without allocating; `SeedRows` turns them into rows and totals.
struct SyntheticResponses {
    private var random: SplitMix64

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    struct Response {
        var age: Int
        var district: Int
        var districtOther: Int?
        var householdSize: Int
        var income: Int
        var frequency: Int
        /// Monthly grocery spend in centavos.
        var spendCents: Int
        var store: Int
        var transport: Int
        /// Bit i: `priorities[i]`.
        var priorities: Int
        var likelihood: Int
        var reasonNot: Int?
        /// Bit i: `hours[i]`.
        var preferredHours: Int
        var comment: Int?
        /// Seconds before now the response was started, and how long it took.
        var startedSecondsAgo: Int
        var durationSeconds: Int
        var completed: Bool
    }

    // The survey's codes, in the order of its definition (SET columns store bits in this order).
    static let ages = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
    static let districts = ["centro", "jardim-america", "vila-nova", "sao-jose", "industrial", "other"]
    static let incomes = ["E", "D", "C", "B", "A", "na"]
    static let frequencies = ["daily", "several-weekly", "weekly", "biweekly", "monthly", "rarely"]
    static let transports = ["car", "bus", "bike", "delivery-app", "walk", "other"]
    static let priorities = ["price", "quality", "proximity", "variety", "service", "opening-hours", "parking", "delivery"]
    static let reasons = ["too-far", "happy-with-current", "prices", "other"]
    static let hours = ["morning", "afternoon", "evening", "late-night", "weekends"]
    /// The largest household drawn, and the top of the 0–10 likelihood scale.
    static let maxHouseholdSize = 20
    static let maxLikelihood = 10
    static let stores = ["Supermercado Bom Preço", "Mercado São José", "Atacadão da Vila", "Mercadinho da Esquina", "Hiper Centro", "Feira livre"]
    static let otherDistricts = ["Parque das Flores", "Jardim Europa", "Vila Operária", "Bairro Alto", "Chácaras"]
    static let comments = [
        "Seria ótimo ter uma padaria junto.", "Preciso de estacionamento.", "Abram aos domingos, por favor!", "Preços justos 🙏",
        "Entrega em casa seria essencial.", "Mais produtos orgânicos.", "=não sei", "Hortifruti fresco é o mais importante 🥬",
    ]

    // Weights, in the order of the code tables.
    private static let districtWeights = [0.24, 0.2, 0.18, 0.16, 0.12, 0.1]
    /// Distance of each district from the new store's site (0 near … 3 far).
    private static let districtDistance = [0, 1, 1, 2, 3, 3]
    private static let incomeWeights = [0.28, 0.3, 0.24, 0.1, 0.04, 0.04]
    private static let incomeSpendFactor = [0.7, 1.0, 1.4, 2.0, 3.0, 1.2]
    private static let ageWeights = [0.14, 0.22, 0.21, 0.18, 0.14, 0.11]
    private static let frequencyWeights = [0.08, 0.3, 0.35, 0.14, 0.1, 0.03]
    private static let transportWeights = [0.45, 0.25, 0.08, 0.12, 0.06, 0.04]
    /// "happy-with-current", "prices", "other" (reasons 1...3).
    private static let reasonWeights = [0.5, 0.35, 0.15]
    private static let hourChances = [0.25, 0.2, 0.45, 0.08, 0.35]
    private static let walk = 4

    mutating func next() -> Response {
        let district = pick(Self.districtWeights)
        let income = pick(Self.incomeWeights)
        let age = pick(Self.ageWeights)
        let familyAge = (1...3).contains(age)
        let householdSize = min(Self.maxHouseholdSize, max(1, Int((familyAge ? 3.2 : 2.1) + normal() * 1.3 + 0.5)))
        // Spend: a base per household member, scaled by income, with log-normal noise.
        let spendValue = (180 + 170 * Double(householdSize)) * Self.incomeSpendFactor[income] * exp(normal() * 0.3)
        let spendCents = Int((min(spendValue, 50_000) * 100).rounded())
        let distance = Self.districtDistance[district]
        let likelihood = min(Self.maxLikelihood, max(0, Int((3.2 + 1.4 * Double(3 - distance) + normal() * 2.0).rounded())))
        var reason: Int?
        if likelihood <= 3 {
            reason = distance >= 2 && uniform() < 0.7 ? 0 : 1 + pick(Self.reasonWeights)
        }
        let transport = distance == 0 && uniform() < 0.5 ? Self.walk : pick(Self.transportWeights)
        // Price first for the poorer, then one to three others.
        var priorities = uniform() < (income <= 1 ? 0.8 : 0.4) ? 1 : 0
        let wanted = 1 + Int(uniform() * 3)
        while priorities.nonzeroBitCount < wanted {
            priorities |= 1 << (1 + Int(uniform() * 7))
        }
        var hours = 0
        for (bit, chance) in Self.hourChances.enumerated() where uniform() < chance { hours |= 1 << bit }
        return Response(
            age: age, district: district,
            districtOther: Self.districts[district] == "other" ? Int(uniform() * Double(Self.otherDistricts.count)) : nil,
            householdSize: householdSize, income: income, frequency: pick(Self.frequencyWeights),
            spendCents: spendCents, store: Int(uniform() * Double(Self.stores.count)), transport: transport,
            priorities: priorities, likelihood: likelihood, reasonNot: reason, preferredHours: hours,
            comment: uniform() < 0.12 ? Int(uniform() * Double(Self.comments.count)) : nil,
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

    /// An index drawn with these weights.
    private mutating func pick(_ weights: [Double]) -> Int {
        var x = uniform() * weights.reduce(0, +)
        for (index, weight) in weights.enumerated() {
            if x < weight { return index }
            x -= weight
        }
        return weights.count - 1
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
