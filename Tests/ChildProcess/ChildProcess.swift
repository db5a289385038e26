import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, for tests that run servers and tools.
///
/// Foundation's `Process` is not used: on Linux its `run()` lists `/proc/self/fd` and copies each
/// entry's name as a fixed 256 bytes, reading past the end of its buffer; once the test process
/// has over a thousand descriptors open, that read can cross into an unmapped page and crash the
/// whole run (it did, in CI). It can also miss a child's exit when two tests wait at once.
public struct ChildProcess: Sendable {
    public let pid: pid_t

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `executable` with `arguments` (not including argv[0]). Standard input is /dev/null;
    /// standard output and error go to `outputPath`, or to /dev/null. Descriptors above 2 are
    /// closed in the child, so a server started here holds none of the test process's sockets.
    public static func spawn(
        _ executable: String, _ arguments: [String], environment: [String]? = nil, outputPath: String? = nil
    ) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = (environment ?? Self.currentEnvironment).map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard status == 0 else {
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        return ChildProcess(pid: pid)
    }

    /// Runs to completion and returns the exit status (128 + signal when killed by one).
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String]? = nil, outputPath: String? = nil
    ) async throws -> Int32 {
        try await spawn(executable, arguments, environment: environment, outputPath: outputPath).exited()
    }

    /// Waits until the child exits, reaps it and returns its exit status. The blocking wait runs
    /// on a thread of its own: the test process has only as many threads for tasks as cores
    /// (two here), and two tests each waiting seconds for a server to start on them stalled
    /// every other test meanwhile.
    public func exited() async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: waitForExit()) }.start()
        }
    }

    /// Blocks until the child exits and reaps it. In async code, `exited()`.
    public func waitForExit() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return -1 }
        }
        return Self.exitCode(status)
    }

    /// Whether the child still runs; reaps it (without blocking) once it has exited.
    public var isRunning: Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    private static func exitCode(_ status: Int32) -> Int32 {
        // WIFEXITED: the low 7 bits are 0 and the code is in the next byte; otherwise a signal.
        status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    private static var currentEnvironment: [String] {
        var result: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            result.append(String(cString: pointer))
            entry += 1
        }
        return result
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module does
    /// not export: looked up at run time.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()
}
