import Foundation
import MariaDB

/// Writes synthetic accounts and responses as tab-separated files and loads them with
/// `LOAD DATA LOCAL INFILE`, one batch while the next is being generated.
struct Seeder {
    let database: MariaDBClient
    let survey: SurveyDefinition
    let seed: UInt64
    let batchSize: Int

    struct Report {
        let responses: Int
        let loadSeconds: Double
        let countsSeconds: Double
    }

    func run(responses total: Int, progress: Progress) async throws -> Report {
        let firstID = try await database.query("SELECT COALESCE(MAX(id), 0) + 1 AS next FROM users")[0].decode("next", as: Int64.self)
        let runTag = String(UInt64(Date().timeIntervalSince1970), radix: 36)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("survey-seed-\(runTag)-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        var generator = SyntheticResponses(seed: seed)
        let counts = ResponseCounts(survey: survey)
        var totals = ResponseCounts.Totals()
        var starts = ResponseCounts.StartTotals()
        let now = Int64(Date().timeIntervalSince1970)
        let start = ContinuousClock.now
        var done = 0
        var pending: Task<Void, any Error>?
        var batchNumber = 0
        while done < total {
            let count = min(batchSize, total - done)
            let files = (users: folder.appendingPathComponent("users-\(batchNumber % 2).tsv"), responses: folder.appendingPathComponent("responses-\(batchNumber % 2).tsv"))
            var users: [UInt8] = []
            var rows: [UInt8] = []
            users.reserveCapacity(count * 80)
            rows.reserveCapacity(count * 260)
            for i in 0..<count {
                let id = firstID + Int64(done + i)
                let response = generator.next()
                TSV.users(&users, id: id, email: "seed-\(runTag)-\(id)@example.invalid", created: now - Int64(response.startedSecondsAgo))
                let answeredGroup = TSV.response(&rows, userID: id, response, survey: survey, now: now)
                starts.add(day: String(TSV.timestamp(now - Int64(response.startedSecondsAgo)).prefix(10)),
                           district: answeredGroup ? response.district : nil, incomeBand: answeredGroup ? response.incomeBand : nil)
                if response.completed {
                    // Counted exactly as the app counts a completion, by the same code.
                    let started = Date(timeIntervalSince1970: TimeInterval(now - Int64(response.startedSecondsAgo)))
                    let stored = response.stored(survey: survey, startedAt: started, completedAt: started.addingTimeInterval(TimeInterval(response.durationSeconds)))
                    totals.add(counts.rows(for: stored, sign: 1))
                }
            }
            // The previous batch must be in before this one's files are reused.
            try await pending?.value
            try Data(users).write(to: files.users)
            try Data(rows).write(to: files.responses)
            pending = Task { [database] in
                try await database.withConnection { connection in
                    // Generated rows are unique and consistent by construction: InnoDB may skip
                    // checking them one by one (this session only, restored before the connection
                    // goes back to the pool).
                    try await connection.execute(unsafeSQL: "SET SESSION unique_checks = 0, foreign_key_checks = 0")
                    do {
                        try await connection.execute(unsafeSQL: "LOAD DATA LOCAL INFILE '\(files.users.path)' INTO TABLE users (id, email, password_hash, role, created_at)")
                        try await connection.execute(unsafeSQL: "LOAD DATA LOCAL INFILE '\(files.responses.path)' INTO TABLE responses (\(TSV.responseColumns))")
                    } catch {
                        _ = try? await connection.execute(unsafeSQL: "SET SESSION unique_checks = 1, foreign_key_checks = 1")
                        throw error
                    }
                    try await connection.execute(unsafeSQL: "SET SESSION unique_checks = 1, foreign_key_checks = 1")
                }
            }
            done += count
            batchNumber += 1
            if done < total { progress.update(done: done - count, of: total) }
        }
        try await pending?.value
        progress.update(done: total, of: total)
        let loaded = ContinuousClock.now
        let (summed, started) = (totals, starts)
        try await database.withTransaction { connection in
            try await summed.write(on: connection)
            try await started.write(on: connection)
        }
        return Report(responses: total, loadSeconds: (loaded - start).seconds, countsSeconds: (ContinuousClock.now - loaded).seconds)
    }
}

/// Tab-separated rows in the format `LOAD DATA` reads by default: `\N` is NULL, and tab, newline
/// and backslash inside a value are escaped with a backslash.
enum TSV {
    static let responseColumns = """
        user_id, survey_id, survey_version, pages_saved, consent_version, consented_at, age_band, district, district_other, \
        household_size, income_band, minimum_wage, supermarket_frequency, monthly_grocery_spend, current_store, transport_mode, \
        priorities, likelihood_new_store, reason_not, preferred_hours, comment, started_at, updated_at, completed_at
        """

