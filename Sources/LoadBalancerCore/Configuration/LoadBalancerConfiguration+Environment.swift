import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension LoadBalancerConfiguration {
    /// Reads the `LB_*` variables (see the README); unset ones keep their defaults. The backends come
    /// from `LB_BACKENDS_FILE`, or else from `LB_BACKENDS` (`host:port[=weight]`, comma-separated).
    public init(environment: [String: String]) throws(ConfigurationError) {
        self.init()
        let reader = EnvironmentReader(environment: environment)
        if let value = reader.string("LB_LISTEN") { self.listen = try ListenAddress(parsing: value, setting: "LB_LISTEN") }
        if let value = reader.string("LB_ADMIN_LISTEN") {
            self.adminListen = value == "off" ? nil : try ListenAddress(parsing: value, setting: "LB_ADMIN_LISTEN")
        }
        if let value = reader.string("LB_ALGORITHM") {
            guard let algorithm = BalancingAlgorithm(rawValue: value) else {
                throw ConfigurationError(
                    "LB_ALGORITHM: `\(value)` is not one of \(BalancingAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            self.algorithm = algorithm
        }
        self.threads = try reader.int("LB_THREADS", default: self.threads, range: 1...256)
        self.client.maxConnections = try reader.int("LB_MAX_CONNECTIONS", default: self.client.maxConnections, range: 1...1_000_000)
        self.client.maxHeaderBytes = try reader.int("LB_MAX_HEADER_BYTES", default: self.client.maxHeaderBytes, range: 1024...1_048_576)
        self.client.maxBodyBytes = try reader.int("LB_MAX_BODY_BYTES", default: self.client.maxBodyBytes, range: 0...Int.max)
        self.client.headerTimeout = try reader.duration("LB_HEADER_TIMEOUT", default: self.client.headerTimeout)
        self.client.bodyTimeout = try reader.duration("LB_BODY_TIMEOUT", default: self.client.bodyTimeout)
        self.client.idleTimeout = try reader.duration("LB_IDLE_TIMEOUT", default: self.client.idleTimeout)
        self.client.sendTimeout = try reader.duration("LB_SEND_TIMEOUT", default: self.client.sendTimeout)
        self.upstream.connectTimeout = try reader.duration("LB_CONNECT_TIMEOUT", default: self.upstream.connectTimeout)
        self.upstream.responseTimeout = try reader.duration("LB_UPSTREAM_TIMEOUT", default: self.upstream.responseTimeout)
        self.upstream.poolIdleMax = try reader.int("LB_POOL_IDLE_MAX", default: self.upstream.poolIdleMax, range: 0...10_000)
        self.upstream.poolIdleTimeout = try reader.duration("LB_POOL_IDLE_TIMEOUT", default: self.upstream.poolIdleTimeout)
        self.upstream.maxRequestsPerConnection = try reader.int(
            "LB_POOL_MAX_REQUESTS", default: self.upstream.maxRequestsPerConnection, range: 1...Int.max
        )
        self.retry.maxTries = try reader.int("LB_RETRY_TRIES", default: self.retry.maxTries, range: 1...100)
        self.retry.timeout = try reader.duration("LB_RETRY_TIMEOUT", default: self.retry.timeout)
        self.retry.replayBufferBytes = try reader.int(
            "LB_RETRY_BUFFER_BYTES", default: self.retry.replayBufferBytes, range: 0...(64 << 20)
        )
        self.health.maxFails = try reader.int("LB_MAX_FAILS", default: self.health.maxFails, range: 0...1000)
        self.health.failTimeout = try reader.duration("LB_FAIL_TIMEOUT", default: self.health.failTimeout)
        if let value = reader.string("LB_HEALTH_PATH") {
            if value == "off" {
                self.health.path = nil
            } else {
                guard value.hasPrefix("/") else { throw ConfigurationError("LB_HEALTH_PATH must start with / (or be `off`)") }
                self.health.path = value
            }
        }
        self.health.interval = try reader.duration("LB_HEALTH_INTERVAL", default: self.health.interval)
        self.health.timeout = try reader.duration("LB_HEALTH_TIMEOUT", default: self.health.timeout)
        self.health.rise = try reader.int("LB_HEALTH_RISE", default: self.health.rise, range: 1...100)
        self.health.fall = try reader.int("LB_HEALTH_FALL", default: self.health.fall, range: 1...100)
        self.health.slowStart = try reader.duration("LB_SLOW_START", default: self.health.slowStart, allowZero: true)
        if let value = reader.string("LB_TRUSTED_PROXIES") { self.trustedProxies = try TrustedProxies(parsing: value) }
        if let value = reader.string("LB_FORWARDED_PROTO") { self.forwardedProto = value }
        if let directory = reader.string("LB_ERROR_PAGES_DIR") {
            self.errorPages = try ErrorPage.load(directory: directory)
        }
        if let value = reader.string("LB_ACCESS_LOG") {
            switch value {
            case "off", "false", "0": self.accessLog = .off
            case "stdout", "-", "on", "true", "1": self.accessLog = .stdout
            default: self.accessLog = .file(value)
            }
        }
        self.shutdownTimeout = try reader.duration("LB_SHUTDOWN_TIMEOUT", default: self.shutdownTimeout, allowZero: true)
        let reload = try reader.duration("LB_RELOAD_INTERVAL", default: self.reloadInterval ?? .zero, allowZero: true)
        self.reloadInterval = reload > .zero ? reload : nil

        if let path = reader.string("LB_BACKENDS_FILE") {
            self.backendsFile = path
            self.backends = try BackendsFile.load(path: path)
        } else if let inline = reader.string("LB_BACKENDS") {
            let lines = inline.split(separator: ",").map { $0.replacing("=", with: " ") }.joined(separator: "\n")
            self.backends = try BackendsFile.parse(lines)
        } else {
            throw ConfigurationError("set LB_BACKENDS_FILE (a file of `host:port [weight]` lines) or LB_BACKENDS")
        }
    }

    /// The process's environment.
    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let pair = String(cString: entry)
            if let equals = pair.firstIndex(of: "=") {
                result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}

/// Typed reads of environment variables, each error naming its variable.
struct EnvironmentReader {
    var environment: [String: String]

    func string(_ name: String) -> String? {
        guard let value = self.environment[name]?.trimmingSpaces, !value.isEmpty else { return nil }
        return value
    }

    func int(_ name: String, default value: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = self.string(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw ConfigurationError("\(name): `\(text)` is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    func duration(_ name: String, default value: TimeAmount, allowZero: Bool = false) throws(ConfigurationError) -> TimeAmount {
        guard let text = self.string(name) else { return value }
        guard let amount = Self.parseDuration(text), amount >= .zero, allowZero || amount > .zero else {
            throw ConfigurationError("\(name): `\(text)` is not a duration such as 500ms, 10s, 2m or 1.5")
        }
        return amount
    }

    /// `500ms`, `10s`, `2m`, `1h`, or a number of seconds (`1.5`).
    static func parseDuration(_ text: String) -> TimeAmount? {
        let units: [(String, Double)] = [("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        for (suffix, nanos) in units where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)), number.isFinite else { return nil }
            return .nanoseconds(Int64(number * nanos))
        }
        guard let seconds = Double(text), seconds.isFinite else { return nil }
        return .nanoseconds(Int64(seconds * 1e9))
    }
}

extension String {
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" || first == "\n" || first == "\r" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\n" || last == "\r" { slice.removeLast() }
        return String(slice)
    }
}
