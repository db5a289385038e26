#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Foundation
import Synchronization

/// A TCP relay in front of a real server (MariaDB or Redis) that a test can cut, to see what the
/// app does while that server is out of reach, and then restore. While cut, the connections it
/// carried are closed and new ones are closed as soon as they are accepted, as a server that has
/// just died would.
final class CuttableProxy: Sendable {
    let port: Int
    private let listener: Int32
    private let targetPort: Int
    private let state = Mutex<(cut: Bool, stopped: Bool, sockets: [Int32])>((false, false, []))

    init(toPort targetPort: Int) throws {
        self.targetPort = targetPort
        (listener, port) = try LoopbackSocket.listen()
        Thread { [self] in acceptLoop() }.start()
    }

    /// Closes every relayed connection and refuses new ones until `restore()`.
    func cut() {
        state.withLock { state in
            state.cut = true
            for fd in state.sockets { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    func restore() { state.withLock { $0.cut = false } }

    /// Ends the relay for good; call once the app using it has stopped. Sockets are shut down but
    /// never closed: a pump thread may still hold the number, and closing it could hand that
    /// number to another test's socket while the thread reads it.
    func stop() {
        state.withLock { state in
            state.stopped = true
            for fd in state.sockets { shutdown(fd, Int32(SHUT_RDWR)) }
        }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                break  // stopped
            }
            let (refused, stopped) = state.withLock { ($0.cut, $0.stopped) }
            if stopped { close(client); break }
            if refused {
                close(client)
                continue
            }
            guard let upstream = LoopbackSocket.connect(port: targetPort) else {
                close(client)
                continue
            }
            state.withLock { $0.sockets += [client, upstream] }
            Thread { Self.pump(from: client, to: upstream) }.start()
            Thread { Self.pump(from: upstream, to: client) }.start()
        }
        close(listener)
    }

    /// Copies bytes one way until either side ends, then ends both ways.
    private static func pump(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16384)
        copying: while true {
            let n = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }
            var sent = 0
            while sent < n {
                let m = buffer.withUnsafeBytes { send(destination, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
                guard m > 0 else { break copying }
                sent += m
            }
        }
        shutdown(source, Int32(SHUT_RDWR))
        shutdown(destination, Int32(SHUT_RDWR))
    }
}
