#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// SIGHUP (reload) and, optionally, SIGTERM/SIGINT (graceful stop), delivered through dispatch
/// sources on a queue of their own rather than in a C signal handler.
public final class SignalHandlers: Sendable {
    private let queue = DispatchQueue(label: "loadbalancer.signals")
    private let sources = Mutex<[DispatchSourceBox]>([])
    private let termination: Bool

    public init(termination: Bool = true) {
        self.termination = termination
    }

    /// Calls `action` on every SIGHUP until `cancel()`.
    public func onReload(_ action: @escaping @Sendable () -> Void) {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: self.queue)
        source.setEventHandler(handler: action)
        source.resume()
        self.sources.withLock { $0.append(DispatchSourceBox(source: source)) }
    }

    /// Returns at the first SIGTERM or SIGINT.
    public func waitForTermination() async {
        guard self.termination else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumed = Mutex(false)
            for number in [SIGTERM, SIGINT] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: self.queue)
                source.setEventHandler {
                    let first = resumed.withLock { done -> Bool in
                        defer { done = true }
                        return !done
                    }
                    if first { continuation.resume() }
                }
                source.resume()
                self.sources.withLock { $0.append(DispatchSourceBox(source: source)) }
            }
        }
    }

    public func cancel() {
        self.sources.withLock { sources in
            for box in sources { box.source.cancel() }
            sources = []
        }
    }
}

/// A dispatch source kept under a lock: the sources are thread-safe, but not marked `Sendable`.
struct DispatchSourceBox: @unchecked Sendable {
    let source: any DispatchSourceProtocol
}
