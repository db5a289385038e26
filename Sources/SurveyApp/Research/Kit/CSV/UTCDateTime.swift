import Foundation

/// The UTC calendar fields of a `Date`, computed arithmetically.
///
/// We avoid `DateFormatter`/`Calendar` here because a CSV export formats one
/// timestamp per row and those are slow and allocate; the conversion from days
/// since 1970 to a proleptic Gregorian date is Howard Hinnant's
/// `civil_from_days` algorithm (exact for all representable years).
struct UTCDateTime: Sendable, Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
    }

    /// The fields of `date`, truncating fractional seconds toward the past;
    /// `nil` for a date too far out to be a real timestamp (beyond ±10¹² s).
    init?(_ date: Date) {
        let interval = date.timeIntervalSince1970
        guard interval.isFinite, abs(interval) < 1e12 else { return nil }
        let seconds = Int(interval.rounded(.down))
        // Floor division, so times before 1970 land on the previous day.
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60

        // civil_from_days: shift the epoch to 0000-03-01 so leap days fall at
        // the end of each 400-year era, then split into era, year, day of year.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }
}
