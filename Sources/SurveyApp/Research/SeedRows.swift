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

    /// The totals, counted under (cell, slot, answer), a cell being a day, district and income band.
    /// Answers with few values are counted in place: each cell has a block of `Sums` holding every
    /// such answer of every question, found with one dictionary lookup a response. The wide ones
    /// (spend and duration buckets) go to `sparse`, under packed keys.
    private var cellBlocks: [Int: Int] = [:]
    private var dense: [ResponseCounts.Totals.Sums] = []
    private var sparse: [Int: ResponseCounts.Totals.Sums] = [:]
    /// Where a slot's answers start in a cell's block, and how many it holds there (0: sparse).
    private let slotOffsets: [Int]
    private let slotCapacities: [Int]
    private let blockSize: Int
    private var starts: [Int: Int] = [:]
    /// Each code table's values as `LOAD DATA` field bytes, escaped once.
    private let ageBytes = Self.fieldBytes(R.ages), districtBytes = Self.fieldBytes(R.districts)
    private let otherDistrictBytes = Self.fieldBytes(R.otherDistricts), incomeBytes = Self.fieldBytes(R.incomes)
    private let frequencyBytes = Self.fieldBytes(R.frequencies), storeBytes = Self.fieldBytes(R.stores)
    private let transportBytes = Self.fieldBytes(R.transports), reasonBytes = Self.fieldBytes(R.reasons)
    private let commentBytes = Self.fieldBytes(R.comments)
    /// `YYYY-MM-DD ` of the days before `now`'s, by how many days before (filled as they come up).
    private var dayBytes: [[UInt8]] = Array(repeating: [], count: 1024)

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
        var offsets = Array(repeating: 0, count: 32), capacities = Array(repeating: 0, count: 32), size = 0
        for slot in 0..<32 {
            let capacity: Int
            switch slot {
            case Self.durationSlot: capacity = 0
            case Self.likelySpendSlot: capacity = 2
            default:
                switch slotFields[slot] {
                case .age: capacity = R.ages.count
                case .district: capacity = R.districts.count
                case .income: capacity = R.incomes.count
                case .frequency: capacity = R.frequencies.count
                case .transport: capacity = R.transports.count
                case .reason: capacity = R.reasons.count
                case .priorities: capacity = R.priorities.count
                case .hours: capacity = R.hours.count
                case .household: capacity = R.maxHouseholdSize + 1
                case .likelihood: capacity = R.maxLikelihood + 1
                case .spend, nil: capacity = 0
                }
            }
            (offsets[slot], capacities[slot]) = (size, capacity)
            size += capacity
        }
        (slotOffsets, slotCapacities, blockSize) = (offsets, capacities, size)
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
        timestamp(&users, started); users.append(0x0A)

        // A draft stopped after a random number of pages; a completed one saved all of them.
        let pages = r.completed ? pageCount : 1 + Int(UInt64(id) % UInt64(pageCount - 1))
        let on = { (page: Int) in page < pages }
        Self.int(&out, id); out.append(0x09)
        out += surveyFields
        Self.int(&out, (1 << pages) - 1); out.append(0x09)
        out += consentVersion; out.append(0x09)
        timestamp(&out, started); out.append(0x09)
        Self.field(&out, on(1) ? ageBytes[r.age] : nil)
        Self.field(&out, on(1) ? districtBytes[r.district] : nil)
        Self.field(&out, on(1) ? r.districtOther.map { otherDistrictBytes[$0] } : nil)
        if on(1) { Self.int(&out, r.householdSize) } else { Self.null(&out) }; out.append(0x09)
        Self.field(&out, on(1) ? incomeBytes[r.income] : nil)
        if on(1) { out += minimumWage } else { Self.null(&out) }; out.append(0x09)
        Self.field(&out, on(2) ? frequencyBytes[r.frequency] : nil)
        if on(2) { Self.cents(&out, r.spendCents) } else { Self.null(&out) }; out.append(0x09)
        Self.field(&out, on(2) ? storeBytes[r.store] : nil)
        Self.field(&out, on(2) ? transportBytes[r.transport] : nil)
        if on(2) { Self.set(&out, r.priorities, R.priorities) } else { Self.null(&out) }; out.append(0x09)
        if on(3) { Self.int(&out, r.likelihood) } else { Self.null(&out) }; out.append(0x09)
        Self.field(&out, on(3) ? r.reasonNot.map { reasonBytes[$0] } : nil)
        if on(3) { Self.set(&out, r.preferredHours, R.hours) } else { Self.null(&out) }; out.append(0x09)
        Self.field(&out, on(3) ? r.comment.map { commentBytes[$0] } : nil)
        timestamp(&out, started); out.append(0x09)
        timestamp(&out, r.completed ? finished : started); out.append(0x09)
        if r.completed { timestamp(&out, finished) } else { Self.null(&out) }
        out.append(0x0A)

        let startDay = Int(Self.floorDiv(started, 86_400))
        starts[(startDay << 8) | (on(1) ? (r.district + 1) << 4 | (r.income + 1) : 0), default: 0] += 1
        if r.completed { count(r, day: Int(Self.floorDiv(finished, 86_400))) }
    }

    /// The rows `ResponseCounts.rows(for:)` gives a completed response, under (cell, slot, answer).
    private mutating func count(_ r: SyntheticResponses.Response, day: Int) {
        let cell = (day << 6) | (r.district << 3) | r.income
        let block: Int
        if let found = cellBlocks[cell] {
            block = found
        } else {
            block = dense.count
            cellBlocks[cell] = block
            dense.append(contentsOf: repeatElement(ResponseCounts.Totals.Sums(), count: blockSize))
        }
        func add(_ slot: Int, _ answer: Int, hundredths value: Int64 = 0) {
            let sum = ResponseCounts.Totals.Sums(n: 1, total: value, totalSquares: Int128(value) * Int128(value))
            if answer < slotCapacities[slot] {
                dense[block + slotOffsets[slot] + answer].add(sum)
            } else {
                sparse[(((cell << 5) | slot) << 24) | answer, default: ResponseCounts.Totals.Sums()].add(sum)
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
        // Every non-empty (cell, slot, answer), dense and sparse alike, then named as the app keys them.
        var found: [(cell: Int, slot: Int, answer: Int, sum: ResponseCounts.Totals.Sums)] = []
        for (cell, block) in cellBlocks {
            for slot in 0..<32 where slotCapacities[slot] > 0 {
                for answer in 0..<slotCapacities[slot] where dense[block + slotOffsets[slot] + answer].n != 0 {
                    found.append((cell, slot, answer, dense[block + slotOffsets[slot] + answer]))
                }
            }
        }
        for (key, sum) in sparse { found.append((key >> 29, (key >> 24) & 31, key & 0xFF_FFFF, sum)) }
        for (cell, slot, answer, sum) in found {
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

    private static func field(_ out: inout [UInt8], _ value: [UInt8]?) {
        if let value { out += value } else { null(&out) }
        out.append(0x09)
    }

    private static func fieldBytes(_ values: [String]) -> [[UInt8]] { values.map { Array(escaped($0).utf8) } }

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

    /// `YYYY-MM-DD HH:MM:SS` in UTC, from seconds since 1970, with the date part of recent days
    /// written once.
    private mutating func timestamp(_ out: inout [UInt8], _ seconds: Int64) {
        let day = Self.floorDiv(seconds, 86_400)
        let daysBefore = Int(Self.floorDiv(now, 86_400) - day)
        guard dayBytes.indices.contains(daysBefore) else { return Self.timestamp(&out, seconds) }
        if dayBytes[daysBefore].isEmpty {
            var bytes: [UInt8] = []
            Self.timestamp(&bytes, day * 86_400)
            dayBytes[daysBefore] = Array(bytes.prefix(11))
        }
        let time = Int(seconds - day * 86_400)
        out += dayBytes[daysBefore]
        Self.two(&out, time / 3600); out.append(0x3A); Self.two(&out, time / 60 % 60); out.append(0x3A); Self.two(&out, time % 60)
    }

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
