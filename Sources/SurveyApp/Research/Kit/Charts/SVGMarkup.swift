/// Small helpers shared by the chart renderers: escaping, number output and
/// the common frame (root element, title, description, "no data" state).
enum SVGMarkup {
    /// Escapes text for XML content and attribute values (`&`, `<`, `>`, `"`, `'`)
    /// and drops characters XML 1.0 forbids (most C0 controls, U+FFFE, U+FFFF),
    /// which would otherwise make the whole page's SVG unparseable.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                if value < 0x20 || value == 0xFFFE || value == 0xFFFF { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A coordinate with at most two decimals and a `.`, never in exponent
    /// notation (SVG accepts it, but `1e-05` in markup is noise and risks
    /// locale-dependent formatting elsewhere).
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let clamped = min(max(value, -1e12), 1e12)
        let hundredths = Int((clamped * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = hundredths.magnitude
        let whole = magnitude / 100
        let fraction = magnitude % 100
        if fraction == 0 { return "\(sign)\(whole)" }
        if fraction % 10 == 0 { return "\(sign)\(whole).\(fraction / 10)" }
        return "\(sign)\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// Rough width of `text` in user units at `fontSize`, for layout decisions
    /// (SVG cannot measure text without a browser). Assumes an average glyph of
    /// 0.6 em, which is generous for proportional sans-serif fonts.
    static func estimatedWidth(of text: String, fontSize: Double) -> Double {
        Double(text.count) * fontSize * 0.6
    }

    /// Opening `<svg>` tag plus `<title>` and `<desc>`, wired to `aria-labelledby`
    /// so screen readers announce the chart as one image with a text summary.
    ///
    /// The width is 100% of the container and the height follows from the
    /// viewBox, so the chart scales to a phone's width. Colours come from the
    /// presentation attribute `fill="currentColor"`, which any stylesheet rule on
    /// the CSS classes overrides; no `style` attribute or element is emitted,
    /// since the site's CSP (`style-src 'self'`) blocks inline styles.
    static func open(id: String, cssClass: String, width: Double, height: Double, title: String, description: String) -> String {
        let id = escape(id)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" id="\(id)" class="chart \(escape(cssClass))" \
            viewBox="0 0 \(number(width)) \(number(height))" width="100%" \
            preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="\(id)-title \(id)-desc" \
            font-family="sans-serif" font-size="14" fill="currentColor">\
            <title id="\(id)-title">\(escape(title))</title>\
            <desc id="\(id)-desc">\(escape(description))</desc>
            """
    }

    /// Closing tag matching `open`.
    static let close = "</svg>"

    /// A complete small chart that only says there is no data, so a question
    /// nobody answered still gets a labelled, accessible placeholder.
    static func emptyChart(id: String, cssClass: String, width: Double, title: String, message: String) -> String {
        let height = 48.0
        return open(id: id, cssClass: cssClass + " chart-empty", width: width, height: height, title: title, description: message)
            + "<text class=\"empty\" x=\"\(number(width / 2))\" y=\"29\" text-anchor=\"middle\">\(escape(message))</text>"
            + close
    }
}
