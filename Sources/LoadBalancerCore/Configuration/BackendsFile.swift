#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The backends file: one backend per line, `host:port` then an optional weight, either bare or as
/// `weight=N`. `#` starts a comment; blank lines are ignored.
///
///     # survey app replicas
///     127.0.0.1:8101
///     127.0.0.1:8102 weight=2
///     [::1]:8103 3
public enum BackendsFile {
    /// The largest weight accepted; weights are relative, so more is never needed.
    public static let maximumWeight = 1000

    public static func parse(_ text: String) throws(ConfigurationError) -> [BackendSpec] {
        var specs: [BackendSpec] = []
        var seen: Set<String> = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            let lineNumber = index + 1
            guard fields.count <= 2 else {
                throw ConfigurationError("backends file line \(lineNumber): expected `host:port [weight]`")
            }
            var spec = try Self.parseAddress(String(fields[0]), line: lineNumber)
            if fields.count == 2 {
                var weightText = fields[1]
                if weightText.hasPrefix("weight=") { weightText = weightText.dropFirst("weight=".count) }
                guard let weight = Int(weightText), (0...Self.maximumWeight).contains(weight) else {
                    throw ConfigurationError(
                        "backends file line \(lineNumber): weight must be a whole number from 0 to \(Self.maximumWeight)"
                    )
                }
                spec.weight = weight
            }
            guard seen.insert(spec.address).inserted else {
                throw ConfigurationError("backends file line \(lineNumber): \(spec.address) is listed twice")
            }
            specs.append(spec)
        }
        return specs
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws(ConfigurationError) -> [BackendSpec] {
        guard let text = Self.readFile(path) else {
            throw ConfigurationError("cannot read the backends file \(path)")
        }
        return try Self.parse(text)
    }

    static func parseAddress(_ text: String, line: Int) throws(ConfigurationError) -> BackendSpec {
        guard let (host, port) = ListenAddress.splitHostPort(text), !host.isEmpty else {
            throw ConfigurationError("backends file line \(line): `\(text)` is not host:port")
        }
        return BackendSpec(host: host, port: port)
    }

    /// The whole file as UTF-8, or nil if it cannot be read. Small files only (up to 1 MiB): the
    /// backends list, error pages.
    static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > 1 << 20 { return nil }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
