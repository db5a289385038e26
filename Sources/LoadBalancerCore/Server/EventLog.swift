#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The balancer's own messages (start, reload, health changes, shutdown), one line each on stderr,
/// apart from the access log on stdout. Rare, so written straight away.
public enum EventLog {
    public static func info(_ message: String) {
        Self.write("info", message)
    }

    public static func warning(_ message: String) {
        Self.write("warning", message)
    }

    public static func error(_ message: String) {
        Self.write("error", message)
    }

    private static func write(_ level: String, _ message: String) {
        var clock = WallClockText()
        let line = "\(clock.now()) [\(level)] loadbalancer: \(message)\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            _ = systemWriteStderr(buffer.baseAddress!, buffer.count)
        }
    }
}

private func systemWriteStderr(_ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(STDERR_FILENO, bytes, count)
}
