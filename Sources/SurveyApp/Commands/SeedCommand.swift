import ArgumentParser
import Foundation
import Logging
import MariaDB

/// `SurveyApp seed --responses N`: made-up respondents and their responses (90 % completed, the
/// rest drafts) for demos and benchmarks, loaded with `LOAD DATA LOCAL INFILE` in batches, and
/// added to the dashboard's totals. Seeded accounts cannot log in (they have no password hash).
struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "seed", abstract: "Add synthetic respondents and responses.")

    @OptionGroup var common: CommonOptions
    @Option(help: "How many responses to add.") var responses: Int = 10_000
    @Option(help: "Rows per LOAD DATA batch.") var batch: Int = 20_000
    @Option(help: "Random seed (the same seed gives the same answers).") var seed: UInt64 = 2026

    func run() async throws {
        guard responses > 0, batch > 0 else { throw ValidationError("--responses and --batch must be positive") }
        try await common.withMigratedDatabase(allowLocalInfile: true) { database, configuration in
            let survey = try SurveyDefinition.load(path: configuration.resources.survey)
            let report = try await Seeder(database: database, survey: survey, seed: seed, batchSize: batch).run(responses: responses, progress: Progress())
            print(String(format: "Seeded %d responses in %.1f s: %.0f responses/s (totals included).",
                         report.responses, report.seconds, Double(report.responses) / report.seconds))
        }
    }
}

/// A progress bar on a terminal; a line per tenth elsewhere (logs, CI).
final class Progress: @unchecked Sendable {  // used from one task at a time
    private let terminal = isatty(STDERR_FILENO) == 1
    private var lastTenth = -1
    private let start = ContinuousClock.now

    func update(done: Int, of total: Int) {
        let fraction = Double(done) / Double(total)
        let elapsed = (ContinuousClock.now - start).seconds
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        if terminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data(String(format: "\r[%@] %3.0f%% %d/%d  %.0f/s ", bar, fraction * 100, done, total, rate).utf8))
            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
        } else if Int(fraction * 10) > lastTenth {
            lastTenth = Int(fraction * 10)
            FileHandle.standardError.write(Data(String(format: "seed: %d/%d (%.0f/s)\n", done, total, rate).utf8))
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// `SurveyApp rebuild-counts`: recomputes the dashboard's totals from the responses (after a
/// restore, or a manual change to `responses`).
struct RebuildCountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rebuild-counts", abstract: "Recompute the dashboard's totals from the responses.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await common.withMigratedDatabase { database, configuration in
            let start = ContinuousClock.now
            try await ResponseCounts(survey: try SurveyDefinition.load(path: configuration.resources.survey)).rebuild(database)
            print(String(format: "Totals rebuilt in %.1f s.", (ContinuousClock.now - start).seconds))
        }
    }
}
