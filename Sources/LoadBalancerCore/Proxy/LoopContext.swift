import NIOCore

/// What the handlers on one event loop share: the configuration, the backend registry, this loop's
/// upstream pool and access log, and a random source for request ids. Only its loop touches it.
final class LoopContext {
    let configuration: LoadBalancerConfiguration
    let registry: BackendRegistry
    let metrics: ServerMetrics
    let pool: UpstreamPool
    let accessLog: AccessLog?
    private var random: SplitMix64

    init(
        eventLoop: any EventLoop,
        configuration: LoadBalancerConfiguration,
        registry: BackendRegistry,
        metrics: ServerMetrics,
        accessLogSink: AccessLogSink?
    ) {
        self.configuration = configuration
        self.registry = registry
        self.metrics = metrics
        self.pool = UpstreamPool(eventLoop: eventLoop, configuration: configuration.upstream)
        self.accessLog = accessLogSink.map { AccessLog(sink: $0, eventLoop: eventLoop) }
        self.random = SplitMix64(seed: UInt64.random(in: 0...UInt64.max))
    }

    /// 32 hex digits (128 random bits).
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    func makeRequestID() -> String {
        let digits = Self.hexDigits
        let high = self.random.next()
        let low = self.random.next()
        return String(unsafeUninitializedCapacity: 32) { buffer in
            for index in 0..<16 {
                buffer[index] = digits[Int((high >> (60 - UInt64(index) * 4)) & 0xF)]
                buffer[16 + index] = digits[Int((low >> (60 - UInt64(index) * 4)) & 0xF)]
            }
            return 32
        }
    }
}
