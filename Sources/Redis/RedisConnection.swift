internal import CHiredis
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One pooled hiredis connection.
///
/// All methods block and must run on the client's `NIOThreadPool`. The pool hands a connection
/// to one caller at a time; the lock makes that exclusivity a guarantee rather than a
/// convention, and makes `close()` from the shutdown path safe.
final class RedisConnection: @unchecked Sendable {
    // @unchecked: `handle` is a non-Sendable C pointer. It is created, used and freed only while
    // `lock` is held, and never escapes this class.
    private let lock = NIOLock()
    private var handle: UnsafeMutablePointer<redisContext>?
    private let configuration: RedisConfiguration

    init(configuration: RedisConfiguration) {
        self.configuration = configuration
    }

    deinit {
        // Last resort for a connection dropped without close(); normally close() already ran.
        if let handle { redisFree(handle) }
    }

    /// Frees the hiredis context, closing the socket.
    func close() {
        lock.withLock {
            if let handle { redisFree(handle) }
            handle = nil
        }
    }

    /// Sends one command and waits for its reply.
    /// - Returns: The reply and whether a new TCP connection had to be made for it.
    func execute(_ command: [[UInt8]]) throws(RedisError) -> (RESPValue, reconnected: Bool) {
        try withLiveContext { ctx throws(RedisError) in
            let (raw, savedErrno) = RedisArgv.withArgv(command) { argc, argv, lengths in
                (redisCommandArgv(ctx, argc, argv, lengths), errno)
            }
            guard let raw else { throw Self.failure(of: ctx, errno: savedErrno) }
            defer { freeReplyObject(raw) }
            return try Self.convert(raw.assumingMemoryBound(to: redisReply.self))
        }
    }

    /// Writes all commands, then reads all replies: one round trip for the whole batch.
    func executePipeline(_ commands: [[[UInt8]]]) throws(RedisError) -> ([RESPValue], reconnected: Bool) {
        try withLiveContext { ctx throws(RedisError) in
            for command in commands {
                let (status, savedErrno) = RedisArgv.withArgv(command) { argc, argv, lengths in
                    (redisAppendCommandArgv(ctx, argc, argv, lengths), errno)
                }
                guard status == REDIS_OK else { throw Self.failure(of: ctx, errno: savedErrno) }
            }
            var replies: [RESPValue] = []
            replies.reserveCapacity(commands.count)
            for _ in commands {
                var raw: UnsafeMutableRawPointer?
                guard redisGetReply(ctx, &raw) == REDIS_OK, let raw else {
                    throw Self.failure(of: ctx, errno: errno)
                }
                defer { freeReplyObject(raw) }
                replies.append(try Self.convert(raw.assumingMemoryBound(to: redisReply.self)))
            }
            return replies
        }
    }

    /// Runs `body` on a context that is connected and believed alive; discards the context when
    /// `body` fails with a transport error, since the stream position is then unknown.
    private func withLiveContext<T>(
        _ body: (UnsafeMutablePointer<redisContext>) throws(RedisError) -> T
    ) throws(RedisError) -> (T, reconnected: Bool) {
        RedisSignals.blockSIGPIPEOnCurrentThread()
        lock.lock()
        defer { lock.unlock() }
        if let existing = handle, !Self.isAlive(existing) {
            redisFree(existing)
            handle = nil
        }
        var reconnected = false
        if handle == nil {
            handle = try connect()
            reconnected = true
        }
        let ctx = handle!
        do throws(RedisError) {
            return (try body(ctx), reconnected)
        } catch {
            // Server error replies leave the stream intact; everything else poisons it.
            if error.kind != .server {
                redisFree(ctx)
                handle = nil
            }
            throw error
        }
    }

