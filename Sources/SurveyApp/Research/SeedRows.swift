import Foundation

/// Synthetic responses as the rows `LOAD DATA` reads (tab-separated, `\N` for NULL, tab, newline
/// and backslash escaped), and as the totals they add, counted as `ResponseCounts.rows(for:)`
/// counts a completion (a test checks that a rebuild finds the same totals). Everything is bytes
/// and small integers: no String per value, so generating keeps ahead of the server.
struct SeedRows {
    static let responseColumns = """
        user_id, survey_id, survey_version, pages_saved, consent_version, consented_at, age_band, district, district_other, \
        household_size, income_band, minimum_wage, supermarket_frequency, monthly_grocery_spend, current_store, transport_mode, \
        priorities, likelihood_new_store, reason_not, preferred_hours, comment, started_at, updated_at, completed_at
        """

    private typealias R = SyntheticResponses

    /// What a counted question's answer is, in a `Response`.
    private enum Field {
        case age, district, household, income, frequency, spend, transport, priorities, likelihood, reason, hours
    }

    private let survey: SurveyDefinition
    private let now: Int64
    private let runTag: [UInt8]
    private let pageCount: Int
    /// survey id, version (each followed by a tab).
    private let surveyFields: [UInt8]
    private let consentVersion: [UInt8]
    private let minimumWage: [UInt8]
    /// Counted questions in definition order: their slot in a totals key and where the answer is.
    private let counted: [(slot: Int, field: Field)]
    private let slotCodes: [String]
    private let slotFields: [Field?]
    private static let durationSlot = 30
    private static let likelySpendSlot = 31

    private var sums: [Int: ResponseCounts.Totals.Sums] = [:]
    private var starts: [Int: Int] = [:]

    struct UnknownQuestion: Error, CustomStringConvertible {
        let code: String
        var description: String { "the synthetic data has no answers for question '\(code)' of the survey definition, or answers it does not list" }
    }

    /// The codes the generator draws for each choice question.
    private static let codeTables: [String: [String]] = [
        "age_band": R.ages, "district": R.districts, "income_band": R.incomes, "supermarket_frequency": R.frequencies,
        "transport_mode": R.transports, "priorities": R.priorities, "reason_not": R.reasons, "preferred_hours": R.hours,
    ]

    init(survey: SurveyDefinition, now: Int64, runTag: String) throws {
        self.survey = survey
        self.now = now
        self.runTag = Array(runTag.utf8)
        pageCount = survey.pages.count
        surveyFields = Array("\(Self.escaped(survey.id))\t\(survey.version)\t".utf8)
        consentVersion = Array(String(survey.consentVersion).utf8)
        minimumWage = Array(survey.settings.minimumWageBRL.utf8)
        let fields: [String: Field] = [
            "age_band": .age, "district": .district, "household_size": .household, "income_band": .income,
            "supermarket_frequency": .frequency, "monthly_grocery_spend": .spend, "transport_mode": .transport,
            "priorities": .priorities, "likelihood_new_store": .likelihood, "reason_not": .reason, "preferred_hours": .hours,
        ]
        precondition(survey.questions.count < Self.durationSlot, "totals keys hold 30 questions")
        var counted: [(slot: Int, field: Field)] = []
        var slotCodes = Array(repeating: "", count: 32)
        var slotFields = [Field?](repeating: nil, count: 32)
        for (slot, question) in survey.questions.enumerated() {
            switch question.type {
            case .consent, .text, .longText: continue  // not counted
            default:
                guard let field = fields[question.code],
                      Set(Self.codeTables[question.code] ?? []).isSubset(of: (question.options ?? []).map(\.code))
                else { throw UnknownQuestion(code: question.code) }
                counted.append((slot, field))
                slotCodes[slot] = question.code
                slotFields[slot] = field
            }
        }
        slotCodes[Self.durationSlot] = ResponseCounts.durationQuestion
        slotCodes[Self.likelySpendSlot] = ResponseCounts.likelySpendQuestion
        self.counted = counted
        self.slotCodes = slotCodes
        self.slotFields = slotFields
    }

