import Foundation
import Logging
import MariaDB
import Testing

@testable import SurveyApp

// One test at a time: the error-path test checks that its run's batch files are gone.
@Suite("Synthetic data", .serialized)
struct SeedTests {
    @Test func seededResponsesAreCountedAsARebuildCountsThem() async throws {
        try await withSeedableDatabase(seedAndCheck)
    }

    /// A fresh database the app's client may `LOAD DATA LOCAL` into, shut down however `body` ends.
    private func withSeedableDatabase(
        _ body: (MariaDBClient, AppConfiguration, SurveyDefinition) async throws -> Void
    ) async throws {
        try await AppTestSupport.withConfiguration { configuration in
            var configuration = configuration
            configuration.database.allowLocalInfile = true
            let survey = try SurveyDefinition.load(path: configuration.resources.survey)
            let database = MariaDBClient(configuration: configuration.database, logger: Logger(label: "seed"))
            do {
                try await body(database, configuration, survey)
            } catch {
                await database.shutdown()
                throw error
            }
            await database.shutdown()
        }
    }

    private func seedAndCheck(_ database: MariaDBClient, _ configuration: AppConfiguration, _ survey: SurveyDefinition) async throws {
        try await SchemaMigrations(configuration: configuration, database: database, logger: Logger(label: "seed")).apply()
        let report = try await Seeder(database: database, survey: survey, seed: 7, batchSize: 100, maxAhead: 2).run(responses: 2000, progress: Progress())
        #expect(report.responses == 2000)

        let counts = try await database.query("SELECT COUNT(*) AS n, COUNT(completed_at) AS done, COUNT(DISTINCT user_id) AS users FROM responses")[0]
        #expect(try counts.decode("n", as: Int.self) == 2000)
        #expect(try counts.decode("users", as: Int.self) == 2000)
        let done = try counts.decode("done", as: Int.self)
        #expect(done > 1700 && done < 1900)  // about 90 % completed

        // Plausible correlations: bigger households spend more; people near the site are likelier to come.
        let spend = try await database.query("SELECT AVG(IF(household_size >= 4, monthly_grocery_spend, NULL)) AS big, AVG(IF(household_size <= 2, monthly_grocery_spend, NULL)) AS small FROM responses")[0]
        #expect(try spend.decode("big", as: Double.self) > spend.decode("small", as: Double.self))
        let likely = try await database.query("SELECT AVG(IF(district = 'centro', likelihood_new_store, NULL)) AS near, AVG(IF(district = 'industrial', likelihood_new_store, NULL)) AS far FROM responses")[0]
        #expect(try likely.decode("near", as: Double.self) > likely.decode("far", as: Double.self))
        // Free text keeps its accents (the files are read as bytes, stored as utf8mb4): every
        // store and comment is one the generator has, and the accented ones are there.
        let texts = try await database.query("SELECT DISTINCT current_store AS t FROM responses WHERE current_store IS NOT NULL UNION SELECT DISTINCT comment FROM responses WHERE comment IS NOT NULL UNION SELECT DISTINCT district_other FROM responses WHERE district_other IS NOT NULL")
        let known = Set(SyntheticResponses.stores + SyntheticResponses.comments + SyntheticResponses.otherDistricts)
        let stored = Set(try texts.map { try $0.decode("t", as: String.self) })
        #expect(stored.isSubset(of: known))
        #expect(stored.contains("Mercado São José") && stored.contains("Chácaras") && stored.contains("Preços justos 🙏"))
        // Seeded accounts cannot log in.
        #expect(try await database.query("SELECT COUNT(*) AS n FROM users WHERE password_hash <> '!seeded'")[0].decode("n", as: Int.self) == 0)

        // A second run adds to the totals the first one wrote.
        _ = try await Seeder(database: database, survey: survey, seed: 8, batchSize: 500).run(responses: 600, progress: Progress())

        // The totals the seeder added are exactly what a rebuild from the rows gives.
        let snapshots: [SQLQuery] = [
            "SELECT day, district, income_band, question, answer, n, total, total_squares FROM response_counts WHERE n <> 0 ORDER BY day, district, income_band, question, answer",
            "SELECT district, income_band, question, answer, n, total, total_squares FROM response_totals WHERE n <> 0 ORDER BY question, answer, district, income_band",
            "SELECT day, district, income_band, n FROM response_starts WHERE n <> 0 ORDER BY day, district, income_band",
        ]
        var seeded: [[String]] = []
        for snapshot in snapshots { seeded.append(try await database.query(snapshot).map { "\($0.values)" }) }
        try await ResponseCounts(survey: survey).rebuild(database)
        for (snapshot, kept) in zip(snapshots, seeded) {
            #expect(kept.count > 100)
            #expect(try await database.query(snapshot).map { "\($0.values)" } == kept)
        }
        #expect(try await database.query("SELECT SUM(n) AS n FROM response_starts")[0].decode("n", as: Int.self) == 2600)
    }

    /// A batch the server refuses midway: the run stops with the server's error, the batches before
    /// it are in whole (every response with its account), none after it, no totals are written, the
    /// pool's sessions are back to their checks, and `rebuild-counts` recovers the totals.
    @Test func aRefusedBatchStopsTheRunAndLeavesNoHalfBatch() async throws {
        try await withSeedableDatabase(seedIntoARefusal)
    }

