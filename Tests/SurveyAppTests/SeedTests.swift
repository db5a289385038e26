import Foundation
import Logging
import MariaDB
import Testing

@testable import SurveyApp

@Suite("Synthetic data")
struct SeedTests {
    @Test func seededResponsesAreCountedAsARebuildCountsThem() async throws {
        try await AppTestSupport.withConfiguration { configuration in
            var configuration = configuration
            configuration.database.allowLocalInfile = true
            let survey = try SurveyDefinition.load(path: configuration.resources.survey)
            let database = MariaDBClient(configuration: configuration.database, logger: Logger(label: "seed"))
            do {
                try await seedAndCheck(database, configuration: configuration, survey: survey)
            } catch {
                await database.shutdown()
                throw error
            }
            await database.shutdown()
        }
    }

    private func seedAndCheck(_ database: MariaDBClient, configuration: AppConfiguration, survey: SurveyDefinition) async throws {
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
