import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The balancer: the proxy listener, the admin listener, active health checks and the backends
/// file watcher, over one event loop group. `start()`, then `shutdown()` (or
/// `runUntilSignalled()` in the executable).
public final class LoadBalancer: Sendable {
    public let configuration: LoadBalancerConfiguration
    public let registry: BackendRegistry
    public let metrics = ServerMetrics()

    private let group: MultiThreadedEventLoopGroup
    private let tracker = ConnectionTracker()
    private let accessLogSink: AccessLogSink?
    private let running = Mutex(Running())
    private let reloadLock = Mutex(())

    private struct Running {
        var loops: [ObjectIdentifier: NIOLoopBound<LoopContext>] = [:]
        var server: (any Channel)?
        var admin: (any Channel)?
        var healthChecker: HealthChecker?
        var watcher: BackendsFileWatcher?
        var stopped = false
    }

    /// Resolves the configured backends; nothing listens until `start()`.
    public init(configuration: LoadBalancerConfiguration) throws {
        self.configuration = configuration
        self.registry = BackendRegistry(
            algorithm: configuration.algorithm,
            health: BackendHealth.Configuration(
                maxFails: configuration.health.maxFails,
                failTimeout: configuration.health.failTimeout,
                rise: configuration.health.rise,
                fall: configuration.health.fall,
                slowStart: configuration.health.slowStart
            )
        )
        self.accessLogSink = configuration.accessLog == .off ? nil : try AccessLogSink(configuration.accessLog)
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)
        self.registry.update(try Self.resolve(configuration.backends))
    }

    /// The proxy's bound address (its port when the configuration said 0).
    public var localAddress: SocketAddress? { self.running.withLock { $0.server?.localAddress } }
    public var adminAddress: SocketAddress? { self.running.withLock { $0.admin?.localAddress } }

    /// Binds the listeners and starts health checks and the file watcher.
    public func start() async throws {
        var loops: [ObjectIdentifier: NIOLoopBound<LoopContext>] = [:]
        for eventLoop in self.group.makeIterator() {
            let configuration = self.configuration
            let registry = self.registry
            let metrics = self.metrics
            let sink = self.accessLogSink
            let bound = try await eventLoop.submit {
                let context = LoopContext(
                    eventLoop: eventLoop, configuration: configuration, registry: registry, metrics: metrics, accessLogSink: sink
                )
                context.pool.start()
                return NIOLoopBound(context, eventLoop: eventLoop)
            }.get()
            loops[ObjectIdentifier(eventLoop)] = bound
        }
        self.running.withLock { $0.loops = loops }

        let listen = self.configuration.listen
        let server = try await ListenFailure.naming("LB_LISTEN", listen.host, listen.port) {
            try await self.makeProxyBootstrap(loops: loops).bind(host: listen.host, port: listen.port).get()
        }
        self.running.withLock { $0.server = server }
        EventLog.info(
            "proxy listening on \(server.localAddress.map { "\($0)" } ?? "?") with \(self.registry.backends.count) backends, \(self.configuration.algorithm.rawValue)"
        )

        if let adminListen = self.configuration.adminListen {
            let admin = try await ListenFailure.naming("LB_ADMIN_LISTEN", adminListen.host, adminListen.port) {
                try await ServerBootstrap(group: self.group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                            try channel.pipeline.syncOperations.addHandler(AdminHandler(balancer: self))
                        }
                    }
                    .bind(host: adminListen.host, port: adminListen.port).get()
            }
            self.running.withLock { $0.admin = admin }
            EventLog.info("admin listening on \(admin.localAddress.map { "\($0)" } ?? "?")")
        }

        if let path = self.configuration.health.path {
            let checker = HealthChecker(
                registry: self.registry,
                eventLoop: self.group.next(),
                path: path,
                interval: self.configuration.health.interval,
                timeout: self.configuration.health.timeout
            )
            checker.start()
            self.running.withLock { $0.healthChecker = checker }
        }
        if let file = self.configuration.backendsFile, let interval = self.configuration.reloadInterval {
            let watcher = BackendsFileWatcher(path: file, interval: interval) { [weak self] in
                self?.reloadLogged(reason: "the backends file changed")
            }
            watcher.start()
            self.running.withLock { $0.watcher = watcher }
        }
    }

    private func makeProxyBootstrap(loops: [ObjectIdentifier: NIOLoopBound<LoopContext>]) -> ServerBootstrap {
        let client = self.configuration.client
        let metrics = self.metrics
        let tracker = self.tracker
        return ServerBootstrap(group: self.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ConnectionLimiter(limit: client.maxConnections, metrics: metrics, tracker: tracker)
                    )
                }
            }
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let loop = loops[ObjectIdentifier(channel.eventLoop)]?.value else {
                        throw ChannelError.ioOnClosedChannel
                    }
                    try Self.addClientHandlers(to: channel.pipeline.syncOperations, loop: loop)
                }
            }
    }

    /// The client connection's pipeline: the proxy handler alone (it reads and writes the bytes
    /// itself, see ``ProxyServerHandler``).
    static func addClientHandlers(to pipeline: ChannelPipeline.SynchronousOperations, loop: LoopContext) throws {
        try pipeline.addHandler(ProxyServerHandler(loop: loop))
    }

    // MARK: - Reconfiguration

    /// Re-reads the backends file and applies it. In-flight requests and client connections are
    /// untouched; a removed backend finishes what it has.
    @discardableResult
    public func reload() throws -> BackendRegistry.UpdateSummary {
        try self.reloadLock.withLock { _ in
            guard let path = self.configuration.backendsFile else {
                throw ConfigurationError("no backends file to reload (LB_BACKENDS_FILE is not set)")
            }
            let specs = try BackendsFile.load(path: path)
            return self.registry.update(try Self.resolve(specs))
        }
    }

    /// `reload()` with the outcome in the event log, for SIGHUP and the file watcher.
    func reloadLogged(reason: String) {
        do {
            let summary = try self.reload()
            EventLog.info(
                "reloaded backends (\(reason)): \(self.registry.backends.count) backends; added \(summary.added), removed \(summary.removed), reweighted \(summary.reweighted)"
            )
        } catch {
            EventLog.warning("reload failed (\(reason)), keeping the current backends: \(error)")
        }
    }

    static func resolve(_ specs: [BackendSpec]) throws -> [(BackendSpec, SocketAddress)] {
        try specs.map { spec in
            do {
                return (spec, try SocketAddress.makeAddressResolvingHost(spec.host, port: spec.port))
            } catch {
                throw ConfigurationError("cannot resolve backend \(spec.address): \(error)")
            }
        }
    }

    // MARK: - Shutdown

    /// Stops accepting, lets in-flight requests finish for up to `shutdownTimeout` (idle keep-alive
    /// connections close at once, busy ones after their response), then closes what is left.
    public func shutdown() async {
        let running = self.running.withLock { running -> Running? in
            guard !running.stopped else { return nil }
            running.stopped = true
            return running
        }
        guard let running else { return }
        running.watcher?.stop()
        running.healthChecker?.stop()
        try? await running.server?.close()
        self.tracker.quiesceAll()
        let deadline = NIODeadline.now() + self.configuration.shutdownTimeout
        while self.tracker.count > 0 && NIODeadline.now() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if self.tracker.count > 0 {
            EventLog.warning("shutdown deadline passed; closing \(self.tracker.count) connections")
            self.tracker.closeAll()
        }
        try? await running.admin?.close()
        for (_, bound) in running.loops {
            try? await bound.eventLoop.submit {
                bound.value.pool.closeAll()
                bound.value.accessLog?.flush()
            }.get()
        }
        await self.accessLogSink?.shutdown()
        try? await self.group.shutdownGracefully()
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully; SIGHUP reloads the backends file.
    public func runUntilSignalled() async {
        let signals = SignalHandlers()
        signals.onReload { [weak self] in self?.reloadLogged(reason: "SIGHUP") }
        await signals.waitForTermination()
        EventLog.info("stopping: finishing in-flight requests (at most \(self.configuration.shutdownTimeout.nanoseconds / 1_000_000_000) s)")
        await self.shutdown()
        EventLog.info("stopped")
    }

    /// Reloads on SIGHUP (for tests and embedders that handle termination themselves).
    public func reloadOnSIGHUP() -> SignalHandlers {
        let signals = SignalHandlers(termination: false)
        signals.onReload { [weak self] in self?.reloadLogged(reason: "SIGHUP") }
        return signals
    }
}

/// A socket the balancer could not listen on, named with its address and setting: "Address
/// already in use" alone does not say which of the two ports is taken.
public struct ListenFailure: Error, CustomStringConvertible {
    public let setting: String
    public let address: String
    public let underlying: any Error

    public var description: String { "cannot listen on \(address) (\(setting)): \(underlying)" }

    static func naming<T>(_ setting: String, _ host: String, _ port: Int, _ bind: () async throws -> T) async throws -> T {
        do {
            return try await bind()
        } catch {
            throw ListenFailure(setting: setting, address: "\(host):\(port)", underlying: error)
        }
    }
}
