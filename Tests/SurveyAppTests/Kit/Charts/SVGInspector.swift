import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Parses SVG output with Foundation's XMLParser — which fails on any
/// well-formedness error — and records every element for the tests to query.
final class SVGInspector: NSObject, XMLParserDelegate {
    /// One parsed element.
    struct Element {
        var name: String
        var attributes: [String: String]
        /// Character data directly inside this element (entities decoded).
        var text: String
        /// Names of the enclosing elements, outermost first.
        var ancestors: [String]

        /// The element's `class` attribute split into class names.
        var classes: [String] {
            (attributes["class"] ?? "").split(separator: " ").map(String.init)
        }

        /// A numeric attribute.
        func number(_ attribute: String) -> Double? {
            attributes[attribute].flatMap(Double.init)
        }
    }

    /// Why the markup was rejected.
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    private(set) var elements: [Element] = []
    private var openIndices: [Int] = []

    /// All elements of `svg` in document order; throws if it is not well-formed XML.
    static func parse(_ svg: String) throws -> [Element] {
        let inspector = SVGInspector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = inspector
        guard parser.parse() else {
            throw ParseError(description: parser.parserError.map { "\($0)" } ?? "unknown XML error")
        }
        return inspector.elements
    }

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String]
    ) {
        let ancestors = openIndices.map { elements[$0].name }
        elements.append(Element(name: elementName, attributes: attributes, text: "", ancestors: ancestors))
        openIndices.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard let index = openIndices.last else { return }
        elements[index].text += string
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        openIndices.removeLast()
    }
}

extension [SVGInspector.Element] {
    /// Elements with the given name and, if given, CSS class.
    func named(_ name: String, class cssClass: String? = nil) -> [SVGInspector.Element] {
        filter { element in
            element.name == name && (cssClass.map { element.classes.contains($0) } ?? true)
        }
    }
}
