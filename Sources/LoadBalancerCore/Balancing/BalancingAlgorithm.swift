/// How the next backend is chosen among the available ones.
public enum BalancingAlgorithm: String, Sendable, CaseIterable {
    /// nginx's smooth weighted round-robin: over any window each backend gets its weight's share,
    /// interleaved rather than in bursts.
    case roundRobin = "round-robin"
    /// The backend with the fewest in-flight requests per unit of weight; ties go round-robin.
    case leastConnections = "least-connections"
    /// Two backends drawn at random (weighted), the less loaded of the two wins: close to
    /// least-connections without every picker looking at every backend.
    case powerOfTwoChoices = "power-of-two"
}

/// What an algorithm sees of one backend. `effectiveWeight` already includes slow start; a peer
/// that is down, drained or already tried for this request is not `eligible`.
public struct BalancerPeer: Sendable, Equatable {
    public var effectiveWeight: Int
    public var inFlight: Int
    public var eligible: Bool
    /// Smooth round-robin's running score; owned by the algorithm.
    public var currentWeight: Int = 0

    public init(effectiveWeight: Int, inFlight: Int = 0, eligible: Bool = true) {
        self.effectiveWeight = effectiveWeight
        self.inFlight = inFlight
        self.eligible = eligible
    }
}

/// The algorithms' memory between picks: the round-robin cursor for ties and a random source.
public struct BalancerCursor: Sendable {
    var next = 0
    var random: SplitMix64

    public init(seed: UInt64) {
        self.random = SplitMix64(seed: seed)
    }
}

extension BalancingAlgorithm {
    /// The index of the chosen peer, or nil if none is eligible (or all eligible ones weigh 0).
    public func pick(_ peers: inout [BalancerPeer], cursor: inout BalancerCursor) -> Int? {
        switch self {
        case .roundRobin: return Self.smoothWeightedRoundRobin(&peers)
        case .leastConnections: return Self.leastConnections(peers, cursor: &cursor)
        case .powerOfTwoChoices: return Self.powerOfTwoChoices(peers, cursor: &cursor)
        }
    }

    static func smoothWeightedRoundRobin(_ peers: inout [BalancerPeer]) -> Int? {
        var best: Int?
        var total = 0
        for index in peers.indices where peers[index].eligible && peers[index].effectiveWeight > 0 {
            peers[index].currentWeight += peers[index].effectiveWeight
            total += peers[index].effectiveWeight
            if best == nil || peers[index].currentWeight > peers[best!].currentWeight { best = index }
        }
        guard let best else { return nil }
        peers[best].currentWeight -= total
        return best
    }

    /// Lower `inFlight / weight` wins; compared by cross-multiplying to stay in integers.
    static func lessLoaded(_ a: BalancerPeer, than b: BalancerPeer) -> Bool {
        a.inFlight * b.effectiveWeight < b.inFlight * a.effectiveWeight
    }

    static func leastConnections(_ peers: [BalancerPeer], cursor: inout BalancerCursor) -> Int? {
        guard !peers.isEmpty else { return nil }
        var best: Int?
        let start = cursor.next % peers.count
        for offset in 0..<peers.count {
            let index = (start + offset) % peers.count
            let peer = peers[index]
            guard peer.eligible && peer.effectiveWeight > 0 else { continue }
            if best == nil || Self.lessLoaded(peer, than: peers[best!]) { best = index }
        }
        if let best { cursor.next = best + 1 }
        return best
    }

    static func powerOfTwoChoices(_ peers: [BalancerPeer], cursor: inout BalancerCursor) -> Int? {
        var total = 0
        var count = 0
        for peer in peers where peer.eligible && peer.effectiveWeight > 0 {
            total += peer.effectiveWeight
            count += 1
        }
        guard count > 0 else { return nil }
        let first = Self.weightedDraw(peers, total: total, random: &cursor.random, excluding: nil)
        guard count > 1 else { return first }
        let second = Self.weightedDraw(
            peers, total: total - peers[first].effectiveWeight, random: &cursor.random, excluding: first
        )
        return Self.lessLoaded(peers[second], than: peers[first]) ? second : first
    }

    static func weightedDraw(_ peers: [BalancerPeer], total: Int, random: inout SplitMix64, excluding: Int?) -> Int {
        var ticket = Int(random.next() % UInt64(total))
        var last = 0
        for index in peers.indices where index != excluding && peers[index].eligible && peers[index].effectiveWeight > 0 {
            ticket -= peers[index].effectiveWeight
            last = index
            if ticket < 0 { return index }
        }
        return last
    }
}

/// A small, fast, seedable random source (SplitMix64): good enough to spread load and to make
/// request ids, and cheap enough for every request, unlike a system call per draw.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        self.state = seed
    }

    public mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
