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

    /// `+` and `%XX` decoded. Bytes that are not UTF-8 become U+FFFD (a browser never sends
    /// them; a crafted request must not get its field stored still percent-encoded).
    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var rest = text.utf8[...]
        while let byte = rest.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), rest.count >= 2, rest.prefix(2).allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
                      let value = UInt8(String(decoding: rest.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                rest = rest.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
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