    /// Zero-round-trip check that the server has not closed an idle socket (e.g. after a
    /// restart), so the caller's command goes to a fresh connection instead of failing.
    private static func isAlive(_ ctx: UnsafeMutablePointer<redisContext>) -> Bool {
        guard ctx.pointee.err == 0 else { return false }
        var byte: UInt8 = 0
        let flags = Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)
        let received = recv(ctx.pointee.fd, &byte, 1, flags)
        if received < 0 {
            let code = errno
            return code == EAGAIN || code == EWOULDBLOCK || code == EINTR
        }
        // 0 is EOF. >0 means unsolicited bytes, so replies would be misattributed: reconnect too.
        return false
    }

    private func connect() throws(RedisError) -> UnsafeMutablePointer<redisContext> {
        let ctx: UnsafeMutablePointer<redisContext>?
        if let timeout = RedisTimeval.make(configuration.connectTimeout) {
            ctx = redisConnectWithTimeout(configuration.host, Int32(configuration.port), timeout)
        } else {
            ctx = redisConnect(configuration.host, Int32(configuration.port))
        }
        guard let ctx else {
            throw RedisError(kind: .connection, message: "cannot allocate a hiredis context")
        }
        guard ctx.pointee.err == 0 else {
            let message = "cannot connect to \(configuration.host):\(configuration.port): \(Self.errorText(ctx))"
            redisFree(ctx)
            throw RedisError(kind: .connection, message: message)
        }
        do throws(RedisError) {
            if let timeout = RedisTimeval.make(configuration.commandTimeout) {
                guard redisSetTimeout(ctx, timeout) == REDIS_OK else { throw Self.failure(of: ctx, errno: errno) }
            }
            try handshake(ctx)
            return ctx
        } catch {
            redisFree(ctx)
            // Whatever failed here, the connection was never usable: report it as a connect failure.
            throw RedisError(kind: .connection, message: "connection setup failed: \(error.message)")
        }
    }

    /// AUTH and SELECT are pipelined so a reconnect costs one round trip beyond the TCP handshake.
    private func handshake(_ ctx: UnsafeMutablePointer<redisContext>) throws(RedisError) {
        var commands: [[[UInt8]]] = []
        if let password = configuration.password {
            if let username = configuration.username {
                commands.append([Array("AUTH".utf8), Array(username.utf8), Array(password.utf8)])
            } else {
                commands.append([Array("AUTH".utf8), Array(password.utf8)])
            }
        }
        // A new connection starts on database 0, so SELECT 0 would be a wasted round trip.
        if configuration.database != 0 {
            commands.append([Array("SELECT".utf8), Array(String(configuration.database).utf8)])
        }
        for command in commands {
            let (status, savedErrno) = RedisArgv.withArgv(command) { argc, argv, lengths in
                (redisAppendCommandArgv(ctx, argc, argv, lengths), errno)
            }
            guard status == REDIS_OK else { throw Self.failure(of: ctx, errno: savedErrno) }
        }
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(ctx, &raw) == REDIS_OK, let raw else { throw Self.failure(of: ctx, errno: errno) }
            defer { freeReplyObject(raw) }
            if case .error(let text) = try Self.convert(raw.assumingMemoryBound(to: redisReply.self)) {
                throw RedisError.server(text)
            }
        }
    }

    /// Maps a failed hiredis call to an error. `savedErrno` must be read right after the call.
    private static func failure(of ctx: UnsafeMutablePointer<redisContext>, errno savedErrno: Int32) -> RedisError {
        let text = errorText(ctx)
        switch ctx.pointee.err {
        case REDIS_ERR_IO where savedErrno == EAGAIN || savedErrno == EWOULDBLOCK:
            // SO_RCVTIMEO/SO_SNDTIMEO expiry surfaces as EAGAIN on a blocking socket.
            return RedisError(kind: .timeout, message: "no reply within the command timeout (\(text))")
        case REDIS_ERR_IO, REDIS_ERR_EOF:
            return RedisError(kind: .connection, message: "connection lost: \(text)")
        case REDIS_ERR_PROTOCOL:
            return RedisError(kind: .protocol, message: "protocol error: \(text)")
        default:
            return RedisError(kind: .connection, message: "hiredis error \(ctx.pointee.err): \(text)")
        }
    }

    private static func errorText(_ ctx: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: ctx.pointee.errstr) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) throws(RedisError) -> RESPValue {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_NIL:
            return .null
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(r.integer))
        case REDIS_REPLY_STRING:
            return .bulkString(bytes(r))
        case REDIS_REPLY_STATUS:
            return .simpleString(String(decoding: bytes(r), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(r), as: UTF8.self))
        case REDIS_REPLY_ARRAY:
            var elements: [RESPValue] = []
            elements.reserveCapacity(Int(r.elements))
            for index in 0..<Int(r.elements) {
                guard let element = r.element[index] else {
                    throw RedisError(kind: .protocol, message: "array reply with a missing element")
                }
                elements.append(try convert(element))
            }
            return .array(elements)
        default:
            throw RedisError(kind: .protocol, message: "unsupported reply type \(r.type)")
        }
    }

    private static func bytes(_ reply: redisReply) -> [UInt8] {
        guard let str = reply.str, reply.len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: str, count: Int(reply.len)))
    }
}
