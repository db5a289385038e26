import LoadBalancerCore
import NIOCore
import Testing

@Suite struct BackendHealthTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    @Test func aNewBackendIsUpAndOneFailedCheckTakesItDown() {
        let configuration = BackendHealth.Configuration(rise: 2, fall: 3)
        var health = BackendHealth(configuration: configuration, now: self.start, isNew: false)
        #expect(health.isAvailable(now: self.start))
        #expect(health.recordCheck(passed: false, now: self.start, configuration: configuration) == .wentDown)
        #expect(!health.isAvailable(now: self.start))
    }

    @Test func riseAndFallCountConsecutiveResults() {
        let configuration = BackendHealth.Configuration(rise: 2, fall: 3)
        var health = BackendHealth(configuration: configuration, now: self.start, isNew: false)
        #expect(health.recordCheck(passed: true, now: self.start, configuration: configuration) == nil)
        // Two failures, a pass in between: not down.
        #expect(health.recordCheck(passed: false, now: self.start, configuration: configuration) == nil)
        #expect(health.recordCheck(passed: false, now: self.start, configuration: configuration) == nil)
        #expect(health.recordCheck(passed: true, now: self.start, configuration: configuration) == nil)
        #expect(health.recordCheck(passed: false, now: self.start, configuration: configuration) == nil)
        #expect(health.recordCheck(passed: false, now: self.start, configuration: configuration) == nil)
        #expect(health.recordCheck(passed: false, now: self.start, configuration: configuration) == .wentDown)
        #expect(!health.isUp)
        #expect(health.recordCheck(passed: true, now: self.start, configuration: configuration) == nil)
        #expect(health.recordCheck(passed: false, now: self.start, configuration: configuration) == nil)
        #expect(health.recordCheck(passed: true, now: self.start, configuration: configuration) == nil)
        #expect(health.recordCheck(passed: true, now: self.start, configuration: configuration) == .wentUp)
        #expect(health.isAvailable(now: self.start))
    }

    @Test func maxFailsWithinFailTimeoutTakesItOutForFailTimeout() {
        let configuration = BackendHealth.Configuration(maxFails: 3, failTimeout: .seconds(10))
        var health = BackendHealth(configuration: configuration, now: self.start, isNew: false)
        health.recordFailure(now: self.start, configuration: configuration)
        health.recordFailure(now: self.start + .seconds(1), configuration: configuration)
        #expect(health.isAvailable(now: self.start + .seconds(1)))
        health.recordFailure(now: self.start + .seconds(2), configuration: configuration)
        #expect(!health.isAvailable(now: self.start + .seconds(2)))
        #expect(health.isPassivelyUnavailable(now: self.start + .seconds(11)))
        #expect(health.isAvailable(now: self.start + .seconds(12)))
    }

    @Test func failuresSpreadWiderThanFailTimeoutDoNotAddUp() {
        let configuration = BackendHealth.Configuration(maxFails: 2, failTimeout: .seconds(10))
        var health = BackendHealth(configuration: configuration, now: self.start, isNew: false)
        health.recordFailure(now: self.start, configuration: configuration)
        health.recordFailure(now: self.start + .seconds(11), configuration: configuration)
        #expect(health.isAvailable(now: self.start + .seconds(11)))
        health.recordFailure(now: self.start + .seconds(12), configuration: configuration)
        #expect(!health.isAvailable(now: self.start + .seconds(12)))
    }

    @Test func aSuccessResetsTheFailureCount() {
        let configuration = BackendHealth.Configuration(maxFails: 2, failTimeout: .seconds(10))
        var health = BackendHealth(configuration: configuration, now: self.start, isNew: false)
        health.recordFailure(now: self.start, configuration: configuration)
        health.recordSuccess()
        health.recordFailure(now: self.start + .seconds(1), configuration: configuration)
        #expect(health.isAvailable(now: self.start + .seconds(1)))
    }

    @Test func maxFailsZeroTurnsPassiveChecksOff() {
        let configuration = BackendHealth.Configuration(maxFails: 0)
        var health = BackendHealth(configuration: configuration, now: self.start, isNew: false)
        for second in 0..<10 { health.recordFailure(now: self.start + .seconds(Int64(second)), configuration: configuration) }
        #expect(health.isAvailable(now: self.start + .seconds(10)))
    }

    @Test func slowStartRampsTheWeightAfterComingUp() {
        let configuration = BackendHealth.Configuration(rise: 1, fall: 1, slowStart: .seconds(10))
        var health = BackendHealth(configuration: configuration, now: self.start, isNew: false)
        #expect(health.effectiveWeight(100, now: self.start, configuration: configuration) == 100)
        _ = health.recordCheck(passed: false, now: self.start, configuration: configuration)
        _ = health.recordCheck(passed: true, now: self.start + .seconds(1), configuration: configuration)
        #expect(health.effectiveWeight(100, now: self.start + .seconds(1), configuration: configuration) == 10)
        #expect(health.effectiveWeight(100, now: self.start + .seconds(6), configuration: configuration) == 50)
        #expect(health.effectiveWeight(100, now: self.start + .seconds(11), configuration: configuration) == 100)
        // Never below 1, so a light backend still gets some traffic while it ramps.
        _ = health.recordCheck(passed: false, now: self.start + .seconds(12), configuration: configuration)
        _ = health.recordCheck(passed: true, now: self.start + .seconds(13), configuration: configuration)
        #expect(health.effectiveWeight(1, now: self.start + .seconds(13), configuration: configuration) == 1)
    }

    @Test func aBackendAddedByReloadRampsUpToo() {
        let configuration = BackendHealth.Configuration(slowStart: .seconds(10))
        var health = BackendHealth(configuration: configuration, now: self.start, isNew: true)
        #expect(health.effectiveWeight(10, now: self.start + .seconds(5), configuration: configuration) == 5)
    }
}
