import NIOCore
import Synchronization

/// The live backend list, shared by every event loop: picks a backend for each try, counts what is
/// in flight, applies health results, and takes reloads and admin changes. One lock guards it; a
/// request takes it twice (pick and release) and holds it for a short loop over the backends.
public final class BackendRegistry: Sendable {
    /// What the admin API and the metrics show of one backend.
    public struct Snapshot: Sendable {
        public var id: Int
        public var address: String
        public var weight: Int
        public var effectiveWeight: Int
        public var drained: Bool
        /// Up by the active checks.
        public var up: Bool
        /// Taken out by passive failures until then (seconds from now), if so.
        public var passivelyOutFor: Double?
        public var available: Bool
        public var inFlight: Int
        public var openConnections: Int
        public var pooledConnections: Int
        public var stats: BackendStats
    }

    struct Entry {
        let backend: Backend
        var weight: Int
        var drained: Bool
        var health: BackendHealth
        var stats = BackendStats()
        var inFlight = 0

        /// Not drained and weighing something: health aside, it may take requests.
        var takesRequests: Bool { !drained && weight > 0 }
    }

    struct State {
        var entries: [Entry] = []
        var peers: [BalancerPeer] = []
        var cursor: BalancerCursor

        /// Whether a backend that may take requests passes its active checks (false: panic mode).
        var anyPassesChecks: Bool { entries.contains { $0.takesRequests && $0.health.isUp } }
    }

    public let algorithm: BalancingAlgorithm
    public let healthConfiguration: BackendHealth.Configuration
    private let state: Mutex<State>

    public init(algorithm: BalancingAlgorithm, health: BackendHealth.Configuration, seed: UInt64 = UInt64.random(in: 0...UInt64.max)) {
        self.algorithm = algorithm
        self.healthConfiguration = health
        self.state = Mutex(State(cursor: BalancerCursor(seed: seed)))
    }

    // MARK: - Requests

    /// Chooses a backend for one try and counts it in flight, or returns nil when none may take it
    /// (every backend drained, weighing 0 or already tried: backends in `excluded` are skipped).
    ///
    /// Health narrows the choice, in three steps. Backends that pass their checks and have no
    /// recent passive failure come first. When every backend whose active checks pass is out only
    /// for passive failures, they are tried anyway, as nginx does, rather than failing every
    /// request until `fail_timeout` ends. And when every backend fails its active checks, all of
    /// them are tried (Envoy's "panic mode"): the checks cannot tell a better one, and what they
    /// usually see then is a server every replica shares (the database) being down. The replicas
    /// can still serve their static files and their own "unavailable" page, in the site's
    /// language, and a replica that is really gone fails fast, to a retry on another.
    public func pick(excluding excluded: [Int] = []) -> Backend? {
        let now = NIODeadline.now()
        let configuration = self.healthConfiguration
        return self.state.withLock { state -> Backend? in
            var fallback = false
            for index in state.entries.indices {
                let entry = state.entries[index]
                let usable = entry.takesRequests && !excluded.contains(entry.backend.id)
                state.peers[index].eligible = usable && entry.health.isAvailable(now: now)
                if usable && !state.peers[index].eligible && entry.health.isPassivelyUnavailable(now: now) { fallback = true }
                state.peers[index].effectiveWeight = state.entries[index].health.effectiveWeight(entry.weight, now: now, configuration: configuration)
                state.peers[index].inFlight = entry.inFlight
            }
            var chosen = self.algorithm.pick(&state.peers, cursor: &state.cursor)
            if chosen == nil && fallback {
                for index in state.entries.indices {
                    let entry = state.entries[index]
                    state.peers[index].eligible = entry.takesRequests && entry.health.isUp && !excluded.contains(entry.backend.id)
                }
                chosen = self.algorithm.pick(&state.peers, cursor: &state.cursor)
            }
            if chosen == nil && !state.anyPassesChecks {
                for index in state.entries.indices {
                    let entry = state.entries[index]
                    state.peers[index].eligible = entry.takesRequests && !excluded.contains(entry.backend.id)
                }
                chosen = self.algorithm.pick(&state.peers, cursor: &state.cursor)
            }
            guard let chosen else { return nil }
            state.entries[chosen].inFlight += 1
            return state.entries[chosen].backend
        }
    }

    /// Whether any backend that may take requests passes its active checks (false: panic mode).
    public var anyPassesChecks: Bool {
        self.state.withLock { $0.anyPassesChecks }
    }