    private func seedIntoARefusal(_ database: MariaDBClient, _ configuration: AppConfiguration, _ survey: SurveyDefinition) async throws {
        try await SchemaMigrations(configuration: configuration, database: database, logger: Logger(label: "seed")).apply()
        // Accounts get ids from 1 (an empty table), so the fifth batch of 100 holds account 450.
        _ = try await database.withConnection { connection in
            try await connection.execute(unsafeSQL: """
                CREATE TRIGGER refuse_account_450 BEFORE INSERT ON responses FOR EACH ROW
                IF NEW.user_id = 450 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF
                """)
        }
        let folders = { try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix("survey-seed-") && $0.hasSuffix("-\(getpid())") } }
        let foldersBefore = Set(try folders())

        await #expect(throws: MariaDBError.self) {
            _ = try await Seeder(database: database, survey: survey, seed: 9, batchSize: 100, maxAhead: 2).run(responses: 1000, progress: Progress())
        }

        // Batches 1 to 4 whole; the fifth rolled back with its statement; later ones never started.
        let rows = try await database.query("SELECT COUNT(*) AS n, MIN(user_id) AS low, MAX(user_id) AS high FROM responses")[0]
        #expect(try rows.decode("n", as: Int.self) == 400)
        #expect(try rows.decode("low", as: Int.self) == 1)
        #expect(try rows.decode("high", as: Int.self) == 400)
        let orphans = try await database.query("SELECT COUNT(*) AS n FROM responses r LEFT JOIN users u ON u.id = r.user_id WHERE u.id IS NULL")
        #expect(try orphans[0].decode("n", as: Int.self) == 0)
        // Accounts may run ahead of responses (of the refused batch and the next ones), never behind.
        let accounts = try await database.query("SELECT COUNT(*) AS n FROM users")[0].decode("n", as: Int.self)
        #expect(accounts >= 500 && accounts <= 1000 && accounts % 100 == 0)

        // No totals: they commit only once every batch is in.
        for table in ["response_counts", "response_totals", "response_starts"] {
            let sum = try await database.query(SQLQuery(unsafeSQL: "SELECT COALESCE(SUM(n), 0) AS n FROM \(table)"))[0]
            #expect(try sum.decode("n", as: Int.self) == 0, "\(table)")
        }
        // The run's batch files are gone.
        #expect(Set(try folders()) == foldersBefore)

        // Every pooled session checks uniqueness and foreign keys again: hold all connections at
        // once so that each is asked.
        let size = configuration.database.poolSize
        let checks = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<size {
                group.addTask {
                    try await database.withConnection { connection in
                        try await Task.sleep(for: .milliseconds(100))
                        let row = try await connection.query("SELECT @@unique_checks + @@foreign_key_checks AS on_")[0]
                        return try row.decode("on_", as: Int.self)
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(checks == Array(repeating: 2, count: size))

        // The documented way back: a rebuild counts what is there.
        try await ResponseCounts(survey: survey).rebuild(database)
        #expect(try await database.query("SELECT SUM(n) AS n FROM response_starts")[0].decode("n", as: Int.self) == 400)
    }
}

@Suite("Response totals under concurrency")
struct ConcurrentSaveTests {
    /// Each first save locks its (missing) row and inserts it. Under REPEATABLE READ those locks
    /// are gap locks that conflict with each other's inserts, and respondents starting at the same
    /// moment deadlock; the app's connections use READ COMMITTED, which takes none.
    @Test func respondentsStartingAtOnceNeverDeadlock() async throws {
        try await AppTestSupport.withConfiguration { configuration in
            let survey = try SurveyDefinition.load(path: configuration.resources.survey)
            var settings = configuration.database
            settings.poolSize = 16
            let database = MariaDBClient(configuration: settings, logger: Logger(label: "concurrent"))
            do {
                try await SchemaMigrations(configuration: configuration, database: database, logger: Logger(label: "concurrent")).apply()
                let users = (1...48).map { Int64(1000 + $0) }
                for id in users {
                    try await database.execute("INSERT INTO users (id, email, password_hash) VALUES (\(id), \("c\(id)@example.com"), '!')")
                }
                let repository = MariaDBResponseRepository(database: database, survey: survey)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for id in users {
                        group.addTask {
                            try await repository.saveDraft(userID: id, page: 0, answers: ["consent": .consent])
                            try await repository.saveDraft(userID: id, page: 1, answers: [
                                "age_band": .choice("25-34"), "district": .choice(id % 2 == 0 ? "centro" : "vila-nova"),
                                "household_size": .integer(2), "income_band": .choice("C"),
                            ])
                        }
                    }
                    try await group.waitForAll()
                }
                let starts = try await database.query("SELECT district, SUM(n) AS n FROM response_starts GROUP BY district HAVING n <> 0 ORDER BY district")
                #expect(try starts.map { "\(try $0.decode("district", as: String.self)):\(try $0.decode("n", as: Int.self))" } == ["centro:24", "vila-nova:24"])
            } catch {
                await database.shutdown()
                throw error
            }
            await database.shutdown()
        }
    }
}
