import Foundation
import Logging
import Redis

/// GET and SET through the pool beside `redis-benchmark -c N -t get,set`.
struct RedisBench {
    let configuration: RedisConfiguration
    let concurrency: Int
    let logger: Logger

    func run(operations: Int, report: BenchReport) async throws {
        let redis = RedisClient(configuration: configuration, logger: logger)
        do {
            try await run(redis, operations: operations, report: report)
        } catch {
            await redis.shutdown()
            throw error
        }
        await redis.shutdown()
    }

    private func run(_ redis: RedisClient, operations: Int, report: BenchReport) async throws {
        print("Redis: \(operations) SETs and GETs at concurrency \(concurrency)")
        _ = try await measure(redis, operations: concurrency * 100, command: "SET")
        let (output, _) = try ReferenceTool.run("/usr/bin/redis-benchmark", [
            "-h", configuration.host, "-p", String(configuration.port), "-c", String(concurrency),
            "-n", String(operations), "-t", "get,set", "-q",
        ])
        let set = try await measure(redis, operations: operations, command: "SET")
        let get = try await measure(redis, operations: operations, command: "GET")
        report.add("Redis SET/s c=\(concurrency) vs redis-benchmark", ours: set, reference: try Self.rate(of: "SET", in: output), unit: "/s", target: nil)
        report.add("Redis GET/s c=\(concurrency) vs redis-benchmark", ours: get, reference: try Self.rate(of: "GET", in: output), unit: "/s", target: nil)
    }

    private func measure(_ redis: RedisClient, operations: Int, command: String) async throws -> Double {
        try await operationsPerSecond(total: operations, workers: concurrency) { n in
            let key = "bench:key:\(n % 1000)"
            _ = command == "SET" ? try await redis.send("SET", key, "xxx") : try await redis.send("GET", key)
        }
    }

    /// Parses `redis-benchmark -q` lines such as `SET: 81300.81 requests per second, p50=0.151 msec`.
    static func rate(of command: String, in output: String) throws -> Double {
        for line in output.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix(command + ":") else { continue }
            let number = text.dropFirst(command.count + 1).trimmingCharacters(in: .whitespaces).prefix { $0.isNumber || $0 == "." }
            if let value = Double(number) { return value }
        }
        throw ReferenceError(description: "no \(command) figure in redis-benchmark output: \(output.suffix(300))")
    }
}