    /// Ends a try that `pick` started: counts the outcome and applies the passive health rule.
    public func release(_ backend: Backend, outcome: RequestOutcome, seconds: Double) {
        let now = NIODeadline.now()
        let configuration = self.healthConfiguration
        self.state.withLock { state in
            // A backend removed by a reload while this try ran is simply forgotten.
            guard let index = state.entries.firstIndex(where: { $0.backend === backend }) else { return }
            state.entries[index].inFlight -= 1
            state.entries[index].stats.record(outcome, seconds: seconds)
            if case .response = outcome {
                state.entries[index].health.recordSuccess()
            } else if outcome.isBackendFailure {
                state.entries[index].health.recordFailure(now: now, configuration: configuration)
            }
        }
    }

    // MARK: - Health checks

    /// The backends the active checker should probe now.
    public var backends: [Backend] {
        self.state.withLock { state in state.entries.map(\.backend) }
    }

    /// An active check's result; returns the transition, if any, for logging.
    @discardableResult
    public func recordCheck(_ backend: Backend, passed: Bool) -> BackendHealth.Transition? {
        let now = NIODeadline.now()
        let configuration = self.healthConfiguration
        return self.state.withLock { state in
            guard let index = state.entries.firstIndex(where: { $0.backend === backend }) else { return nil }
            return state.entries[index].health.recordCheck(passed: passed, now: now, configuration: configuration)
        }
    }

    // MARK: - Reconfiguration

    /// What a reload changed, for the log.
    public struct UpdateSummary: Sendable, Equatable {
        public var added: [String] = []
        public var removed: [String] = []
        public var reweighted: [String] = []
    }

    /// Replaces the backend list. Backends that stay keep their state (health, drain, counters, in
    /// flight) and take the new weight; new ones start presumed up; removed ones take no new
    /// requests, while their in-flight requests finish on connections they already hold.
    @discardableResult
    public func update(_ resolved: [(BackendSpec, SocketAddress)]) -> UpdateSummary {
        let now = NIODeadline.now()
        let configuration = self.healthConfiguration
        return self.state.withLock { state in
            var summary = UpdateSummary()
            var entries: [Entry] = []
            var peers: [BalancerPeer] = []
            let isInitial = state.entries.isEmpty
            for (spec, socketAddress) in resolved {
                if let index = state.entries.firstIndex(where: { $0.backend.address == spec.address }),
                    state.entries[index].backend.socketAddress == socketAddress
                {
                    var entry = state.entries[index]
                    if entry.weight != spec.weight { summary.reweighted.append(spec.address) }
                    entry.weight = spec.weight
                    entries.append(entry)
                    peers.append(state.peers[index])
                } else {
                    let backend = Backend(spec: spec, socketAddress: socketAddress)
                    entries.append(
                        Entry(
                            backend: backend,
                            weight: spec.weight,
                            drained: false,
                            health: BackendHealth(configuration: configuration, now: now, isNew: !isInitial)
                        )
                    )
                    peers.append(BalancerPeer(effectiveWeight: spec.weight))
                    summary.added.append(spec.address)
                }
            }
            for entry in state.entries where !entries.contains(where: { $0.backend === entry.backend }) {
                entry.backend.isRetired.store(true, ordering: .relaxed)
                summary.removed.append(entry.backend.address)
            }
            state.entries = entries
            state.peers = peers
            return summary
        }
    }

    /// Drains (no new requests; in-flight ones finish) or undrains a backend. False if unknown.
    public func setDrained(_ address: String, _ drained: Bool) -> Bool {
        self.state.withLock { state in
            guard let index = state.entries.firstIndex(where: { $0.backend.address == address }) else { return false }
            state.entries[index].drained = drained
            return true
        }
    }

    /// Sets a backend's weight until the next reload. False if unknown.
    public func setWeight(_ address: String, _ weight: Int) -> Bool {
        self.state.withLock { state in
            guard let index = state.entries.firstIndex(where: { $0.backend.address == address }) else { return false }
            state.entries[index].weight = weight
            return true
        }
    }

    public func snapshot() -> [Snapshot] {
        let now = NIODeadline.now()
        let configuration = self.healthConfiguration
        return self.state.withLock { state in
            state.entries.map { entry in
                var health = entry.health
                var passive: Double?
                if let until = entry.health.unavailableUntil, now < until {
                    passive = Double((until - now).nanoseconds) / 1e9
                }
                return Snapshot(
                    id: entry.backend.id,
                    address: entry.backend.address,
                    weight: entry.weight,
                    effectiveWeight: health.effectiveWeight(entry.weight, now: now, configuration: configuration),
                    drained: entry.drained,
                    up: entry.health.isUp,
                    passivelyOutFor: passive,
                    available: entry.takesRequests && entry.health.isAvailable(now: now),
                    inFlight: entry.inFlight,
                    openConnections: entry.backend.openConnectionCount,
                    pooledConnections: entry.backend.pooledConnectionCount,
                    stats: entry.stats
                )
            }
        }
    }
}
