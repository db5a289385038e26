/// How a `CSVCell.timestamp` is written. Both styles are UTC and drop fractional
/// seconds (truncating toward the past), since survey timestamps need no more.
enum CSVTimestampStyle: Sendable, Equatable {
    /// ISO 8601 with a `Z` suffix, `2026-11-22T10:15:30Z`: unambiguous and read
    /// as a UTC date-time by R (`lubridate::ymd_hms`), pandas and SQL tools.
    case iso8601UTC
    /// `2026-11-22 10:15:30`, no `T` and no zone. Excel (pt-BR included) parses
    /// year-month-day with a space-separated time as a real date-time cell,
    /// whereas the `T`/`Z` form stays text. The value is still UTC; label the
    /// column accordingly (e.g. "Data (UTC)").
    case spaceSeparatedUTC
}
