#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A loopback port for a server that a test starts as another process.
///
/// Not port 0's pick: the kernel hands those out from the ephemeral range, the same range every
/// outgoing connection takes its local port from, so between the pick and the server's bind (a
/// MariaDB data directory takes seconds to create) a test's own client connection can take the
/// port, and the server fails with "Address already in use" (it did, in a `make test` run). Ports
/// are drawn below that range instead, checked free, and never handed out twice by one process.
public enum ListenPort {
    private static let handedOut = Mutex<Set<Int>>([])

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    public static func pick() throws -> Int {
        let upper = ephemeralRangeStart()
        let lower = min(20_000, upper - 1_000)
        for _ in 0..<200 {
            let port = Int.random(in: lower..<upper)
            let claimed = handedOut.withLock { $0.insert(port).inserted }
            if claimed && canBind(port) { return port }
        }
        throw Unavailable(description: "no free loopback port between \(lower) and \(upper)")
    }

    /// The first port of the kernel's ephemeral range (32768 unless configured otherwise).
    static func ephemeralRangeStart() -> Int {
        guard let file = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r") else { return 32_768 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 64)
        guard fgets(&line, Int32(line.count), file) != nil,
              let low = String(cString: line).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap({ Int($0) })
        else { return 32_768 }
        return max(2_000, low)
    }

    private static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
