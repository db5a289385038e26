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

    /// Runs the services script and waits for it with `waitpid`. (Foundation's `Process` can miss
    /// a child's exit on Linux when two tests wait at once, and would hang the test run.)
    @discardableResult
    func run(_ arguments: String...) throws -> String {
        let log = directory + "-\(UUID().uuidString.prefix(6)).log"
        defer { unlink(log) }
        let environment = [
            "SERVICES_DIR=\(directory)", "MARIADB_PORT=\(mariaDBPort)", "REDIS_PORT=\(redisPort)",
            "REDIS_APPENDONLY=no", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ]
        let argv = ["/bin/bash", Self.script] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer { (cArgv + cEnv).forEach { free($0) } }
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, cArgv, cEnv)
        guard spawned == 0 else { throw TestSetupError("could not start services.sh (error \(spawned))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // WIFEXITED && WEXITSTATUS == 0
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw TestSetupError("services.sh \(arguments.joined(separator: " ")) failed: \(output)")
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
