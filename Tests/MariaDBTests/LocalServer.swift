import ChildProcess
import Foundation

/// A private mariadbd or redis-server started with the project's own `scripts/services.sh`, for
/// tests that kill and restart a server without disturbing the shared test instance.
struct LocalServer {
    let directory: String
    let mariaDBPort: Int
    let redisPort: Int

    static var script: String {
        if let path = ProcessInfo.processInfo.environment["SERVICES_SCRIPT"] { return path }
        // Tests/<Target>/File.swift → project root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("scripts/services.sh").path
    }

    /// Runs `body` with a new private server directory, then stops its servers and removes it.
    static func with<T>(_ body: (LocalServer) async throws -> T) async throws -> T {
        let server = try LocalServer()
        do {
            let result = try await body(server)
            await server.remove()
            return result
        } catch {
            await server.remove()
            throw error
        }
    }

    private init() throws {
        // Under the test run's scratch folder, so `make test` stops it even if this process dies.
        let scratch = ProcessInfo.processInfo.environment["TEST_SCRATCH_DIR"] ?? NSTemporaryDirectory()
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        directory = scratch + "/server-" + UUID().uuidString.prefix(8)
        mariaDBPort = try ListenPort.pick()
        redisPort = try ListenPort.pick()
    }

    var databaseURL: String {
        let password = (try? String(contentsOfFile: directory + "/db-password", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return "mariadb://survey:\(password)@127.0.0.1:\(mariaDBPort)/survey"
    }

    /// Runs the services script and waits for it.
    @discardableResult
    func run(_ arguments: String...) async throws -> String {
        let log = directory + "-\(UUID().uuidString.prefix(6)).log"
        defer { unlink(log) }
        let environment = [
            "SERVICES_DIR=\(directory)", "MARIADB_PORT=\(mariaDBPort)", "REDIS_PORT=\(redisPort)",
            "REDIS_APPENDONLY=no", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            // The test run's server settings (a small redo log and buffer pool) for these too.
            "MARIADB_EXTRA_ARGS=\(ProcessInfo.processInfo.environment["MARIADB_EXTRA_ARGS"] ?? "--innodb-log-file-size=96M")",
        ]
        let status = try await ChildProcess.run("/bin/bash", [Self.script] + arguments, environment: environment, outputPath: log)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw TestSetupError("services.sh \(arguments.joined(separator: " ")) failed (\(status)): \(output)")
        }
        return output
    }

    func remove() async {
        _ = try? await run("stop")
        try? FileManager.default.removeItem(atPath: directory)
    }
}
