import Foundation
import Logging
import MariaDB

/// Pool INSERTs beside `mariadb-slap`, and a streamed 1M-row SELECT beside `mariadb --batch --quick`.
struct DatabaseBench {
    let configuration: MariaDBConfiguration
    let concurrency: Int
    let logger: Logger

    private var cliArguments: [String] {
        ["--no-defaults", "--protocol=tcp", "--host=\(configuration.host)", "--port=\(configuration.port)",
         "--user=\(configuration.user)", "--password=\(configuration.password)"]
    }

    func run(inserts: Int, rows: Int, report: BenchReport) async throws {
        let db = MariaDBClient(configuration: configuration, logger: logger)
        do {
            try await run(db, inserts: inserts, rows: rows, report: report)
        } catch {
            await db.shutdown()
            throw error
        }
        await db.shutdown()
    }

    private func run(_ db: MariaDBClient, inserts: Int, rows: Int, report: BenchReport) async throws {
        try await db.withConnection { c in
            try await c.execute(unsafeSQL: "DROP TABLE IF EXISTS bench_insert")
            try await c.execute(unsafeSQL: "CREATE TABLE bench_insert (id INT AUTO_INCREMENT PRIMARY KEY, n INT, s VARCHAR(64))")
        }

        print("MariaDB: \(inserts) single-row autocommit INSERTs at concurrency \(concurrency)")
        // Warm both up once, then measure the reference, ours (tasks on Swift's global pool, then
        // tasks preferring the client's I/O threads), and the reference again.
        _ = try await oursInsert(db, count: concurrency * 50, onClientThreads: false)
        _ = try await oursInsert(db, count: concurrency * 50, onClientThreads: true)
        let childCPU0 = CPUTime.children()
        let reference1 = try slapInsert(count: inserts)
        let ownCPU0 = CPUTime.own()
        let global = try await oursInsert(db, count: inserts, onClientThreads: false)
        let ownCPU1 = CPUTime.own()
        let preferring = try await oursInsert(db, count: inserts, onClientThreads: true)
        let ownCPU2 = CPUTime.own()
        let reference2 = try slapInsert(count: inserts)
        let childCPU = (CPUTime.children() - childCPU0) / 2
        let reference = (reference1 + reference2) / 2
        print(String(format: "  client CPU per INSERT: tasks on the global pool %.1f µs, tasks preferring the client's executor %.1f µs, mariadb-slap %.1f µs (2 cores shared with the server)",
                     (ownCPU1 - ownCPU0) / Double(inserts) * 1e6, (ownCPU2 - ownCPU1) / Double(inserts) * 1e6, childCPU / Double(inserts) * 1e6))
        report.add("INSERT/s, pool c=\(concurrency), tasks on the global pool", ours: global, reference: reference, unit: "/s", target: nil)
        report.add("INSERT/s, pool c=\(concurrency) vs mariadb-slap", ours: preferring, reference: reference, unit: "/s", target: 0.8)

        print("MariaDB: streaming \(rows) rows")
        try await db.withConnection { c in
            try await c.execute(unsafeSQL: "DROP TABLE IF EXISTS bench_rows")
            try await c.execute(unsafeSQL: """
                CREATE TABLE bench_rows (id INT PRIMARY KEY, household_size TINYINT NOT NULL, income_band CHAR(2) NOT NULL,
                  spend DECIMAL(10,2) NOT NULL, store VARCHAR(60) NOT NULL, created_at DATETIME(6) NOT NULL)
                """)
            try await c.execute(unsafeSQL: """
                INSERT INTO bench_rows SELECT seq, 1 + seq % 7, ELT(1 + seq % 6, 'A', 'B', 'C', 'D', 'E', 'na'),
                  (seq % 500000) / 100, CONCAT('Supermercado ', seq % 97), '2026-01-01' + INTERVAL seq SECOND
                FROM seq_1_to_\(rows)
                """)
        }
        let query = "SELECT id, household_size, income_band, spend, store, created_at FROM bench_rows"
        _ = try await oursStream(db, query: query)  // warm the buffer pool
        let cli1 = try cliStream(query: query)
        let (streamed, seconds) = try await oursStream(db, query: query)
        let cli2 = try cliStream(query: query)
        precondition(streamed == rows, "streamed \(streamed) rows, expected \(rows)")
        report.add("rows/s streamed vs mariadb --batch --quick", ours: Double(rows) / seconds, reference: Double(rows) / ((cli1 + cli2) / 2), unit: "/s", target: 0.7)
    }

    /// `onClientThreads`: each task prefers one of the client's I/O threads as its executor (as a
    /// database-bound worker would), so replies resume it without a thread switch.
    private func oursInsert(_ db: MariaDBClient, count: Int, onClientThreads: Bool) async throws -> Double {
        try await operationsPerSecond(total: count, workers: concurrency, executor: onClientThreads ? { db.taskExecutor } : nil) { n in
            try await db.execute("INSERT INTO bench_insert (n, s) VALUES (\(n), \("abcdefghij"))")
        }
    }

    private func slapInsert(count: Int) throws -> Double {
        let (output, _) = try ReferenceTool.run("/usr/bin/mariadb-slap", cliArguments + [
            "--concurrency=\(concurrency)", "--number-of-queries=\(count)", "--iterations=1",
            "--create-schema=bench_slap",
            "--create=CREATE TABLE bench_insert (id INT AUTO_INCREMENT PRIMARY KEY, n INT, s VARCHAR(64))",
            "--query=INSERT INTO bench_insert (n, s) VALUES (1, 'abcdefghij')",
        ])
        // "Average number of seconds to run all queries: 1.234 seconds"
        guard let line = output.split(separator: "\n").first(where: { $0.contains("Average number of seconds") }),
              let seconds = line.split(separator: ":").last.flatMap({ Double($0.replacingOccurrences(of: "seconds", with: "").trimmingCharacters(in: .whitespaces)) })
        else { throw ReferenceError(description: "unexpected mariadb-slap output: \(output.prefix(300))") }
        return Double(count) / seconds
    }

    private func oursStream(_ db: MariaDBClient, query: String) async throws -> (Int, Double) {
        let start = ContinuousClock.now
        var checksum = 0
        let count = try await db.stream(SQLQuery(unsafeSQL: query), batchSize: 2048) { batch in
            // Touch every value, as an export would.
            for row in batch {
                for value in row.values {
                    if case .string(let s) = value { checksum &+= s.utf8.count }
                }
            }
        }
        precondition(checksum > 0)
        return (count, (ContinuousClock.now - start).seconds)
    }

    private func cliStream(query: String) throws -> Double {
        try ReferenceTool.run("/usr/bin/mariadb", cliArguments + ["--batch", "--quick", configuration.database, "-e", query], stdoutToNull: true).seconds
    }
}
