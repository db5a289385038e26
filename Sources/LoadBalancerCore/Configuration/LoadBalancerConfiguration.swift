import NIOCore

/// Everything the balancer is told at start-up. Built from environment variables by
/// ``init(environment:)``; tests build it directly.
public struct LoadBalancerConfiguration: Sendable {
    /// The client side: limits and timeouts that keep slow or greedy clients from holding connections.
    public struct Client: Sendable {
        /// Open client connections at most; past it, new connections wait in the kernel's backlog.
        public var maxConnections = 10_000
        /// Request line plus headers, in bytes; larger requests get 431.
        public var maxHeaderBytes = 16 * 1024
        /// Request body, in bytes; larger ones get 413.
        public var maxBodyBytes = 10 * 1024 * 1024
        /// From a request's first byte to the end of its headers.
        public var headerTimeout = TimeAmount.seconds(10)
        /// Longest wait for the next piece of a request body.
        public var bodyTimeout = TimeAmount.seconds(30)
        /// Longest wait for the next request on a keep-alive connection.
        public var idleTimeout = TimeAmount.seconds(60)
        /// Longest time a client may leave a response unread.
        public var sendTimeout = TimeAmount.seconds(60)

        public init() {}
    }

    /// Connections to the backends.
    public struct Upstream: Sendable {
        public var connectTimeout = TimeAmount.seconds(2)
        /// Longest wait for the response head, and then for each further piece of the response.
        public var responseTimeout = TimeAmount.seconds(60)
        /// Idle keep-alive connections kept per backend on each event loop.
        public var poolIdleMax = 32
        /// Idle connections are closed after this; keep it shorter than the backend's own idle timeout.
        public var poolIdleTimeout = TimeAmount.seconds(4)
        /// A connection is closed after serving this many requests.
        public var maxRequestsPerConnection = 1000

        public init() {}
    }

    /// When a request may go to a second backend (see ``ProxyServerHandler``).
    public struct Retry: Sendable {
        /// Backends tried for one request, the first included.
        public var maxTries = 3
        /// No new try starts later than this after the request arrived.
        public var timeout = TimeAmount.seconds(10)
        /// An idempotent request body is kept for a retry up to this size; a larger one is not retried
        /// once sent.
        public var replayBufferBytes = 64 * 1024

        public init() {}
    }

    /// Passive and active health checks.
    public struct Health: Sendable {
        /// Failed requests within `failTimeout` that take a backend out for `failTimeout` (nginx's
        /// `max_fails`; 0 turns passive checks off).
        public var maxFails = 1
        public var failTimeout = TimeAmount.seconds(10)
        /// Path of the active check; nil turns active checks off.
        public var path: String? = "/readyz"
        public var interval = TimeAmount.seconds(2)
        public var timeout = TimeAmount.seconds(1)
        /// Consecutive passes that bring a backend up, and failures that take it down.
        public var rise = 2
        public var fall = 3
        /// A backend that comes (back) up ramps from a small share to its full weight over this time.
        public var slowStart = TimeAmount.seconds(0)

        public init() {}
    }

    public enum AccessLogDestination: Sendable, Equatable {
        case off
        case stdout
        case file(String)
    }

    public var listen = ListenAddress(host: "127.0.0.1", port: 8080)
    /// The admin endpoint; nil turns it off. Loopback by default: it can drain backends.
    public var adminListen: ListenAddress? = ListenAddress(host: "127.0.0.1", port: 8089)
    public var algorithm = BalancingAlgorithm.roundRobin
    /// Event loops (threads) serving clients.
    public var threads = System.coreCount
    /// The backends file; reloaded on SIGHUP and when it changes.
    public var backendsFile: String?
    /// The initial backends (from the file, or `LB_BACKENDS`).
    public var backends: [BackendSpec] = []
    /// How often the backends file is checked for changes; nil turns the check off.
    public var reloadInterval: TimeAmount? = .seconds(2)
    public var trustedProxies = TrustedProxies.none
    /// `X-Forwarded-Proto` for requests that did not come through a trusted proxy.
    public var forwardedProto = "http"
    public var accessLog = AccessLogDestination.stdout
    /// Pages that replace the built-in ones, by status (`LB_ERROR_PAGES_DIR`: `502.html`, …).
    public var errorPages: [Int: String] = [:]
    /// SIGTERM waits this long for in-flight requests before closing what is left.
    public var shutdownTimeout = TimeAmount.seconds(30)
    public var client = Client()
    public var upstream = Upstream()
    public var retry = Retry()
    public var health = Health()

    public init() {}
}
