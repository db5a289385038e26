#if canImport(Glibc)
import Glibc
#endif

/// CPU seconds (user + system) used so far by this process, or by its finished children.
enum CPUTime {
    static func own() -> Double { read(RUSAGE_SELF.rawValue) }
    static func children() -> Double { read(RUSAGE_CHILDREN.rawValue) }

    private static func read(_ who: Int32) -> Double {
        var usage = rusage()
        getrusage(who, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
