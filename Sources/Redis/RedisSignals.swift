#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// hiredis writes with plain `write(2)`, so a server that vanished mid-command would raise
/// SIGPIPE and kill the whole process. Blocking the signal on the client's own pool threads
/// turns that into an `EPIPE` error without changing the process-wide disposition the
/// application may rely on.
enum RedisSignals {
    static func blockSIGPIPEOnCurrentThread() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        // A SIGPIPE left pending by an earlier broken write is harmless while blocked, but drain
        // it so the thread never carries it around.
        #if os(Linux)
        var pending = sigset_t()
        if sigpending(&pending) == 0, sigismember(&pending, SIGPIPE) == 1 {
            var zero = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&set, nil, &zero)
        }
        #endif
    }
}
