import NIOCore
import NIOHTTP1
import Synchronization

// One lazily re-armed timer per connection, and what each kind of timeout does.
extension ProxyServerHandler {
    func setDeadline(_ kind: Timeout, after amount: TimeAmount) {
        let deadline = NIODeadline.now() + amount
        self.deadline = deadline
        self.deadlineKind = kind
        // A timer that fires earlier re-arms itself for the later deadline; this saves rescheduling
        // on every body part.
        if let armed = self.timerDeadline, armed <= deadline { return }
        self.timer?.cancel()
        self.armTimer(at: deadline)
    }

    func clearDeadline() {
        self.deadline = nil
    }

    func armTimer(at deadline: NIODeadline) {
        guard let context else { return }
        self.timerDeadline = deadline
        self.timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timerFired()
        }
    }

    func timerFired() {
        self.timer = nil
        self.timerDeadline = nil
        guard let deadline = self.deadline else { return }
        let now = NIODeadline.now()
        if now < deadline {
            self.armTimer(at: deadline)
            return
        }
        self.deadline = nil
        self.timedOut(self.deadlineKind)
    }

    func timedOut(_ kind: Timeout) {
        guard let context else { return }
        switch (kind, self.state) {
        case (.body, .proxying(let exchange)) where !exchange.requestEnded:
            if exchange.isConnecting {
                // Waiting for a backend, not for the client: the connect timeout answers for that.
                self.setDeadline(.body, after: self.configuration.client.bodyTimeout)
                return
            }
            if !self.mayReadClient {
                // The backend is slow to take the body, not the client to send it: if it stays
                // stuck, the upstream timeout gives up on it (504, or another backend).
                self.setDeadline(.upstream, after: self.configuration.upstream.responseTimeout)
                return
            }
            self.abandonUpstream(exchange, outcome: .aborted)
            if exchange.responseStarted {
                self.closeClient(exchange, status: 408)
            } else {
                self.answerLocally(exchange, status: .requestTimeout, keepAlive: false)
            }
        case (.upstream, .proxying(let exchange)), (.body, .proxying(let exchange)):
            if exchange.isConnecting {
                // The connect timeout answers for that part.
                self.setDeadline(.upstream, after: self.configuration.upstream.responseTimeout)
                return
            }
            if exchange.responseStarted && !context.channel.isWritable {
                // The client is not reading: that is the send timeout's business.
                self.setDeadline(.send, after: self.configuration.client.sendTimeout)
                return
            }
            exchange.upstream?.close()
            exchange.upstream = nil
            self.tryFailed(exchange, TryFailure(outcome: .timedOut, status: .gatewayTimeout))
        case (.send, .proxying(let exchange)):
            self.abandonUpstream(exchange, outcome: .aborted)
            self.closeClient(exchange, status: exchange.responseStatus)
        case (_, .idle), (_, .answeredLocally), (_, .lingering):
            self.state = .closing
            context.close(promise: nil)
        default:
            break
        }
    }
}