    /// Appends account `id` and its response to the two files' bytes, and counts the response.
    mutating func append(_ r: SyntheticResponses.Response, id: Int64, users: inout [UInt8], responses out: inout [UInt8]) {
        let started = now - Int64(r.startedSecondsAgo)
        let finished = started + Int64(r.durationSeconds)

        // The account: id, email, no password hash (it cannot log in), role, created. The id in the
        // email has a fixed width, so emails grow in index order: InnoDB appends to the email index
        // instead of splitting pages all over it.
        Self.int(&users, id); users.append(0x09)
        users += "seed-".utf8; users += runTag; users.append(0x2D); Self.int(&users, id, width: 12); users += "@example.invalid\t!seeded\trespondent\t".utf8
        Self.timestamp(&users, started); users.append(0x0A)

        // A draft stopped after a random number of pages; a completed one saved all of them.
        let pages = r.completed ? pageCount : 1 + Int(UInt64(id) % UInt64(pageCount - 1))
        let on = { (page: Int) in page < pages }
        Self.int(&out, id); out.append(0x09)
        out += surveyFields
        Self.int(&out, (1 << pages) - 1); out.append(0x09)
        out += consentVersion; out.append(0x09)
        Self.timestamp(&out, started); out.append(0x09)
        Self.field(&out, on(1) ? R.ages[r.age] : nil)
        Self.field(&out, on(1) ? R.districts[r.district] : nil)
        Self.field(&out, on(1) ? r.districtOther.map { R.otherDistricts[$0] } : nil)
        if on(1) { Self.int(&out, r.householdSize) } else { Self.null(&out) }; out.append(0x09)
        Self.field(&out, on(1) ? R.incomes[r.income] : nil)
        if on(1) { out += minimumWage } else { Self.null(&out) }; out.append(0x09)
        Self.field(&out, on(2) ? R.frequencies[r.frequency] : nil)
        if on(2) { Self.cents(&out, r.spendCents) } else { Self.null(&out) }; out.append(0x09)
        Self.field(&out, on(2) ? R.stores[r.store] : nil)
        Self.field(&out, on(2) ? R.transports[r.transport] : nil)
        if on(2) { Self.set(&out, r.priorities, R.priorities) } else { Self.null(&out) }; out.append(0x09)
        if on(3) { Self.int(&out, r.likelihood) } else { Self.null(&out) }; out.append(0x09)
        Self.field(&out, on(3) ? r.reasonNot.map { R.reasons[$0] } : nil)
        if on(3) { Self.set(&out, r.preferredHours, R.hours) } else { Self.null(&out) }; out.append(0x09)
        Self.field(&out, on(3) ? r.comment.map { R.comments[$0] } : nil)
        Self.timestamp(&out, started); out.append(0x09)
        Self.timestamp(&out, r.completed ? finished : started); out.append(0x09)
        if r.completed { Self.timestamp(&out, finished) } else { Self.null(&out) }
        out.append(0x0A)

        let startDay = Int(Self.floorDiv(started, 86_400))
        starts[(startDay << 8) | (on(1) ? (r.district + 1) << 4 | (r.income + 1) : 0), default: 0] += 1
        if r.completed { count(r, day: Int(Self.floorDiv(finished, 86_400))) }
    }

    /// The rows `ResponseCounts.rows(for:)` gives a completed response, as packed keys.
    private mutating func count(_ r: SyntheticResponses.Response, day: Int) {
        let cell = (day << 6) | (r.district << 3) | r.income
        func add(_ slot: Int, _ answer: Int, hundredths value: Int64 = 0) {
            let key = (((cell << 5) | slot) << 24) | answer
            if value == 0 {
                sums[key, default: ResponseCounts.Totals.Sums()].n += 1
            } else {
                sums[key, default: ResponseCounts.Totals.Sums()].add(ResponseCounts.Totals.Sums(n: 1, total: value, totalSquares: Int128(value) * Int128(value)))
            }
        }
        for (slot, field) in counted {
            switch field {
            case .age: add(slot, r.age)
            case .district: add(slot, r.district)
            case .income: add(slot, r.income)
            case .frequency: add(slot, r.frequency)
            case .transport: add(slot, r.transport)
            case .household: add(slot, r.householdSize, hundredths: Int64(r.householdSize) * 100)
            case .likelihood: add(slot, r.likelihood, hundredths: Int64(r.likelihood) * 100)
            case .spend: add(slot, r.spendCents / 100 / Int(ResponseCounts.moneyBucketReais), hundredths: Int64(r.spendCents))
            case .reason: if let reason = r.reasonNot { add(slot, reason) }
            case .priorities: for bit in 0..<8 where r.priorities & (1 << bit) != 0 { add(slot, bit) }
            case .hours: for bit in 0..<5 where r.preferredHours & (1 << bit) != 0 { add(slot, bit) }
            }
        }
        add(Self.durationSlot, ResponseCounts.durationBucket(r.durationSeconds), hundredths: Int64(r.durationSeconds) * 100)
        add(Self.likelySpendSlot, r.likelihood >= ResponseCounts.likelyAtLeast ? 1 : 0, hundredths: Int64(r.spendCents))
    }

