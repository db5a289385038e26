import ArgumentParser
import Foundation
import Logging
import MariaDB
import Redis

/// `make bench`: our clients beside the reference tools, against the same servers in one run.
/// Prints figures and ratios; it asserts nothing (speed is not a unit test).
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "Bench", abstract: "Throughput beside reference tools.")

    @Option(help: "MariaDB URL of a user that may create databases.") var databaseURL = ProcessInfo.processInfo.environment["BENCH_DATABASE_URL"] ?? ""
    @Option(help: "Redis URL.") var redisURL = ProcessInfo.processInfo.environment["BENCH_REDIS_URL"] ?? ""
    @Option(help: "Concurrent tasks (and reference clients).") var concurrency = 16
    @Option(help: "Single-row INSERTs per run.") var inserts = 40_000
    @Option(help: "Rows to stream.") var rows = 1_000_000
    @Option(help: "Redis operations per command kind.") var redisOperations = 200_000
    @Option(help: "Password hashes to time.") var hashes = 20
    @Option(help: "Which groups to run: all, mariadb, redis, hash.") var only = "all"

    func run() async throws {
        guard !databaseURL.isEmpty, !redisURL.isEmpty else {
            throw ValidationError("set BENCH_DATABASE_URL and BENCH_REDIS_URL (scripts/bench.sh does)")
        }
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let report = BenchReport()
        if only == "all" || only == "mariadb" {
            var configuration = try MariaDBConfiguration(url: databaseURL)
            configuration.poolSize = concurrency
            try await DatabaseBench(configuration: configuration, concurrency: concurrency, logger: logger)
                .run(inserts: inserts, rows: rows, report: report)
        }
        if only == "all" || only == "redis" {
            var configuration = try RedisConfiguration(url: redisURL)
            configuration.poolSize = concurrency
            try await RedisBench(configuration: configuration, concurrency: concurrency, logger: logger)
                .run(operations: redisOperations, report: report)
        }
        if only == "all" || only == "hash" {
            try PasswordHashBench(iterations: hashes).run(report: report)
        }
        report.printTable()
    }
}
