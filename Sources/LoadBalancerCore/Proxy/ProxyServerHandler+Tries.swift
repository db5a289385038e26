import NIOCore
import NIOHTTP1
import Synchronization

// Tries: picking a backend, leasing or connecting, writing the request up, and what happens when a
// try fails (another backend if the retry rules allow, else an error page).
extension ProxyServerHandler {
    func startTry(_ exchange: ProxyExchange) {
        let elapsed = NIODeadline.now() - exchange.start
        guard exchange.tried.count < self.configuration.retry.maxTries,
            exchange.tried.isEmpty || elapsed < self.configuration.retry.timeout,
            let backend = self.loop.registry.pick(excluding: exchange.tried)
        else {
            if exchange.tried.isEmpty {
                // Nothing is up: a page that tells the client to come back, not a hung request.
                self.answerLocally(exchange, status: .serviceUnavailable, keepAlive: true, retryAfter: 5)
            } else if exchange.responseStatus == 504 {
                self.answerLocally(exchange, status: .gatewayTimeout, keepAlive: true)
            } else if !self.loop.registry.anyPassesChecks {
                // Tried in panic mode (every backend fails its checks) and none answered: the
                // service is down as far as the balancer knows, so the client is told to come back.
                self.answerLocally(exchange, status: .serviceUnavailable, keepAlive: true, retryAfter: 5)
            } else {
                self.answerLocally(exchange, status: .badGateway, keepAlive: true)
            }
            return
        }
        if !exchange.tried.isEmpty { self.loop.metrics.retries.add(1, ordering: .relaxed) }
        exchange.tried.append(backend.id)
        exchange.backend = backend
        exchange.holdsBackend = true
        exchange.tryStart = .now()
        exchange.tryNumber += 1
        if let connection = self.loop.pool.lease(backend) {
            self.attach(connection, to: exchange)
            return
        }
        exchange.isConnecting = true
        let tryNumber = exchange.tryNumber
        self.loop.pool.connect(backend) { result in
            self.connectCompleted(result, exchange: exchange, tryNumber: tryNumber)
        }
    }

    func connectCompleted(_ result: Result<UpstreamConnection, any Error>, exchange: ProxyExchange, tryNumber: Int) {
        guard case .proxying(let current) = self.state, current === exchange, exchange.tryNumber == tryNumber else {
            // The client went away (or the try was abandoned) meanwhile; a fresh connection is still
            // good for someone else.
            if case .success(let connection) = result { self.loop.pool.release(connection) }
            return
        }
        exchange.isConnecting = false
        switch result {
        case .success(let connection):
            self.attach(connection, to: exchange)
        case .failure(let error):
            var timedOut = false
            if case ChannelError.connectTimeout = error { timedOut = true }
            self.tryFailed(exchange, TryFailure(outcome: .connectFailed, status: timedOut ? .gatewayTimeout : .badGateway))
        }
    }

    func attach(_ connection: UpstreamConnection, to exchange: ProxyExchange) {
        exchange.upstream = connection
        connection.lease(to: self)
        connection.send(exchange.upstreamHead, isHEAD: exchange.method == .HEAD)
        exchange.wroteToUpstream = true
        if !exchange.pending.isEmpty {
            for part in exchange.pending {
                connection.write(part)
                exchange.remember(part, limit: self.configuration.retry.replayBufferBytes)
            }
            exchange.pending = []
        }
        if exchange.requestEnded {
            exchange.requestEndSent = true
            self.setDeadline(.upstream, after: self.configuration.upstream.responseTimeout)
        }
        self.flushUpstream(connection)
        self.resumeClientReadsIfAllowed()
    }

    /// Flushes what `flushUpstream` held back during a burst of client parts.
    func flushHeldBackUpstreamWrites() {
        if self.upstreamNeedsFlush, case .proxying(let exchange) = self.state, let upstream = exchange.upstream {
            self.upstreamNeedsFlush = false
            upstream.flush()
        }
    }

    /// Flushes now, or at the end of the current burst of client parts (one system call for a
    /// request's head, body and end when they came in one read).
    func flushUpstream(_ connection: UpstreamConnection) {
        if self.inClientBurst {
            self.upstreamNeedsFlush = true
        } else {
            self.upstreamNeedsFlush = false
            connection.flush()
        }
    }

    /// Ends the current try on a failure: retried elsewhere if the rules allow, otherwise the
    /// client gets the error page (or, once the response has started, a closed connection).
    func tryFailed(_ exchange: ProxyExchange, _ failure: TryFailure) {
        self.endTry(exchange, outcome: failure.outcome)
        exchange.upstream = nil
        exchange.isConnecting = false
        if exchange.responseStarted {
            self.closeClient(exchange, status: exchange.responseStatus)
            return
        }
        exchange.responseStatus = Int(failure.status.code)
        if exchange.mayRetry {
            exchange.rewindForRetry()
            self.startTry(exchange)
        } else {
            self.answerLocally(exchange, status: failure.status, keepAlive: true)
        }
    }

    /// Drops the upstream connection of an exchange that will not complete there.
    func abandonUpstream(_ exchange: ProxyExchange, outcome: RequestOutcome) {
        if let upstream = exchange.upstream {
            upstream.close()
            exchange.upstream = nil
        }
        self.endTry(exchange, outcome: outcome)
        exchange.isConnecting = false
        // A connect still under way is now for nobody.
        exchange.tryNumber += 1
    }

    /// Tells the registry how the current try ended, once.
    func endTry(_ exchange: ProxyExchange, outcome: RequestOutcome) {
        guard exchange.holdsBackend, let backend = exchange.backend else { return }
        exchange.holdsBackend = false
        self.loop.registry.release(backend, outcome: outcome, seconds: Self.seconds(since: exchange.tryStart))
    }
}
