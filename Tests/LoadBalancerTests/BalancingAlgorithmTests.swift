import LoadBalancerCore
import Testing

@Suite struct BalancingAlgorithmTests {
    private func picks(_ algorithm: BalancingAlgorithm, _ peers: inout [BalancerPeer], count: Int, seed: UInt64 = 42) -> [Int] {
        var cursor = BalancerCursor(seed: seed)
        return (0..<count).map { _ in algorithm.pick(&peers, cursor: &cursor)! }
    }

    @Test func smoothRoundRobinInterleavesLikeNginx() {
        // nginx's documented sequence for weights 5, 1, 1: a a b a c a a.
        var peers = [BalancerPeer(effectiveWeight: 5), BalancerPeer(effectiveWeight: 1), BalancerPeer(effectiveWeight: 1)]
        #expect(self.picks(.roundRobin, &peers, count: 7) == [0, 0, 1, 0, 2, 0, 0])
    }

    @Test func roundRobinGivesEachItsWeightsShare() {
        var peers = [BalancerPeer(effectiveWeight: 1), BalancerPeer(effectiveWeight: 2), BalancerPeer(effectiveWeight: 3)]
        let chosen = self.picks(.roundRobin, &peers, count: 600)
        #expect(chosen.filter { $0 == 0 }.count == 100)
        #expect(chosen.filter { $0 == 1 }.count == 200)
        #expect(chosen.filter { $0 == 2 }.count == 300)
    }

    @Test func ineligibleAndZeroWeightPeersAreSkipped() {
        var peers = [
            BalancerPeer(effectiveWeight: 1, eligible: false), BalancerPeer(effectiveWeight: 0), BalancerPeer(effectiveWeight: 1),
        ]
        for algorithm in BalancingAlgorithm.allCases {
            #expect(Set(self.picks(algorithm, &peers, count: 20)) == [2])
        }
        var none = [BalancerPeer(effectiveWeight: 1, eligible: false)]
        var cursor = BalancerCursor(seed: 1)
        for algorithm in BalancingAlgorithm.allCases {
            #expect(algorithm.pick(&none, cursor: &cursor) == nil)
        }
    }

    @Test func leastConnectionsPicksTheLeastLoadedPerWeight() {
        var peers = [
            BalancerPeer(effectiveWeight: 1, inFlight: 3), BalancerPeer(effectiveWeight: 1, inFlight: 1),
            BalancerPeer(effectiveWeight: 4, inFlight: 2),
        ]
        var cursor = BalancerCursor(seed: 1)
        // 2/4 = 0.5 beats 1/1.
        #expect(BalancingAlgorithm.leastConnections.pick(&peers, cursor: &cursor) == 2)
        peers[2].inFlight = 8
        #expect(BalancingAlgorithm.leastConnections.pick(&peers, cursor: &cursor) == 1)
    }

    @Test func leastConnectionsBreaksTiesInTurn() {
        var peers = [BalancerPeer(effectiveWeight: 1), BalancerPeer(effectiveWeight: 1), BalancerPeer(effectiveWeight: 1)]
        #expect(Set(self.picks(.leastConnections, &peers, count: 3)) == [0, 1, 2])
    }

    @Test func powerOfTwoAvoidsTheLoadedPeerAndSpreadsTheRest() {
        var peers = [
            BalancerPeer(effectiveWeight: 1, inFlight: 50), BalancerPeer(effectiveWeight: 1), BalancerPeer(effectiveWeight: 1),
        ]
        let chosen = self.picks(.powerOfTwoChoices, &peers, count: 3000)
        // The loaded one wins only when drawn twice, which two distinct draws never do.
        #expect(!chosen.contains(0))
        let ones = chosen.filter { $0 == 1 }.count
        #expect(ones > 1000 && ones < 2000)
    }

    @Test func powerOfTwoFollowsWeightsWhenIdle() {
        var peers = [BalancerPeer(effectiveWeight: 1), BalancerPeer(effectiveWeight: 3)]
        let chosen = self.picks(.powerOfTwoChoices, &peers, count: 4000)
        // Equal load: the first draw (weighted) wins ties, so the heavier peer gets about 3/4.
        let heavy = chosen.filter { $0 == 1 }.count
        #expect(heavy > 2600 && heavy < 3400)
    }
}
