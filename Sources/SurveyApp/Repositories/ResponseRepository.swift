import Foundation
import MariaDB

/// A respondent's answers so far, and how far they got.
struct StoredResponse: Sendable, Equatable {
    var answers: [String: AnswerValue] = [:]
    /// Bit i set: page i of the definition was saved.
    var pagesSaved: UInt32 = 0
    var surveyVersion: Int?
    var consentVersion: Int?
    var consentedAt: Date?
    var startedAt: Date?
    var completedAt: Date?
    /// The survey ended early for this respondent (under 18): they cannot start again.
    var screenedOut = false

    var isCompleted: Bool { completedAt != nil }

    func hasSaved(page index: Int) -> Bool { pagesSaved & (1 << UInt32(index)) != 0 }

    /// Where a returning respondent resumes: the first page not yet saved.
    func firstUnsavedPage(of survey: SurveyDefinition) -> Int? {
        survey.pages.indices.first { !hasSaved(page: $0) }
    }
}

enum CompletionOutcome: Sendable, Equatable {
    case completed
    /// Already submitted (a double click, a refresh, a resent POST): nothing changed.
    case alreadyCompleted
    /// An earlier page was never saved: go there first.
    case missingPage(Int)
    /// The survey ended for this respondent (under 18) by a request that came first.
    case screenedOut
}

/// Where answers live. Each page save writes only that page's columns.
protocol ResponseRepository: Sendable {
    func load(userID: Int64) async throws -> StoredResponse?
    /// Saves one page of a draft. Returns true when this created the response (a survey started).
    /// A completed response is never changed.
    @discardableResult
    func saveDraft(userID: Int64, page: Int, answers: [String: AnswerValue]) async throws -> Bool
    /// Saves the last page and completes the response, once.
    func complete(userID: Int64, page: Int, answers: [String: AnswerValue], nonce: String) async throws -> CompletionOutcome
    /// Forgets an unfinished response and marks the account screened out (a respondent under
    /// 18), so the survey stays ended for it.
    func screenOut(userID: Int64) async throws
    /// Deletes the account and its answers, and takes a completed response out of the totals.
    func deleteAccount(userID: Int64) async throws
}

struct MariaDBResponseRepository: ResponseRepository {
    let database: MariaDBClient
    let survey: SurveyDefinition

    func load(userID: Int64) async throws -> StoredResponse? {
        try await database.withConnection { try await load(userID: userID, on: $0) }
    }

    /// The response, read on `connection`; nil when there is none and the account was not
    /// screened out.
    func load(userID: Int64, on connection: MariaDBConnection) async throws -> StoredResponse? {
        let columns = storedColumns.map { "r.`\($0)`" }.joined(separator: ", ")
        let sql = """
            SELECT u.screened_out_at, r.user_id AS response, \(columns)
            FROM users u LEFT JOIN responses r ON r.user_id = u.id WHERE u.id = ?
            """
        let rows = try await connection.query(SQLQuery(unsafeSQL: sql, binds: [userID.mariaDBValue]))
        guard let row = rows.first else { return nil }
        let screenedOut = try row.decode("screened_out_at", as: Date?.self) != nil
        guard try row.decode("response", as: Int64?.self) != nil else { return screenedOut ? StoredResponse(screenedOut: true) : nil }
        var stored = try Self.stored(from: row, survey: survey)
        stored.screenedOut = screenedOut
        return stored
    }

    /// The columns `stored(from:)` reads.
    var storedColumns: [String] {
        ["pages_saved", "survey_version", "consent_version", "consented_at", "started_at", "completed_at"] + answerColumns
    }

    /// A response from a row holding `storedColumns`.
    static func stored(from row: MariaDBRow, survey: SurveyDefinition) throws -> StoredResponse {
        var stored = StoredResponse(
            pagesSaved: UInt32(try row.decode("pages_saved", as: Int64.self)),
            surveyVersion: try row.decode("survey_version"),
            consentVersion: try row.decode("consent_version"),
            consentedAt: try row.decode("consented_at"),
            startedAt: try row.decode("started_at"),
            completedAt: try row.decode("completed_at"))
        for question in survey.questions {
            if let value = try Self.answer(question, from: row) { stored.answers[question.code] = value }
        }
        if stored.consentVersion != nil, let consent = survey.questions.first(where: { $0.type == .consent }) {
            stored.answers[consent.code] = .consent
        }
        return stored
    }

