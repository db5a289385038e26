import Foundation
@testable import MariaDB
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A stopped reactor's thread ends once nothing waits on it, and a late job starts a new one.
@Suite("Reactor threads that end and start again", .serialized)
struct ReactorRestartTests {
    /// glibc hands a new thread the `pthread_t` of one that has ended. A reactor that still took
    /// its ended thread's id for its own queued the job of such a thread where no loop would ever
    /// run it: a test run once hung for 85 minutes on a lease finishing after `shutdown()`.
    @Test func aJobFromAThreadWithTheEndedLoopsIdStillRuns() async throws {
        let reactor = MariaDBReactor(name: "restart-test")
        reactor.stop()
        let ran = Flag()
        var inherited = false
        // The ended thread's id goes to the next thread created in this process, unless another
        // test creates one first: so in rounds, each with a fresh loop thread (a late job starts
        // one, and it ends again once the job is done).
        for _ in 0..<30 where !inherited {
            let loopThread = await Task(executorPreference: reactor) { pthread_self() }.value
            try await waitUntil { !reactor.hasThread }
            for _ in 0..<20 where !inherited {
                inherited = await onNewThread {
                    guard pthread_self() == loopThread else { return false }
                    // Enqueued from this thread, the one that now has the loop's old id.
                    Task(executorPreference: reactor) { ran.set() }
                    return true
                }
            }
        }
        try #require(inherited, "no new thread got an ended loop's pthread_t: nothing was tested")
        try await waitUntil { ran.isSet }
    }

    /// A late job restarts the stopped loop, which runs it and, with nothing left, ends at once.
    /// The enqueuer must not wait for anything of that short-lived thread (a version that waited
    /// for the new loop's id to appear stalled both cooperative threads of a test run for good).
    @Test func everyLateJobRunsOnAThreadThatEndsAgain() async throws {
        let reactor = MariaDBReactor(name: "restart-test")
        reactor.stop()
        for n in 0..<300 {
            try await waitUntil { !reactor.hasThread }
            let onLoop = await Task(executorPreference: reactor) { reactor.isCurrent }.value
            #expect(onLoop, "job \(n) ran off the loop's thread")
        }
    }
}

private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// Runs `body` on a thread of its own and returns its result.
private func onNewThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}
