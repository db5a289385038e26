/// Parses Redis URLs without Foundation's URL, whose leniency differs across platforms.
enum RedisURLParser {
    struct Result {
        var host: String
        var port: Int
        var username: String?
        var password: String?
        var database: Int
    }

    static func parse(_ url: String) throws(RedisError) -> Result {
        let scheme = "redis://"
        guard url.lowercased().hasPrefix(scheme) else {
            if url.lowercased().hasPrefix("rediss://") {
                throw invalid("TLS (rediss://) is not supported")
            }
            throw invalid("the URL must start with redis://")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        if rest.contains("?") || rest.contains("#") {
            throw invalid("query parameters and fragments are not supported")
        }

        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }

        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            guard let colon = userInfo.firstIndex(of: ":") else {
                throw invalid("credentials must be written as user:password@ or :password@")
            }
            let user = try percentDecode(userInfo[..<colon])
            username = user.isEmpty ? nil : user
            password = try percentDecode(userInfo[userInfo.index(after: colon)...])
        }

        let (host, port) = try parseHostPort(rest)
        let database = try parseDatabase(path)
        return Result(host: host, port: port, username: username, password: password, database: database)
    }

    private static func parseHostPort(_ text: Substring) throws(RedisError) -> (String, Int) {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw invalid("unterminated IPv6 address") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected text after IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text
        }
        guard !host.isEmpty else { throw invalid("the host is missing") }
        guard let portText else { return (String(host), 6379) }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCIIDigit),
            let port = Int(portText), (1...65535).contains(port)
        else {
            throw invalid("the port must be a number from 1 to 65535")
        }
        return (String(host), port)
    }

    private static func parseDatabase(_ path: Substring) throws(RedisError) -> Int {
        guard !path.isEmpty else { return 0 }
        guard path.allSatisfy(\.isASCIIDigit), let database = Int(path) else {
            throw invalid("the path must be a database number such as /0")
        }
        return database
    }

    private static func percentDecode(_ text: Substring) throws(RedisError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw invalid("invalid percent-encoding in the credentials")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw invalid("the credentials are not valid UTF-8 after percent-decoding")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func invalid(_ reason: String) -> RedisError {
        RedisError(kind: .invalidURL, message: "invalid Redis URL: \(reason)")
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