    @discardableResult
    func saveDraft(userID: Int64, page: Int, answers: [String: AnswerValue]) async throws -> Bool {
        try await database.withTransaction { connection in
            let locked = try await lock(userID, on: connection)
            // Screened out by a request that committed first: nothing more is stored.
            guard !locked.screenedOut else { return false }
            return try await save(userID: userID, page: page, answers: answers, locked: locked, on: connection)
        }
    }

    /// A respondent's response as found with their account locked.
    private struct Locked {
        /// The response's start day, district and income band, if there is one.
        var start: ResponseCounts.StartKey?
        var pagesSaved: UInt32 = 0
        var isCompleted = false
        var screenedOut = false
        var isDraft: Bool { start != nil && !isCompleted }
    }

    /// Locks `userID`'s account row (and response row, if any) for the caller's transaction. Every
    /// change to a respondent's response takes this lock first, so two never interleave, even
    /// before the response exists (READ COMMITTED takes no lock on a row that is not there).
    /// Lock order: accounts, responses, `response_starts`, then the other totals.
    private func lock(_ userID: Int64, on connection: MariaDBConnection) async throws -> Locked {
        let rows = try await connection.query("""
            SELECT u.screened_out_at, r.user_id AS response, r.pages_saved, r.completed_at, DATE_FORMAT(r.started_at, '%Y-%m-%d') AS day, r.district, r.income_band
            FROM users u LEFT JOIN responses r ON r.user_id = u.id WHERE u.id = \(userID) FOR UPDATE
            """)
        // No account (deleted meanwhile): the write that follows fails on the foreign key.
        guard let row = rows.first else { return Locked() }
        let screenedOut = try row.decode("screened_out_at", as: Date?.self) != nil
        guard try row.decode("response", as: Int64?.self) != nil else { return Locked(screenedOut: screenedOut) }
        return Locked(
            start: ResponseCounts.StartKey(
                day: try row.decode("day"), district: try row.decode("district", as: String?.self) ?? "",
                incomeBand: try row.decode("income_band", as: String?.self) ?? ""),
            pagesSaved: UInt32(try row.decode("pages_saved", as: Int64.self)),
            isCompleted: try row.decode("completed_at", as: Date?.self) != nil,
            screenedOut: screenedOut)
    }

    /// Writes one page inside the caller's transaction, after `lock`, and keeps the response's
    /// count in `response_starts` where it belongs. Returns true when this created the response.
    private func save(userID: Int64, page: Int, answers: [String: AnswerValue], locked: Locked, on connection: MariaDBConnection) async throws -> Bool {
        let created = try await connection.execute(upsert(userID: userID, page: page, answers: answers)).affectedRows == 1
        if created {
            try await ResponseCounts.countStart(of: userID, sign: 1, on: connection)
        } else if locked.isDraft, let old = locked.start {
            // The page writes every one of its columns: an unanswered one becomes NULL.
            var new = old
            for question in survey.pages[page].questions {
                if question.code == "district" { new.district = answers[question.code]?.code ?? "" }
                if question.code == "income_band" { new.incomeBand = answers[question.code]?.code ?? "" }
            }
            if new != old { try await ResponseCounts.moveStart(from: old, to: new, on: connection) }
        }
        return created
    }

    func complete(userID: Int64, page: Int, answers: [String: AnswerValue], nonce: String) async throws -> CompletionOutcome {
        try await database.withTransaction { connection in
            let locked = try await lock(userID, on: connection)
            if locked.isCompleted { return .alreadyCompleted }
            if locked.screenedOut { return .screenedOut }
            if let missing = (0..<page).first(where: { locked.pagesSaved & (1 << UInt32($0)) == 0 }) { return .missingPage(missing) }
            _ = try await save(userID: userID, page: page, answers: answers, locked: locked, on: connection)
            let now = Date()
            try await connection.execute(
                "UPDATE responses SET completed_at = \(now), submission_nonce = \(nonce) WHERE user_id = \(userID) AND completed_at IS NULL")
            // The dashboard's totals move in the same transaction as the response they count.
            if let stored = try await load(userID: userID, on: connection) {
                try await ResponseCounts(survey: survey).add(stored, sign: 1, on: connection)
            }
            return .completed
        }
    }

    func screenOut(userID: Int64) async throws {
        try await database.withTransaction { connection in
            let locked = try await lock(userID, on: connection)
            guard !locked.isCompleted else { return }
            if locked.isDraft {
                try await ResponseCounts.countStart(of: userID, sign: -1, on: connection)
                try await connection.execute("DELETE FROM responses WHERE user_id = \(userID)")
            }
            try await connection.execute("UPDATE users SET screened_out_at = UTC_TIMESTAMP(6) WHERE id = \(userID) AND screened_out_at IS NULL")
        }
    }

