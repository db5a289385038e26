#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import NIOCore
import Synchronization

/// Polls the backends file's identity (inode, size, modification time) and calls back when it
/// changes, on a queue of its own so that a reload never runs on an event loop. Polling rather
/// than inotify also sees an editor's rename-over and a symlink flip (Kubernetes ConfigMaps).
final class BackendsFileWatcher: Sendable {
    private struct Identity: Equatable {
        var inode: UInt64
        var size: Int64
        var seconds: Int
        var nanoseconds: Int
    }

    private let path: String
    private let interval: TimeAmount
    private let onChange: @Sendable () -> Void
    private let queue = DispatchQueue(label: "loadbalancer.backends-file-watcher")
    private let timer = Mutex<DispatchSourceBox?>(nil)
    private let last = Mutex<Identity?>(nil)

    init(path: String, interval: TimeAmount, onChange: @escaping @Sendable () -> Void) {
        self.path = path
        self.interval = interval
        self.onChange = onChange
    }

    func start() {
        self.last.withLock { $0 = Self.identity(of: self.path) }
        let timer = DispatchSource.makeTimerSource(queue: self.queue)
        let nanos = Int(self.interval.nanoseconds)
        timer.schedule(deadline: .now() + .nanoseconds(nanos), repeating: .nanoseconds(nanos))
        timer.setEventHandler { [weak self] in self?.poll() }
        timer.resume()
        self.timer.withLock { $0 = DispatchSourceBox(source: timer) }
    }

    func stop() {
        self.timer.withLock {
            $0?.source.cancel()
            $0 = nil
        }
    }

    private func poll() {
        let current = Self.identity(of: self.path)
        let changed = self.last.withLock { last -> Bool in
            defer { last = current }
            return current != nil && current != last
        }
        if changed { self.onChange() }
    }

    private static func identity(of path: String) -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Identity(
            inode: UInt64(info.st_ino),
            size: Int64(info.st_size),
            seconds: Int(info.st_mtim.tv_sec),
            nanoseconds: Int(info.st_mtim.tv_nsec)
        )
    }
}
