internal import CHiredis

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Converts `Duration` to the `timeval` hiredis takes for socket timeouts.
enum RedisTimeval {
    /// `nil` for zero or negative durations: a zero `timeval` means "no timeout" to the kernel,
    /// so callers must skip setting one rather than pass it.
    static func make(_ duration: Duration) -> timeval? {
        guard duration > .zero else { return nil }
        let (seconds, attoseconds) = duration.components
        // Round sub-microsecond remainders up so a tiny timeout does not become "no timeout".
        var microseconds = (attoseconds + 999_999_999_999) / 1_000_000_000_000
        var wholeSeconds = seconds
        if microseconds >= 1_000_000 {
            wholeSeconds += 1
            microseconds -= 1_000_000
        }
        return timeval(tv_sec: Int(wholeSeconds), tv_usec: Int(microseconds))
    }
}
