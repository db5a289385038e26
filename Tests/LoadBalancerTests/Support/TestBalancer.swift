import ChildProcess
import LoadBalancerCore
import NIOCore
import NIOPosix

/// A balancer in this process on 127.0.0.1 port 0 (admin too), in front of the given upstreams,
/// with what tests rarely want turned off: access log, active checks, file polling.
func withBalancer<T: Sendable>(
    _ upstreams: [TestUpstream],
    threads: Int = 2,
    configure: (inout LoadBalancerConfiguration) -> Void = { _ in },
    _ body: (LoadBalancer, Int) async throws -> T
) async throws -> T {
    var configuration = LoadBalancerConfiguration()
    configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
    configuration.adminListen = ListenAddress(host: "127.0.0.1", port: 0)
    configuration.threads = threads
    configuration.accessLog = .off
    configuration.health.path = nil
    configuration.reloadInterval = nil
    configuration.shutdownTimeout = .seconds(5)
    configuration.backends = upstreams.map { BackendSpec(host: "127.0.0.1", port: $0.port) }
    configure(&configuration)
    let balancer = try LoadBalancer(configuration: configuration)
    try await balancer.start()
    do {
        let result = try await body(balancer, balancer.localAddress!.port!)
        await balancer.shutdown()
        return result
    } catch {
        await balancer.shutdown()
        throw error
    }
}

/// Starts `count` upstreams named a, b, c, …
func startUpstreams(_ count: Int, behaviour: TestUpstream.Behaviour = .normal) async throws -> [TestUpstream] {
    var upstreams: [TestUpstream] = []
    for index in 0..<count {
        let name = String(UnicodeScalar(UInt8(ascii: "a") + UInt8(index)))
        upstreams.append(try await TestUpstream.start(name: name, group: MultiThreadedEventLoopGroup.singleton, behaviour: behaviour))
    }
    return upstreams
}

func stopAll(_ upstreams: [TestUpstream]) async {
    for upstream in upstreams { await upstream.kill() }
}

/// Runs `body`, then stops the upstreams, also when it throws, and waits for them to stop (a
/// `defer { Task { … } }` would leave that to after the test has ended).
@discardableResult
func stopping<T>(_ upstreams: [TestUpstream], _ body: () async throws -> T) async throws -> T {
    do {
        let result = try await body()
        await stopAll(upstreams)
        return result
    } catch {
        await stopAll(upstreams)
        throw error
    }
}

/// A port on which nothing listens. Not one that port 0 handed out and was closed again: the test
/// servers started meanwhile bind port 0 too and can get it back (one did, and a "closed" backend
/// answered 200). `ListenPort` draws below the range port 0 picks from.
func closedPort() async throws -> Int {
    try ListenPort.pick()
}

extension LoadBalancer {
    func snapshot(_ address: String) -> BackendRegistry.Snapshot? {
        self.registry.snapshot().first { $0.address == address }
    }
}
