#if canImport(Glibc)
import Glibc
#endif
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
    init(upstreamHost: String, upstreamPort: Int) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 1) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        guard bound else { throw TestSetupError("stalling server: cannot listen (errno \(errno))") }
        let thread = Thread { [self] in serve(upstreamHost: upstreamHost, upstreamPort: upstreamPort) }
        thread.start()
    }

    private func serve(upstreamHost: String, upstreamPort: Int) {
        let accepted = accept(listener, nil, nil)
        guard accepted >= 0 else { return }
        client.withLock { $0 = accepted }
        guard let greeting = Self.greeting(host: upstreamHost, port: upstreamPort) else { return }
        _ = greeting.withUnsafeBytes { send(accepted, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var sink = [UInt8](repeating: 0, count: 4096)
        while recv(accepted, &sink, sink.count, 0) > 0 {}  // never answers
    }

    /// The first packet the real server sends (4-byte header and payload).
    private static func greeting(host: String, port: Int) -> [UInt8]? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected, let header = readExactly(fd, 4) else { return nil }
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
