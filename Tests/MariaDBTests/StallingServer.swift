#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Foundation
import Synchronization

/// A MariaDB server that stops answering mid-handshake: it accepts one client, sends it the real
/// test server's greeting (which offers TLS), then reads whatever the client sends and never
/// replies. A TLS client is thus left waiting for the server's part of the TLS handshake.
final class StallingServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let client = Mutex<Int32>(-1)

    /// `upstream`: the real server whose greeting is replayed.
    /// `upstreamPort`: the real server (on 127.0.0.1) whose greeting is replayed.
    init(upstreamPort: Int) throws {
        (listener, port) = try LoopbackSocket.listen(backlog: 1)
        let thread = Thread { [self] in serve(upstreamPort: upstreamPort) }
        thread.start()
    }

    private func serve(upstreamPort: Int) {
        let accepted = accept(listener, nil, nil)
        guard accepted >= 0 else { return }
        client.withLock { $0 = accepted }
        guard let greeting = Self.greeting(port: upstreamPort) else { return }
        _ = greeting.withUnsafeBytes { send(accepted, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var sink = [UInt8](repeating: 0, count: 4096)
        while recv(accepted, &sink, sink.count, 0) > 0 {}  // never answers
    }

    /// The first packet the real server sends (4-byte header and payload).
    private static func greeting(port: Int) -> [UInt8]? {
        guard let fd = LoopbackSocket.connect(port: port) else { return nil }
        defer { close(fd) }
        guard let header = readExactly(fd, 4) else { return nil }
        let length = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16
        guard let payload = readExactly(fd, length) else { return nil }
        return header + payload
    }

    private static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + done, count - done, 0) }
            guard n > 0 else { return nil }
            done += n
        }
        return bytes
    }

    /// Ends the connection and the listener (the serving thread then returns).
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        client.withLock { if $0 >= 0 { shutdown($0, Int32(SHUT_RDWR)) } }
    }

    deinit {
        close(listener)
        client.withLock { if $0 >= 0 { close($0) } }
    }
}
