#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix
import Synchronization

private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

/// Where access-log lines go: stdout or a file opened for appending. Shared by the loops' logs,
/// whose batches of whole lines it writes on a thread of its own, one system call each: a slow
/// reader of stdout (a pipe to a log collector) then never holds up an event loop. Should the
/// writer fall more than `maxPendingBytes` behind, batches are dropped and counted instead of
/// piling up in memory.
public final class AccessLogSink: Sendable {
    let fd: Int32
    private let ownsDescriptor: Bool
    private let writer = NIOThreadPool(numberOfThreads: 1)
    private let pendingBytes = Atomic<Int>(0)
    /// Bytes of log lines dropped because the writer was too far behind.
    let droppedBytes = Atomic<Int>(0)
    static let maxPendingBytes = 8 * 1024 * 1024

    public init(_ destination: LoadBalancerConfiguration.AccessLogDestination) throws(ConfigurationError) {
        switch destination {
        case .off, .stdout:
            self.fd = STDOUT_FILENO
            self.ownsDescriptor = false
        case .file(let path):
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw ConfigurationError("LB_ACCESS_LOG: cannot open \(path) for appending") }
            self.fd = fd
            self.ownsDescriptor = true
        }
        self.writer.start()
    }

    /// Queues a batch of whole lines for the writer thread.
    func write(_ buffer: ByteBuffer) {
        let size = buffer.readableBytes
        guard self.pendingBytes.add(size, ordering: .relaxed).newValue <= Self.maxPendingBytes else {
            self.pendingBytes.subtract(size, ordering: .relaxed)
            self.droppedBytes.add(size, ordering: .relaxed)
            return
        }
        // Also run when the pool shuts down (its state is then `.cancelled`): nothing queued is lost.
        self.writer.submit { _ in
            self.writeNow(buffer)
            self.pendingBytes.subtract(size, ordering: .relaxed)
        }
    }

    /// Writes what is queued, then stops the writer thread.
    func shutdown() async {
        try? await self.writer.shutdownGracefully()
    }

    private func writeNow(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = systemWrite(self.fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    deinit {
        if self.ownsDescriptor { close(self.fd) }
    }
}

/// One event loop's access log: JSON lines gathered in a buffer and written every 200 ms or every
/// 32 KiB, so that logging costs no system call per request.
final class AccessLog {
    /// One finished request.
    struct Entry {
        var requestID: String
        var method: String
        var uri: String
        var status: Int
        var upstream: String?
        var upstreamSeconds: Double?
        var totalSeconds: Double
        var bytesSent: Int
        var client: String
    }

    private let sink: AccessLogSink
    private let eventLoop: any EventLoop
    private var buffer: ByteBuffer
    private var flushScheduled = false
    private var clock = WallClockText()

    init(sink: AccessLogSink, eventLoop: any EventLoop) {
        self.sink = sink
        self.eventLoop = eventLoop
        self.buffer = ByteBufferAllocator().buffer(capacity: 32 * 1024)
    }

    func record(_ entry: Entry) {
        self.buffer.writeStaticString("{\"time\":\"")
        self.buffer.writeString(self.clock.now())
        self.buffer.writeStaticString("\",\"request_id\":")
        Self.writeJSONString(entry.requestID, to: &self.buffer)
        self.buffer.writeStaticString(",\"method\":")
        Self.writeJSONString(entry.method, to: &self.buffer)
        self.buffer.writeStaticString(",\"path\":")
        // The query string can carry personal data and tokens: it is never logged.
        let path = entry.uri.firstIndex(of: "?").map { String(entry.uri[..<$0]) } ?? entry.uri
        Self.writeJSONString(path, to: &self.buffer)
        self.buffer.writeString(",\"status\":\(entry.status),\"upstream\":")
        if let upstream = entry.upstream { Self.writeJSONString(upstream, to: &self.buffer) } else { self.buffer.writeStaticString("null") }
        self.buffer.writeStaticString(",\"upstream_time\":")
        if let seconds = entry.upstreamSeconds { self.buffer.writeString(Self.seconds(seconds)) } else { self.buffer.writeStaticString("null") }
        self.buffer.writeString(",\"total_time\":\(Self.seconds(entry.totalSeconds)),\"bytes\":\(entry.bytesSent),\"client\":")
        Self.writeJSONString(entry.client, to: &self.buffer)
        self.buffer.writeStaticString("}\n")
        if self.buffer.readableBytes >= 32 * 1024 {
            self.flush()
        } else if !self.flushScheduled {
            self.flushScheduled = true
            self.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(200)) { self.flush() }
        }
    }

    func flush() {
        self.flushScheduled = false
        guard self.buffer.readableBytes > 0 else { return }
        self.sink.write(self.buffer)
        self.buffer.clear()
    }

    static func seconds(_ value: Double) -> String {
        let millis = Int((value * 1000).rounded())
        let fraction = millis % 1000
        let padded = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
        return "\(millis / 1000).\(padded)"
    }

    static func writeJSONString(_ value: String, to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                buffer.writeStaticString("\\u00")
                buffer.writeInteger(hex[Int(byte >> 4)])
                buffer.writeInteger(hex[Int(byte & 0xF)])
            default: buffer.writeInteger(byte)
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}

/// UTC time as ISO 8601 with milliseconds; the date part is formatted once a second.
struct WallClockText {
    private var cachedSecond = -1
    private var cachedPrefix = ""

    mutating func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let second = Int(spec.tv_sec)
        if second != self.cachedSecond {
            var time = time_t(second)
            var parts = tm()
            gmtime_r(&time, &parts)
            func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
            self.cachedPrefix =
                "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
            self.cachedSecond = second
        }
        let millis = Int(spec.tv_nsec / 1_000_000)
        let padded = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(self.cachedPrefix).\(padded)Z"
    }
}
