import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Active health checks: every `interval`, a `GET path` to each backend that has no check still
/// running; `timeout` bounds each one. Results go to the registry (rise/fall), transitions to the
/// event log.
final class HealthChecker: Sendable {
    private let registry: BackendRegistry
    private let eventLoop: any EventLoop
    private let path: String
    private let interval: TimeAmount
    private let timeout: TimeAmount
    private let running = Mutex<Set<Int>>([])
    private let task = Mutex<RepeatedTask?>(nil)

    init(registry: BackendRegistry, eventLoop: any EventLoop, path: String, interval: TimeAmount, timeout: TimeAmount) {
        self.registry = registry
        self.eventLoop = eventLoop
        self.path = path
        self.interval = interval
        self.timeout = timeout
    }

    func start() {
        let task = self.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: self.interval) { _ in
            self.checkAll()
        }
        self.task.withLock { $0 = task }
    }

    func stop() {
        self.task.withLock {
            $0?.cancel()
            $0 = nil
        }
    }

    private func checkAll() {
        for backend in self.registry.backends {
            let isNew = self.running.withLock { $0.insert(backend.id).inserted }
            guard isNew else { continue }
            self.check(backend).whenComplete { result in
                self.running.withLock { _ = $0.remove(backend.id) }
                let passed = (try? result.get()) ?? false
                if let transition = self.registry.recordCheck(backend, passed: passed) {
                    switch transition {
                    case .wentUp: EventLog.info("backend \(backend.address) is up (active check passed)")
                    case .wentDown: EventLog.warning("backend \(backend.address) is down (GET \(self.path) failed)")
                    }
                }
            }
        }
    }

    /// One check: true if the backend answered 2xx in time.
    func check(_ backend: Backend) -> EventLoopFuture<Bool> {
        let promise = self.eventLoop.makePromise(of: Bool.self)
        let path = self.path
        let host = backend.address
        let timeout = self.timeout
        let bootstrap = ClientBootstrap(group: self.eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(HealthCheckHandler(host: host, path: path, promise: promise))
                }
            }
        let timer = self.eventLoop.scheduleTask(in: timeout) {
            promise.succeed(false)
        }
        bootstrap.connect(to: backend.socketAddress).whenComplete { result in
            switch result {
            case .success(let channel):
                // Close a check that overran its timeout.
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
            case .failure:
                promise.succeed(false)
            }
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return promise.futureResult
    }
}
