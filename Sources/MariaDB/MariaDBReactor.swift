#if canImport(Glibc)
import Glibc
#endif
internal import CMariaDB
import Synchronization

/// One thread running an epoll loop over the sockets of the connections it owns. It is their
/// actors' `SerialExecutor`, so every libmariadb call runs on it, and a `TaskExecutor`, so a task
/// that prefers it (see ``MariaDBClient/taskExecutor``) runs its own code there too.
///
/// libmariadb runs in its non-blocking mode: a call that would wait for the socket returns at
/// once, and the connection suspends until this loop sees the socket ready. One thread thus
/// serves many connections, and a statement answered while the loop is busy costs no thread
/// switch: the waiting task resumes on the same thread.
///
/// Jobs enqueued from the loop's own thread go to an unlocked local queue; jobs from other
/// threads go to a locked one, and the eventfd is written only when the loop sleeps.
final class MariaDBReactor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    private struct Remote {
        var jobs: [UnownedJob] = []
        var sleeping = false
        var stopping = false
        /// Whether a thread runs the loop: false once a stopped reactor went idle, until a late
        /// job starts it again.
        var running = true
    }

    private struct Waiter {
        let continuation: UnsafeContinuation<Int32, Never>
        let wanted: Int32
        let token: UInt64
        /// Whether a timer runs for this wait (libmariadb's timeout, or the stall limit).
        let timed: Bool
    }

    /// Added to the status a stalled wait resumes with: the reactor shut the socket down after
    /// `stallMS` without the socket becoming ready (see `wait`). Not a libmariadb bit.
    static let stalled: Int32 = 1 << 30

    private let remote = Mutex(Remote())
    private let epfd: Int32
    private let wakeFD: Int32
    /// The loop's thread (`pthread_t`), 0 before it starts and once it has ended.
    private let thread = Atomic<UInt>(0)
    private let name: String

    // Loop thread only.
    private var local: [UnownedJob] = []
    private var running: [UnownedJob] = []  // the pass `runLocalJobs` is working through
    private var waiters: [Waiter?] = []  // by socket
    private var waiting = 0
    private var registered: [Bool] = []  // socket known to epoll (stale once the socket is closed)
    /// `stall`: the timer shuts the socket down (a wait libmariadb gave no timeout).
    private var timers: [(deadline: UInt64, socket: Int32, token: UInt64, stall: Bool)] = []
    private var nextToken: UInt64 = 0

    init(name: String) {
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        precondition(epfd >= 0 && wakeFD >= 0, "epoll_create1/eventfd failed: errno \(errno)")
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = wakeFD
        epoll_ctl(epfd, EPOLL_CTL_ADD, wakeFD, &event)

        self.name = name
        startThread()
    }

    /// Starts a thread running the loop; it holds the reactor until the loop ends. `thread` is 0
    /// until the loop stores its id, which is all `isCurrent` needs. (Waiting here for the id
    /// could wait forever: a loop with nothing to do stops at once and clears it again.)
    private func startThread() {
        let context = Unmanaged.passRetained(self).toOpaque()
        var handle = pthread_t()
        let rc = pthread_create(&handle, nil, { argument in
            let reactor = Unmanaged<MariaDBReactor>.fromOpaque(argument!).takeRetainedValue()
            cmariadb_set_thread_name(reactor.name)
            reactor.run()
            return nil
        }, context)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        pthread_detach(handle)
    }

    /// Whether the caller runs on the loop's thread. The id is cleared when the loop ends, since
    /// glibc hands a finished thread's `pthread_t` to the next thread it creates.
    var isCurrent: Bool { pthread_self() == thread.load(ordering: .relaxed) }

    /// Whether a thread runs the loop now (tests).
    var hasThread: Bool { remote.withLock { $0.running } }

    /// Ends the loop's thread once no job is queued and no connection waits on it (leases still
    /// running finish first). A job enqueued later starts a thread again, so a straggler of a
    /// shut-down client is never stranded.
    func stop() {
        remote.withLock { $0.stopping = true }
        wake()
    }

    // MARK: Executor

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if isCurrent {
            local.append(job)
            return
        }
        let (sleeping, restart) = remote.withLock { r in
            r.jobs.append(job)
            defer {
                r.sleeping = false
                r.running = true
            }
            return (r.sleeping, !r.running)
        }
        if restart {
            startThread()
        } else if sleeping {
            wake()
        }
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
    func asUnownedTaskExecutor() -> UnownedTaskExecutor { UnownedTaskExecutor(ordinary: self) }

    func checkIsolated() {
        precondition(isCurrent, "not on the MariaDB I/O thread")
    }

    // MARK: Socket waits (loop thread only)

    /// Suspends the caller until `socket` is ready for what the libmariadb `status` asks, or
    /// until `timeoutMS` passes when the status asks for a timeout. Returns the status bits
    /// for the matching `_cont` call.
    ///
    /// A wait whose status asks for no timeout ends after `stallMS` (0: never) all the same: the
    /// socket is shut down, and the caller resumes with the bits it waited for plus `stalled`,
    /// so libmariadb's next read or write fails. Its TLS reads and writes are such waits: they
    /// never ask for the read or write timeout, and would otherwise wait as long as the server.
    func wait(socket: Int32, status: Int32, timeoutMS: UInt32, stallMS: UInt32, continuation: UnsafeContinuation<Int32, Never>) {
        checkIsolated()
        var events = EPOLLONESHOT.rawValue
        if status & MYSQL_WAIT_READ != 0 { events |= EPOLLIN.rawValue }
        if status & MYSQL_WAIT_WRITE != 0 { events |= EPOLLOUT.rawValue }
        if status & MYSQL_WAIT_EXCEPT != 0 { events |= EPOLLPRI.rawValue }
        let i = Int(socket)
        if i >= waiters.count {
            waiters.append(contentsOf: repeatElement(nil, count: i + 1 - waiters.count))
            registered.append(contentsOf: repeatElement(false, count: i + 1 - registered.count))
        }
        precondition(waiters[i] == nil, "two waits on one MariaDB socket")
        var event = epoll_event()
        event.events = events
        event.data.fd = socket
        // The kernel drops a closed socket from the set by itself, so `registered` may be stale,
        // and a socket number may come back for a new connection.
        let (first, second) = registered[i] ? (EPOLL_CTL_MOD, EPOLL_CTL_ADD) : (EPOLL_CTL_ADD, EPOLL_CTL_MOD)
        if epoll_ctl(epfd, first, socket, &event) != 0, epoll_ctl(epfd, second, socket, &event) != 0 {
            // Not pollable (closed under us): let libmariadb's next read or write find out.
            registered[i] = false
            continuation.resume(returning: status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE))
            return
        }
        registered[i] = true
        nextToken += 1
        let stall = status & MYSQL_WAIT_TIMEOUT == 0
        let limit = stall ? stallMS : timeoutMS
        let timed = !stall || stallMS > 0
        waiters[i] = Waiter(continuation: continuation, wanted: status, token: nextToken, timed: timed)
        waiting += 1
        if timed {
            timers.append((Self.nowMS() + UInt64(limit), socket, nextToken, stall))
        }
    }

    /// Call before libmariadb closes a socket, so a later socket with the same number starts clean.
    /// Off the loop thread (a handle released elsewhere) only the kernel's set is updated:
    /// `registered` is a hint that `wait` corrects.
    func forget(socket: Int32) {
        guard socket >= 0 else { return }
        epoll_ctl(epfd, EPOLL_CTL_DEL, socket, nil)
        if isCurrent, Int(socket) < registered.count { registered[Int(socket)] = false }
    }

    // MARK: Loop

    private func run() {
        thread.store(pthread_self(), ordering: .releasing)
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        while true {
            runLocalJobs()
            let (sleep, exit) = remote.withLock { [waiting, localIsEmpty = local.isEmpty] r -> (Bool, Bool) in
                if r.jobs.isEmpty && localIsEmpty {
                    // Decided under the lock, so a job enqueued now sees `running` false and
                    // starts a new thread.
                    if r.stopping && waiting == 0 {
                        r.running = false
                        // Forget this thread's id before anyone can see `running` false: once
                        // the thread ends, the id may be handed to a new thread, and a job that
                        // thread enqueued would pass `isCurrent`, go to `local` and never run.
                        thread.store(0, ordering: .releasing)
                        return (true, true)
                    }
                    r.sleeping = true
                    return (true, false)
                }
                local.append(contentsOf: r.jobs)
                r.jobs.removeAll(keepingCapacity: true)
                return (false, false)  // poll the sockets without sleeping, then run the jobs
            }
            if exit { break }
            let timeout: Int32 = sleep ? nextTimeout() : 0
            let n = epoll_wait(epfd, &events, Int32(events.count), timeout)
            if sleep { remote.withLock { $0.sleeping = false } }
            if n > 0 {
                for k in 0..<Int(n) { handle(events[k]) }
            }
            if !timers.isEmpty { fireTimers() }
        }
    }

    /// The descriptors live as long as the reactor, so no late `forget` can touch a reused number.
    deinit {
        close(epfd)
        close(wakeFD)
    }

    /// Runs the jobs queued so far; those they enqueue wait for the next pass, after the sockets
    /// have been polled, so tasks that keep handing work to each other cannot starve the I/O.
    private func runLocalJobs() {
        swap(&local, &running)
        for job in running {
            job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
        }
        running.removeAll(keepingCapacity: true)
    }

    private func handle(_ event: epoll_event) {
        let socket = event.data.fd
        if socket == wakeFD {
            var value: UInt64 = 0
            _ = read(wakeFD, &value, 8)
            return
        }
        let i = Int(socket)
        guard i < waiters.count, let waiter = waiters[i] else { return }
        waiters[i] = nil
        waiting -= 1
        if waiter.timed, let t = timers.firstIndex(where: { $0.token == waiter.token }) {
            timers.swapAt(t, timers.count - 1)
            timers.removeLast()
        }
        let e = event.events
        let failed = e & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
        var status: Int32 = 0
        // On a hang-up, report the socket readable (and writable if asked): libmariadb's next
        // call then sees the error.
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
            let timer = timers[k]
            guard timer.deadline <= now else {
                k += 1
                continue
            }
            timers.swapAt(k, timers.count - 1)
            timers.removeLast()
            let i = Int(timer.socket)
            if let waiter = waiters[i], waiter.token == timer.token {
                waiters[i] = nil
                waiting -= 1
                var event = epoll_event()  // disarm the one-shot interest
                event.data.fd = timer.socket
                epoll_ctl(epfd, EPOLL_CTL_MOD, timer.socket, &event)
                if timer.stall {
                    shutdown(timer.socket, Int32(SHUT_RDWR))
                    waiter.continuation.resume(returning: Self.stalled | (waiter.wanted & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE)))
                } else {
                    waiter.continuation.resume(returning: MYSQL_WAIT_TIMEOUT)
                }
            }
        }
    }

    static func nowMS() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
    }
}
