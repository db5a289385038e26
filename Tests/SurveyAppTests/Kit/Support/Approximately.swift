/// Whether `actual` is within `tolerance` of `expected` (absolute), for
/// comparing floating-point results with reference values.
func isClose(_ actual: Double?, _ expected: Double, tolerance: Double) -> Bool {
    guard let actual else { return false }
    return abs(actual - expected) <= tolerance
}

/// Whether `actual` is within `relative` of `expected` relative to its size,
/// for values like p = 1.5e-23 where an absolute tolerance means nothing.
func isRelativelyClose(_ actual: Double, _ expected: Double, relative: Double) -> Bool {
    abs(actual - expected) <= relative * abs(expected)
}
