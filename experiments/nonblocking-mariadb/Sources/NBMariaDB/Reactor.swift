#if canImport(Glibc)
import Glibc
#endif
import CMariaDB
import Synchronization

/// One thread running an epoll loop. It is also a `SerialExecutor` (connection actors use it as their
/// executor) and a `TaskExecutor` (callers may prefer it, so that their code runs on it too).
///
/// Jobs enqueued from the reactor thread itself go to an unlocked local queue: resuming a continuation
/// from an epoll event therefore costs no thread switch and no syscall. Jobs from other threads go to
/// a locked queue, and the eventfd is written only when the reactor is asleep in `epoll_wait`.
public final class Reactor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    private struct Remote {
        var jobs: [UnownedJob] = []
        var sleeping = false
    }

    private struct Waiter {
        let continuation: UnsafeContinuation<Int32, Never>
        let wanted: Int32
        let token: UInt64
    }

    private let remote = Mutex(Remote())
    private let epfd: Int32
    private let wakeFD: Int32
    private let started = Atomic<Bool>(false)
    private nonisolated(unsafe) var tid = pthread_t()

    // Reactor-thread only.
    private var local: [UnownedJob] = []
    private var waiters: [Waiter?] = []          // indexed by fd
    private var registered: [Bool] = []          // fd known to epoll (may be stale after a close)
    private var timers: [(deadline: UInt64, fd: Int32, token: UInt64)] = []
    private var nextToken: UInt64 = 0

    /// Counters (approximate; for the benchmark).
    public let wakeWrites = Atomic<Int>(0)
    public let epollWaits = Atomic<Int>(0)
    public let remoteEnqueues = Atomic<Int>(0)

    public init() {
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        precondition(epfd >= 0 && wakeFD >= 0, "epoll/eventfd failed")
        var ev = epoll_event()
        ev.events = EPOLLIN.rawValue
        ev.data.fd = wakeFD
        epoll_ctl(epfd, EPOLL_CTL_ADD, wakeFD, &ev)

        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { arg in
            let reactor = Unmanaged<Reactor>.fromOpaque(arg!).takeRetainedValue()
            reactor.run()
            return nil
        }, context)
        precondition(rc == 0, "pthread_create failed")
        while !started.load(ordering: .acquiring) { sched_yield() }
    }

    public var isOnReactorThread: Bool { pthread_equal(pthread_self(), tid) != 0 }

    // MARK: Executor

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if isOnReactorThread {
            local.append(job)
            return
        }
        remoteEnqueues.add(1, ordering: .relaxed)
        let wake = remote.withLock { r in
            r.jobs.append(job)
            let wake = r.sleeping
            r.sleeping = false
            return wake
        }
        if wake {
            wakeWrites.add(1, ordering: .relaxed)
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
    public func asUnownedTaskExecutor() -> UnownedTaskExecutor { UnownedTaskExecutor(ordinary: self) }

    public func checkIsolated() {
        precondition(isOnReactorThread, "not on the reactor thread")
    }

    // MARK: I/O waits (reactor thread only)

    /// Suspends until the socket is ready for what the libmariadb status asks, or its timeout passes.
    /// Returns the status bits to pass to the `_cont` call.
    public func wait(socket fd: Int32, status: Int32, timeoutMS: UInt32, continuation: UnsafeContinuation<Int32, Never>) {
        checkIsolated()
        var events: UInt32 = EPOLLONESHOT.rawValue
        if status & MYSQL_WAIT_READ != 0 { events |= EPOLLIN.rawValue }
        if status & MYSQL_WAIT_WRITE != 0 { events |= EPOLLOUT.rawValue }
        if status & MYSQL_WAIT_EXCEPT != 0 { events |= EPOLLPRI.rawValue }
        let i = Int(fd)
        if i >= waiters.count {
            waiters.append(contentsOf: repeatElement(nil, count: i + 1 - waiters.count))
            registered.append(contentsOf: repeatElement(false, count: i + 1 - registered.count))
        }
        precondition(waiters[i] == nil, "two waits on one socket")
        var ev = epoll_event()
        ev.events = events
        ev.data.fd = fd
        // The kernel drops a closed socket from the epoll set on its own, so `registered` can be stale.
        if registered[i] {
            if epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) != 0 {
                precondition(errno == ENOENT, "epoll_ctl MOD: \(errno)")
                precondition(epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0, "epoll_ctl ADD: \(errno)")
            }
        } else {
            if epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0 {
                precondition(errno == EEXIST, "epoll_ctl ADD: \(errno)")
                precondition(epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) == 0, "epoll_ctl MOD: \(errno)")
            }
            registered[i] = true
        }
        nextToken += 1
        waiters[i] = Waiter(continuation: continuation, wanted: status, token: nextToken)
        if status & MYSQL_WAIT_TIMEOUT != 0 {
            timers.append((Self.nowMS() + UInt64(timeoutMS), fd, nextToken))
        }
    }

    /// Call before libmariadb closes a socket (close, reconnect).
    public func forget(socket fd: Int32) {
        checkIsolated()
        let i = Int(fd)
        guard fd >= 0, i < registered.count, registered[i] else { return }
        epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nil)
        registered[i] = false
    }

    // MARK: Loop

    private func run() {
        tid = pthread_self()
        started.store(true, ordering: .releasing)
        var events = [epoll_event](repeating: epoll_event(), count: 128)
        while true {
            runLocalJobs()
            let sleep = remote.withLock { r in
                if r.jobs.isEmpty {
                    r.sleeping = true
                    return true
                }
                local.append(contentsOf: r.jobs)
                r.jobs.removeAll(keepingCapacity: true)
                return false
            }
            let timeout: Int32 = sleep ? nextTimeout() : 0
            epollWaits.add(1, ordering: .relaxed)
            let n = epoll_wait(epfd, &events, Int32(events.count), timeout)
            if sleep { remote.withLock { $0.sleeping = false } }
            if n > 0 {
                for k in 0..<Int(n) { handle(events[k]) }
            }
            if !timers.isEmpty { fireTimers() }
        }
    }

    private func runLocalJobs() {
        var k = 0
        while k < local.count {
            let job = local[k]
            k += 1
            job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
        }
        local.removeAll(keepingCapacity: true)
    }

    private func handle(_ event: epoll_event) {
        let fd = event.data.fd
        if fd == wakeFD {
            var value: UInt64 = 0
            _ = read(wakeFD, &value, 8)
            return
        }
        let i = Int(fd)
        guard i < waiters.count, let waiter = waiters[i] else { return }
        waiters[i] = nil
        if waiter.wanted & MYSQL_WAIT_TIMEOUT != 0 {
            if let t = timers.firstIndex(where: { $0.token == waiter.token }) { timers.swapAt(t, timers.count - 1); timers.removeLast() }
        }
        let e = event.events
        var status: Int32 = 0
        let failed = e & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
        if e & EPOLLIN.rawValue != 0 || failed { status |= MYSQL_WAIT_READ }
        if e & EPOLLOUT.rawValue != 0 || (failed && waiter.wanted & MYSQL_WAIT_WRITE != 0) { status |= MYSQL_WAIT_WRITE }
        if e & EPOLLPRI.rawValue != 0 { status |= MYSQL_WAIT_EXCEPT }
        waiter.continuation.resume(returning: status & (waiter.wanted | MYSQL_WAIT_READ))
    }

    private func nextTimeout() -> Int32 {
        guard let first = timers.min(by: { $0.deadline < $1.deadline }) else { return -1 }
        let now = Self.nowMS()
        return first.deadline <= now ? 0 : Int32(clamping: first.deadline - now)
    }

    private func fireTimers() {
        let now = Self.nowMS()
        var k = 0
        while k < timers.count {
            let t = timers[k]
            guard t.deadline <= now else { k += 1; continue }
            timers.swapAt(k, timers.count - 1)
            timers.removeLast()
            let i = Int(t.fd)
            if let waiter = waiters[i], waiter.token == t.token {
                waiters[i] = nil
                var ev = epoll_event()  // disarm the one-shot interest
                ev.data.fd = t.fd
                epoll_ctl(epfd, EPOLL_CTL_MOD, t.fd, &ev)
                waiter.continuation.resume(returning: MYSQL_WAIT_TIMEOUT)
            }
        }
    }

    static func nowMS() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }
}
