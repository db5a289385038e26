/// An error from MariaDB or from the client around it.
///
/// `description` never shows bound values: quoted literals in the server's text (such as the
/// duplicate entry of error 1062) are replaced with `'…'`, because they are often user data.
/// The client library's messages (codes 2000-2999) are kept whole: they name hosts, not data.
public struct MariaDBError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The server refused the statement (syntax, constraint, deadlock, …).
        case server
        /// The connection failed or was lost. See `mayHaveRun`.
        case connection
        /// No connection became free within the pool's acquire timeout.
        case poolExhausted
        /// A value could not be converted to the requested Swift type.
        case decoding
        /// The configuration (URL, TLS options) is not usable.
        case configuration
        /// The client is shutting down, or the API was used in a way it does not allow.
        case usage
    }

    public let kind: Kind
    /// The server's or client library's error number (`1062`, `2013`, …); 0 when there is none.
    public let code: UInt32
    /// SQLSTATE, five characters; `HY000` when unknown.
    public let sqlState: String
    /// What went wrong, with quoted literals redacted.
    public let message: String
    /// For a lost connection: whether the statement may have reached the server. Such a statement
    /// is never re-sent silently; the caller decides.
    public let mayHaveRun: Bool

    public init(kind: Kind, code: UInt32 = 0, sqlState: String = "HY000", message: String, mayHaveRun: Bool = false) {
        self.kind = kind
        self.code = code
        self.sqlState = sqlState
        // The client library's own messages (codes 2000-2999: "Can't connect to server on
        // '127.0.0.1' (111)") carry no user data, and their apostrophes are not quotes.
        self.message = (2000..<3000).contains(code) ? message : Self.redactingLiterals(in: message)
        self.mayHaveRun = mayHaveRun
    }

    /// `ER_DUP_ENTRY`: a unique key already holds this value.
    public var isDuplicateKey: Bool { code == 1062 || code == 1586 }
    /// `ER_LOCK_DEADLOCK`: the transaction was rolled back and may be retried as a whole.
    public var isDeadlock: Bool { code == 1213 }
    /// `ER_LOCK_WAIT_TIMEOUT`.
    public var isLockWaitTimeout: Bool { code == 1205 }
    /// The connection is gone (server restart, network): `CR_SERVER_GONE_ERROR`, `CR_SERVER_LOST`, …
    public var isConnectionLost: Bool { kind == .connection || Self.connectionLostCodes.contains(code) }

    static let connectionLostCodes: Set<UInt32> = [2002, 2003, 2006, 2013, 2026, 2055, 1927, 4031]

    public var description: String {
        switch kind {
        case .poolExhausted, .configuration, .usage, .decoding: "MariaDB: \(message)"
        case .server, .connection: "MariaDB error \(code) (\(sqlState)): \(message)"
        }
    }

    /// Words after which a quoted name is a schema object, not data.
    private static let nameWords: Set<String> = [
        "key", "column", "table", "database", "index", "constraint", "function", "procedure",
        "user", "variable", "field", "schema", "view", "trigger", "lock", "host", "server", "file",
    ]

    static func redactingLiterals(in text: String) -> String {
        var out = ""
        var previousWord = ""
        var word = ""
        var inQuote = false
        var quoted = ""
        for ch in text {
            if inQuote {
                if ch == "'" {
                    let keep = nameWords.contains(previousWord.lowercased())
                    out += keep ? "'\(quoted)'" : "'…'"
                    inQuote = false
                    quoted = ""
                } else {
                    quoted.append(ch)
                }
                continue
            }
            if ch == "'" {
                inQuote = true
                if !word.isEmpty { previousWord = word; word = "" }
                continue
            }
            out.append(ch)
            if ch.isLetter || ch == "_" {
                word.append(ch)
            } else if !word.isEmpty {
                previousWord = word
                word = ""
            }
        }
        if inQuote { out += "'…" }
        return out
    }
}
