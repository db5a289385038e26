/// One row of an aggregated numeric variable: a distinct value and how many
/// respondents gave it (`SELECT value, COUNT(*) … GROUP BY value`).
struct ValueCount: Sendable, Equatable {
    /// The observed value.
    var value: Double
    /// How many observations had exactly this value.
    var count: Int
}
