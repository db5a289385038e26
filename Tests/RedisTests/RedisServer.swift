import ChildProcess
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway `redis-server` on a loopback port, killed when the test ends.
///
/// Failing to start is an error, never a skip: the suite must prove it talked to a real server.
final class RedisServer {
    struct StartError: Error, CustomStringConvertible {
        var description: String
    }

    let port: Int
    private let directory: URL
    private let extraArguments: [String]
    private var process: ChildProcess?

    private init(port: Int, directory: URL, extraArguments: [String]) {
        self.port = port
        self.directory = directory
        self.extraArguments = extraArguments
    }

    deinit {
        if let process, process.isRunning {
            process.signal(SIGKILL)
            _ = process.waitForExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts a server on a free port, retrying with another port if one was taken meanwhile.
    static func start(extraArguments: [String] = []) async throws -> RedisServer {
        var lastError: (any Error)?
        for _ in 0..<5 {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("redis-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let server = RedisServer(port: try ListenPort.pick(), directory: directory, extraArguments: extraArguments)
            do {
                try await server.launch()
                return server
            } catch {
                lastError = error
            }
        }
        throw lastError ?? StartError(description: "redis-server did not start")
    }

    /// Starts the server again on the same port, as an operator restarting Redis would.
    func restart() async throws {
        try await launch()
    }

    /// SIGKILL, so clients see their sockets closed without any goodbye.
    func kill() async throws {
        guard let process else { return }
        process.signal(SIGKILL)
        // Reaped once it is gone (dead, its sockets closed).
        while process.isRunning {
            try await Task.sleep(for: .milliseconds(10))
        }
        self.process = nil
    }

    private func launch() async throws {
        let logFile = directory.appendingPathComponent("redis.log")
        let process: ChildProcess
        do {
            process = try ChildProcess.spawn("/usr/bin/env", [
                "redis-server", "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--dir", directory.path, "--logfile", logFile.path,
            ] + extraArguments)
        } catch {
            throw StartError(description: "cannot launch redis-server: \(error)")
        }
        self.process = process
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if Self.ping(port: port) { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        try? await kill()
        throw StartError(description: "redis-server on port \(port) did not answer PING. Log:\n\(log.suffix(2000))")
    }

    /// Speaks raw RESP so readiness checks do not depend on the client under test.
    static func ping(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        // Any reply proves readiness: a server with requirepass answers PING with -NOAUTH.
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return false }
        let request = Array("PING\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 16)
        let received = recv(fd, &buffer, buffer.count, 0)
        return received >= 5
            && (Array(buffer[0..<5]) == Array("+PONG".utf8) || Array(buffer[0..<7]) == Array("-NOAUTH".utf8))
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
