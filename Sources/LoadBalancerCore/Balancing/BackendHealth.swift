import NIOCore

/// One backend's health: the active checks' verdict (rise/fall) and passive failures (nginx's
/// `max_fails` within `fail_timeout` take it out for `fail_timeout`). A pure value, so that the
/// rules can be tested without a clock or a socket.
public struct BackendHealth: Sendable, Equatable {
    public struct Configuration: Sendable, Equatable {
        public var maxFails: Int
        public var failTimeout: TimeAmount
        public var rise: Int
        public var fall: Int
        public var slowStart: TimeAmount

        public init(maxFails: Int = 1, failTimeout: TimeAmount = .seconds(10), rise: Int = 2, fall: Int = 3, slowStart: TimeAmount = .zero) {
            self.maxFails = maxFails
            self.failTimeout = failTimeout
            self.rise = rise
            self.fall = fall
            self.slowStart = slowStart
        }
    }

    public enum Transition: Sendable, Equatable {
        case wentUp
        case wentDown
    }

    /// The active checks' verdict.
    public private(set) var isUp = true
    private var consecutivePasses = 0
    private var consecutiveFailures: Int
    private var passiveFailures = 0
    private var firstPassiveFailure: NIODeadline?
    /// Passively taken out until then.
    public private(set) var unavailableUntil: NIODeadline?
    /// Slow start ramps from here; nil when the backend has been up long enough.
    public private(set) var rampStart: NIODeadline?

    /// A new backend is presumed up, one failed check away from down, so that it takes traffic at
    /// once when active checks are off, and an unready one is taken out by its first check.
    public init(configuration: Configuration, now: NIODeadline, isNew: Bool) {
        self.consecutiveFailures = max(0, configuration.fall - 1)
        if isNew && configuration.slowStart > .zero { self.rampStart = now }
    }

    /// Whether new requests may go to the backend now (drain and weight aside).
    public func isAvailable(now: NIODeadline) -> Bool {
        guard self.isUp else { return false }
        if let until = self.unavailableUntil, now < until { return false }
        return true
    }

    /// `weight` reduced during slow start: from a tenth (at least 1) up to the full weight.
    public mutating func effectiveWeight(_ weight: Int, now: NIODeadline, configuration: Configuration) -> Int {
        guard let start = self.rampStart, weight > 0 else { return weight }
        let elapsed = now - start
        if elapsed >= configuration.slowStart || configuration.slowStart <= .zero {
            self.rampStart = nil
            return weight
        }
        if elapsed < .zero { return max(1, weight / 10) }
        let fraction = Double(elapsed.nanoseconds) / Double(configuration.slowStart.nanoseconds)
        return max(1, max(weight / 10, Int(Double(weight) * fraction)))
    }

    /// An active check's result.
    public mutating func recordCheck(passed: Bool, now: NIODeadline, configuration: Configuration) -> Transition? {
        if passed {
            self.consecutiveFailures = 0
            self.consecutivePasses += 1
            if !self.isUp && self.consecutivePasses >= configuration.rise {
                self.isUp = true
                self.passiveFailures = 0
                self.unavailableUntil = nil
                if configuration.slowStart > .zero { self.rampStart = now }
                return .wentUp
            }
        } else {
            self.consecutivePasses = 0
            self.consecutiveFailures += 1
            if self.isUp && self.consecutiveFailures >= configuration.fall {
                self.isUp = false
                self.rampStart = nil
                return .wentDown
            }
        }
        return nil
    }

    /// A proxied request failed to connect, timed out or broke off: nginx's `max_fails` rule.
    public mutating func recordFailure(now: NIODeadline, configuration: Configuration) {
        guard configuration.maxFails > 0 else { return }
        if let first = self.firstPassiveFailure, now - first > configuration.failTimeout {
            self.passiveFailures = 0
        }
        if self.passiveFailures == 0 { self.firstPassiveFailure = now }
        self.passiveFailures += 1
        if self.passiveFailures >= configuration.maxFails {
            let until = now + configuration.failTimeout
            self.unavailableUntil = until
            self.passiveFailures = 0
            self.firstPassiveFailure = nil
            // It ramps up again once it is back, as nginx's slow_start does.
            if configuration.slowStart > .zero { self.rampStart = until }
        }
    }

    /// A proxied request got a response: the failure count starts over.
    public mutating func recordSuccess() {
        self.passiveFailures = 0
        self.firstPassiveFailure = nil
    }

    /// Whether the backend is out only because of passive failures (its active checks pass).
    public func isPassivelyUnavailable(now: NIODeadline) -> Bool {
        guard self.isUp, let until = self.unavailableUntil else { return false }
        return now < until
    }
}