    static func users(_ out: inout [UInt8], id: Int64, email: String, created: Int64) {
        field(&out, String(id)); field(&out, email); field(&out, "!seeded"); field(&out, "respondent"); last(&out, timestamp(created))
    }

    /// Returns whether the district and income band were answered (a draft may stop before them).
    @discardableResult
    static func response(_ out: inout [UInt8], userID: Int64, _ r: SyntheticResponses.Response, survey: SurveyDefinition, now: Int64) -> Bool {
        let started = now - Int64(r.startedSecondsAgo)
        // A draft stopped after a random number of pages; a completed one saved all of them.
        let pages = r.completed ? survey.pages.count : 1 + Int(UInt64(userID) % UInt64(survey.pages.count - 1))
        let on = { (page: Int) in page < pages }
        field(&out, String(userID)); field(&out, survey.id); field(&out, String(survey.version))
        field(&out, String((1 << pages) - 1)); field(&out, String(survey.consentVersion)); field(&out, timestamp(started))
        field(&out, on(1) ? r.ageBand : nil); field(&out, on(1) ? r.district : nil); field(&out, on(1) ? r.districtOther : nil)
        field(&out, on(1) ? String(r.householdSize) : nil); field(&out, on(1) ? r.incomeBand : nil)
        field(&out, on(1) ? survey.settings.minimumWageBRL : nil)
        field(&out, on(2) ? r.frequency : nil); field(&out, on(2) ? cents(r.spendCents) : nil); field(&out, on(2) ? r.currentStore : nil)
        field(&out, on(2) ? r.transport : nil); field(&out, on(2) ? r.priorities.joined(separator: ",") : nil)
        field(&out, on(3) ? String(r.likelihood) : nil); field(&out, on(3) ? r.reasonNot : nil)
        field(&out, on(3) ? r.preferredHours.joined(separator: ",") : nil); field(&out, on(3) ? r.comment : nil)
        let finished = started + Int64(r.durationSeconds)
        field(&out, timestamp(started)); field(&out, timestamp(r.completed ? finished : started))
        last(&out, r.completed ? timestamp(finished) : nil)
        return on(1)
    }

    static func cents(_ value: Int) -> String {
        let fraction = value % 100
        return "\(value / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    private static func field(_ out: inout [UInt8], _ value: String?) {
        append(&out, value)
        out.append(0x09)
    }

    private static func last(_ out: inout [UInt8], _ value: String?) {
        append(&out, value)
        out.append(0x0A)
    }

    private static func append(_ out: inout [UInt8], _ value: String?) {
        guard let value else { out += [0x5C, 0x4E]; return }  // \N
        if !value.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x5C }) {
            out.append(contentsOf: value.utf8)
            return
        }
        for byte in value.utf8 {
            switch byte {
            case 0x09: out += [0x5C, 0x74]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x5C: out += [0x5C, 0x5C]
            default: out.append(byte)
            }
        }
    }

    /// `YYYY-MM-DD HH:MM:SS` in UTC, from seconds since 1970.
    static func timestamp(_ seconds: Int64) -> String {
        guard let t = UTCDateTime(Date(timeIntervalSince1970: TimeInterval(seconds))) else { return "1970-01-01 00:00:00" }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(t.year)-\(two(t.month))-\(two(t.day)) \(two(t.hour)):\(two(t.minute)):\(two(t.second))"
    }
}