    func deleteAccount(userID: Int64) async throws {
        try await database.withTransaction { connection in
            // The response leaves the dashboard's totals with the account.
            if try await lock(userID, on: connection).start != nil, let stored = try await load(userID: userID, on: connection) {
                try await ResponseCounts.countStart(of: userID, sign: -1, on: connection)
                if stored.isCompleted { try await ResponseCounts(survey: survey).add(stored, sign: -1, on: connection) }
                try await connection.execute("DELETE FROM responses WHERE user_id = \(userID)")
            }
            try await connection.execute("DELETE FROM users WHERE id = \(userID)")
        }
    }

    // MARK: - Columns

    /// Every answer column, named after its question code (consent has its own two columns).
    var answerColumns: [String] {
        survey.questions.filter { $0.type != .consent }.map(\.code) + ["minimum_wage"]
    }

    /// One statement: insert the draft, or update this page's columns of an unfinished one. Every
    /// column of the page is written, so an answer hidden by a changed skip is cleared.
    private func upsert(userID: Int64, page: Int, answers: [String: AnswerValue]) -> SQLQuery {
        var columns = ["user_id", "survey_id", "survey_version", "pages_saved"]
        var binds: [MariaDBValue] = [userID.mariaDBValue, survey.id.mariaDBValue, survey.version.mariaDBValue, Int64(1 << page).mariaDBValue]
        for question in survey.pages[page].questions {
            switch question.type {
            case .consent:
                let consented = answers[question.code] != nil
                columns += ["consent_version", "consented_at"]
                binds += [consented ? survey.consentVersion.mariaDBValue : .null, consented ? Date().mariaDBValue : .null]
            case .income:
                columns += [question.code, "minimum_wage"]
                let value = Self.bind(answers[question.code])
                binds += [value, value.isNull ? .null : survey.minimumWage.mariaDBValue]
            default:
                columns.append(question.code)
                binds.append(Self.bind(answers[question.code]))
            }
        }
        let names = columns.map { "`\($0)`" }
        let guarded = names.dropFirst(2).map { name in
            name == "`pages_saved`"
                ? "`pages_saved` = IF(completed_at IS NULL, `pages_saved` | VALUES(`pages_saved`), `pages_saved`)"
                : "\(name) = IF(completed_at IS NULL, VALUES(\(name)), \(name))"
        }
        let sql = "INSERT INTO responses (\(names.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: names.count).joined(separator: ", ")))"
            + " ON DUPLICATE KEY UPDATE \(guarded.joined(separator: ", "))"
        return SQLQuery(unsafeSQL: sql, binds: binds)
    }

    private static func bind(_ answer: AnswerValue?) -> MariaDBValue {
        switch answer {
        case nil, .consent?: .null
        case .choice(let code)?: code.mariaDBValue
        case .choices(let codes)?: codes.joined(separator: ",").mariaDBValue
        case .integer(let n)?: n.mariaDBValue
        case .money(let amount)?: amount.mariaDBValue
        case .text(let text)?: text.mariaDBValue
        }
    }

    private static func answer(_ question: SurveyDefinition.Question, from row: MariaDBRow) throws -> AnswerValue? {
        switch question.type {
        case .consent:
            return nil
        case .single, .income:
            return try row.decode(question.code, as: String?.self).map(AnswerValue.choice)
        case .multi:
            return try row.decode(question.code, as: String?.self).map { .choices($0.isEmpty ? [] : $0.split(separator: ",").map(String.init)) }
        case .integer, .scale:
            return try row.decode(question.code, as: Int?.self).map(AnswerValue.integer)
        case .money:
            return try row.decode(question.code, as: Decimal?.self).map(AnswerValue.money)
        case .text, .longText:
            return try row.decode(question.code, as: String?.self).map(AnswerValue.text)
        }
    }

    /// The answer columns the definition needs and the table lacks: checked at start-up, so a
    /// definition that outgrew its migration stops the app instead of losing answers.
    func missingColumns() async throws -> [String] {
        let rows = try await database.query(
            "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'responses'")
        let present = Set(try rows.map { try $0.decode("name", as: String.self) })
        return (answerColumns + ["consent_version", "consented_at"]).filter { !present.contains($0) }
    }
}
