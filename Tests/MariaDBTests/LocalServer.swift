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

    init() {
        // Under the test run's scratch folder, so `make test` stops it even if this process dies.
        let scratch = ProcessInfo.processInfo.environment["TEST_SCRATCH_DIR"] ?? NSTemporaryDirectory()
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        directory = scratch + "/server-" + UUID().uuidString.prefix(8)
        mariaDBPort = Self.freePort()
        redisPort = Self.freePort()
    }

    var databaseURL: String {
        let password = (try? String(contentsOfFile: directory + "/db-password", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return "mariadb://survey:\(password)@127.0.0.1:\(mariaDBPort)/survey"
    }

    /// Runs the services script and waits for it.
    @discardableResult
    func run(_ arguments: String...) throws -> String {
        let log = directory + "-\(UUID().uuidString.prefix(6)).log"
        defer { unlink(log) }
        let environment = [
            "SERVICES_DIR=\(directory)", "MARIADB_PORT=\(mariaDBPort)", "REDIS_PORT=\(redisPort)",
            "REDIS_APPENDONLY=no", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ]
        let status = try ChildProcess.run("/bin/bash", [Self.script] + arguments, environment: environment, outputPath: log)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw TestSetupError("services.sh \(arguments.joined(separator: " ")) failed (\(status)): \(output)")
        }
        return output
    }

    func remove() {
        _ = try? run("stop")
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A port the kernel just handed out and released: free for a server started right after.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
