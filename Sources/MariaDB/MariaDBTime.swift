import Foundation

/// Civil-date arithmetic in UTC (Howard Hinnant's algorithms): exact, and far cheaper per row than
/// going through `Calendar`.
enum MariaDBTime {
    struct Components: Equatable {
        var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int
    }

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func date(from c: Components) -> Date {
        let days = daysFromCivil(year: c.year, month: c.month, day: c.day)
        let seconds = days * 86_400 + c.hour * 3_600 + c.minute * 60 + c.second
        // Whole seconds and microseconds separately, so the Double holds the microseconds exactly enough.
        return Date(timeIntervalSince1970: Double(seconds) + Double(c.microsecond) / 1_000_000)
    }

    static func components(from date: Date) -> Components {
        let totalMicros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        var micros = Int(totalMicros)
        var seconds = micros / 1_000_000
        micros -= seconds * 1_000_000
        if micros < 0 { micros += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds - days * 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(days)
        return Components(
            year: y, month: m, day: d, hour: secondOfDay / 3_600, minute: secondOfDay % 3_600 / 60,
            second: secondOfDay % 60, microsecond: micros)
    }
}
