import Foundation

/// Picks the respondent's language from `Accept-Language` (with q-values), among the supported
/// ones; Brazilian Portuguese when nothing matches.
enum LanguageNegotiation {
    static func pick(acceptLanguage header: String?, supported: [String], fallback: String = "pt-BR") -> String {
        guard let header else { return fallback }
        var ranges: [(tag: String, q: Double, order: Int)] = []
        for (order, part) in header.split(separator: ",").enumerated() {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first, !tag.isEmpty else { continue }
            var q = 1.0
            for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") {
                q = Double(parameter.dropFirst(2)) ?? 0
            }
            if q > 0 { ranges.append((tag.lowercased(), q, order)) }
        }
        for range in ranges.sorted(by: { $0.q != $1.q ? $0.q > $1.q : $0.order < $1.order }) {
            if range.tag == "*" { return fallback }
            // An exact tag first ("pt-br"), then the same primary language ("pt-PT" → "pt-BR", "en-US" → "en").
            if let exact = supported.first(where: { $0.lowercased() == range.tag }) { return exact }
            let primary = range.tag.split(separator: "-").first.map(String.init) ?? range.tag
            if let sameLanguage = supported.first(where: { $0.lowercased().split(separator: "-").first.map(String.init) == primary }) {
                return sameLanguage
            }
        }
        return fallback
    }
}