    /// The counted totals, with the app's keys.
    func totals() -> (ResponseCounts.Totals, ResponseCounts.StartTotals) {
        var days: [Int: String] = [:]
        func day(_ number: Int) -> String {
            if let text = days[number] { return text }
            var bytes: [UInt8] = []
            Self.timestamp(&bytes, Int64(number) * 86_400)
            let text = String(decoding: bytes.prefix(10), as: UTF8.self)
            days[number] = text
            return text
        }
        var totals = ResponseCounts.Totals()
        for (key, sum) in sums {
            let answer = key & 0xFF_FFFF, slot = (key >> 24) & 31, cell = key >> 29
            let text: String
            switch slot {
            case Self.durationSlot: text = String(answer)
            case Self.likelySpendSlot: text = answer == 1 ? "likely" : "unlikely"
            default:
                switch slotFields[slot]! {
                case .age: text = R.ages[answer]
                case .district: text = R.districts[answer]
                case .income: text = R.incomes[answer]
                case .frequency: text = R.frequencies[answer]
                case .transport: text = R.transports[answer]
                case .reason: text = R.reasons[answer]
                case .priorities: text = R.priorities[answer]
                case .hours: text = R.hours[answer]
                case .household, .likelihood: text = String(answer)
                case .spend: text = String(Int64(answer) * ResponseCounts.moneyBucketReais)
                }
            }
            let key = ResponseCounts.Totals.Key(
                day: day(cell >> 6), district: R.districts[(cell >> 3) & 7], incomeBand: R.incomes[cell & 7], question: slotCodes[slot], answer: text)
            totals.add(key, sum)
        }
        var started = ResponseCounts.StartTotals()
        for (key, n) in starts {
            let group = key & 0xFF
            started.add(day: day(key >> 8), district: group == 0 ? nil : R.districts[(group >> 4) - 1],
                        incomeBand: group == 0 ? nil : R.incomes[(group & 15) - 1], count: n)
        }
        return (totals, started)
    }

    // MARK: Bytes

    private static func field(_ out: inout [UInt8], _ value: String?) {
        if let value { out += escaped(value).utf8 } else { null(&out) }
        out.append(0x09)
    }

    private static func null(_ out: inout [UInt8]) { out += [0x5C, 0x4E] }  // \N

    /// `value` with tab, newline and backslash escaped as `LOAD DATA` reads them.
    static func escaped(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x5C }) else { return value }
        return value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// A SET column's text: the codes of the bits set, comma-separated.
    private static func set(_ out: inout [UInt8], _ bits: Int, _ codes: [String]) {
        var first = true
        for (bit, code) in codes.enumerated() where bits & (1 << bit) != 0 {
            if !first { out.append(0x2C) }
            out += code.utf8
            first = false
        }
    }

    private static func int(_ out: inout [UInt8], _ value: some BinaryInteger, width: Int) {
        let digits = String(value)
        out += repeatElement(UInt8(ascii: "0"), count: max(0, width - digits.utf8.count))
        out += digits.utf8
    }

    private static func int(_ out: inout [UInt8], _ value: some BinaryInteger) {
        var v = UInt64(value)
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = 0x30 + UInt8(v % 10)
                v /= 10
                count += 1
            } while v > 0
            out.append(contentsOf: buffer[(20 - count)...])
        }
    }

    private static func two(_ out: inout [UInt8], _ value: Int) {
        out.append(0x30 + UInt8(value / 10))
        out.append(0x30 + UInt8(value % 10))
    }

    /// `123.45` from centavos.
    private static func cents(_ out: inout [UInt8], _ value: Int) {
        int(&out, value / 100)
        out.append(0x2E)
        two(&out, value % 100)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }

    /// `YYYY-MM-DD HH:MM:SS` in UTC, from seconds since 1970.
    static func timestamp(_ out: inout [UInt8], _ seconds: Int64) {
        guard let t = UTCDateTime(Date(timeIntervalSince1970: TimeInterval(seconds))), t.year >= 1000 else {
            out += "1970-01-01 00:00:00".utf8
            return
        }
        int(&out, t.year); out.append(0x2D); two(&out, t.month); out.append(0x2D); two(&out, t.day); out.append(0x20)
        two(&out, t.hour); out.append(0x3A); two(&out, t.minute); out.append(0x3A); two(&out, t.second)
    }
}
