import Foundation
import Hummingbird
import Mustache

/// Renders Mustache pages from `Views/` inside the common layout, with what every page needs:
/// the language, its strings, the signed-in user, the CSRF token and the language switch.
struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let catalog: MessageCatalog
    private let strings: NestedStrings

    init(directory: String, catalog: MessageCatalog) async throws {
        library = try await MustacheLibrary(directory: directory)
        for name in ["layout", "home", "signup", "login", "survey-page", "thanks", "ended", "my-data", "delete-account", "error", "research", "crosstab", "viability", "research-exports", "admin-users", "admin-exports"]
        where library.getTemplate(named: name) == nil {
            throw ConfigurationError("Views/\(name).mustache is missing from \(directory)")
        }
        self.catalog = catalog
        self.strings = NestedStrings(catalog: catalog)
    }

    /// A full HTML page. `values` go beside the common ones; `titleKey` names the page title.
    func render(
        _ template: String, titleKey: String, status: HTTPResponse.Status = .ok,
        request: Request, context: AppRequestContext, values: [String: Any] = [:], headers: HTTPFields = [:]
    ) throws -> Response {
        let language = context.language
        // A caller that just issued a fresh token passes it (and its cookie) itself.
        let (csrf, cookie) = try values["csrf"].map { ($0 as? String ?? "", nil) } ?? CSRF.token(for: request, secure: context.isSecure)
        var page: [String: Any] = [
            "lang": language,
            "t": strings[language],
            "title": catalog.text(titleKey, language),
            "csrf": csrf,
            "signedIn": context.user != nil,
            // The session could not be read (Redis out of reach): neither "sign in" nor a
            // signed-in menu, since which one is true is not known.
            "sessionUnknown": SessionStoreOutage.current?.happened == true,
            "isResearcher": context.user.map { $0.role != .respondent } ?? false,
            "isAdmin": context.user?.role == .admin,
            "languages": catalog.languages.map { code in
                [
                    "code": code, "name": catalog.text("language.name", code), "current": code == language,
                    "href": "/language/\(code)?next=" + Self.returnPath(request),
                ] as [String: Any]
            },
        ]
        // Researchers' pages hold tables and charts: they may use a wide screen's width.
        page["wide"] = Self.widePages.contains(template)
        page.merge(values) { _, new in new }
        guard let html = library.render(page, withTemplate: template) else {
            throw ConfigurationError("Views/\(template).mustache is missing")
        }
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        // Pages may show personal data: no shared or back-button cache keeps them.
        fields[.cacheControl] = "no-store"
        if let cookie { fields.append(.init(name: .setCookie, value: cookie.description)) }
        return Response(status: status, headers: fields, body: .init(byteBuffer: .init(string: html)))
    }

    private static let widePages: Set<String> = ["research", "crosstab", "viability", "research-exports", "admin-users", "admin-exports"]

    /// A path of this site to come back to: anything else (another host, `//evil`) becomes `/`.
    /// Whitespace and control characters are refused anywhere: browsers drop tabs and line breaks
    /// from a `Location`, so `/<TAB>/evil` would reach another host as `//evil`.
    static func localPath(_ path: String) -> String {
        guard path.hasPrefix("/"), !path.hasPrefix("//"), !path.contains("\\"),
              !path.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control })
        else { return "/" }
        return path
    }

    /// Where this request came from, as a `next` parameter (percent-encoded): its path and, for a
    /// page that was read (GET), its query, so that a filtered page or export comes back as it was.
    static func returnPath(_ request: Request) -> String {
        var here = request.uri.path
        if request.method == .get || request.method == .head, let query = request.uri.query, !query.isEmpty {
            here += "?" + query
        }
        return localPath(here).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"
    }
}

/// The catalogue's flat keys (`nav.login`) as nested dictionaries, so templates write
/// `{{t.nav.login}}`. Built once per language at start-up; immutable afterwards.
private final class NestedStrings: @unchecked Sendable {
    private let byLanguage: [String: [String: Any]]

    init(catalog: MessageCatalog) {
        var result: [String: [String: Any]] = [:]
        for language in catalog.languages {
            var root: [String: Any] = [:]
            for key in catalog.keys {
                Self.insert(catalog.text(key, language), at: key.split(separator: ".").map(String.init)[...], into: &root)
            }
            result[language] = root
        }
        byLanguage = result
    }

    subscript(language: String) -> [String: Any] { byLanguage[language] ?? byLanguage[MessageCatalog.defaultLanguage] ?? [:] }

    private static func insert(_ text: String, at path: ArraySlice<String>, into node: inout [String: Any]) {
        guard let head = path.first else { return }
        if path.count == 1 {
            node[head] = text
        } else {
            var child = node[head] as? [String: Any] ?? [:]
            insert(text, at: path.dropFirst(), into: &child)
            node[head] = child
        }
    }
}
