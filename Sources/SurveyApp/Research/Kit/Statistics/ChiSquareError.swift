/// Why a chi-square test of independence could not be computed.
enum ChiSquareError: Error, Sendable, Equatable {
    /// The rows of the table have different lengths.
    case notRectangular
    /// A cell holds a negative count, which no `COUNT(*)` can produce.
    case negativeCount
    /// After dropping rows and columns with a zero total, fewer than two rows or
    /// two columns remain, so there is nothing to compare. The UI should say
    /// "not enough data" rather than show a p-value.
    case tooFewCategories
}
