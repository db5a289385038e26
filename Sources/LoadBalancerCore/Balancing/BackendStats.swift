/// Totals for one backend since it was added: what the admin API lists and Prometheus scrapes.
public struct BackendStats: Sendable, Equatable {
    /// Upper bounds (seconds) of the latency histogram's buckets; the last bucket is +Inf.
    public static let latencyBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// Responses by status class: index 0 is 1xx … index 4 is 5xx.
    public var responsesByClass = [Int](repeating: 0, count: 5)
    public var connectFailures = 0
    public var timeouts = 0
    /// The connection broke before the response was complete.
    public var errors = 0
    /// The client went away first.
    public var aborted = 0
    /// Cumulative counts per bucket (`latencyBuckets`, then +Inf).
    public var latencyCounts = [Int](repeating: 0, count: BackendStats.latencyBuckets.count + 1)
    public var latencySum = 0.0

    public init() {}

    public var totalRequests: Int {
        self.responsesByClass.reduce(0, +) + self.connectFailures + self.timeouts + self.errors + self.aborted
    }

    mutating func record(_ outcome: RequestOutcome, seconds: Double) {
        switch outcome {
        case .response(let status):
            let index = min(max(status / 100, 1), 5) - 1
            self.responsesByClass[index] += 1
            var bucket = 0
            while bucket < Self.latencyBuckets.count && seconds > Self.latencyBuckets[bucket] { bucket += 1 }
            self.latencyCounts[bucket] += 1
            self.latencySum += seconds
        case .connectFailed: self.connectFailures += 1
        case .timedOut: self.timeouts += 1
        case .failed: self.errors += 1
        case .aborted: self.aborted += 1
        }
    }
}

/// How one try of a request on a backend ended.
public enum RequestOutcome: Sendable, Equatable {
    /// The backend answered (whatever the status): it is alive.
    case response(status: Int)
    /// No connection could be made.
    case connectFailed
    /// The backend did not answer in time.
    case timedOut
    /// The connection broke before the response was complete.
    case failed
    /// The client went away; says nothing about the backend.
    case aborted

    var isBackendFailure: Bool {
        switch self {
        case .connectFailed, .timedOut, .failed: return true
        case .response, .aborted: return false
        }
    }
}
