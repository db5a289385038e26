import Foundation
import Hummingbird
import NIOCore

/// An `application/x-www-form-urlencoded` body as the browser sent it: every value of every name,
/// in order, so a multi-select's repeated names keep all their values.
struct FormData: Sendable {
    private(set) var values: [String: [String]] = [:]

    init(values: [String: [String]] = [:]) {
        self.values = values
    }

    /// Parses `body` (without the `?`). Malformed escapes are kept as typed rather than dropped.
    init(urlEncoded body: String) {
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            values[name, default: []].append(value)
        }
    }

    subscript(name: String) -> [String] { values[name] ?? [] }

    func first(_ name: String) -> String? { values[name]?.first }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Reads a form from `request`. A body over the context's limit becomes a 413 page; one that
    /// is not UTF-8 text becomes a 400 page.
    static func read(_ request: Request, context: AppRequestContext) async throws -> FormData {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > context.maxUploadSize {
            throw HTTPError(.contentTooLarge)
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw HTTPError(.badRequest)
        }
        return FormData(urlEncoded: text)
    }
}
