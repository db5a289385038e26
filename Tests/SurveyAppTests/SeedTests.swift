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
        let report = try await Seeder(database: database, survey: survey, seed: 7, batchSize: 700).run(responses: 2000, progress: Progress())
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
