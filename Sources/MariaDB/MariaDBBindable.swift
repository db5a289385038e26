import Foundation

/// A Swift type that can be sent to MariaDB as a bound parameter.
public protocol MariaDBBindable: Sendable {
    var mariaDBValue: MariaDBValue { get }
}

/// A Swift type that a column value can be read into.
public protocol MariaDBDecodable: Sendable {
    init(mariaDBValue: MariaDBValue) throws
}

typealias MariaDBCodable = MariaDBBindable & MariaDBDecodable

func decodingError(_ value: MariaDBValue, _ type: Any.Type) -> MariaDBError {
    MariaDBError(kind: .decoding, message: "cannot read a \(value) value as \(type)")
}

extension MariaDBValue: MariaDBCodable {
    public var mariaDBValue: MariaDBValue { self }
    public init(mariaDBValue: MariaDBValue) { self = mariaDBValue }
}

extension Int64: MariaDBCodable {
    public var mariaDBValue: MariaDBValue { .int(self) }
    public init(mariaDBValue value: MariaDBValue) throws {
        switch value {
        case .int(let v): self = v
        case .uint(let v) where v <= UInt64(Int64.max): self = Int64(v)
        case .bool(let v): self = v ? 1 : 0
        case .decimal(let d) where Int64(d.description) != nil: self = Int64(d.description)!
        case .string(let s) where Int64(s) != nil: self = Int64(s)!
        default: throw decodingError(value, Int64.self)
        }
    }
}

extension Int: MariaDBCodable {
    public var mariaDBValue: MariaDBValue { .int(Int64(self)) }
    public init(mariaDBValue value: MariaDBValue) throws { self = Int(try Int64(mariaDBValue: value)) }
}

extension Int32: MariaDBCodable {
    public var mariaDBValue: MariaDBValue { .int(Int64(self)) }
    public init(mariaDBValue value: MariaDBValue) throws {
        guard let v = Int32(exactly: try Int64(mariaDBValue: value)) else { throw decodingError(value, Int32.self) }
        self = v
    }
}

extension UInt64: MariaDBCodable {
    public var mariaDBValue: MariaDBValue { .uint(self) }
    public init(mariaDBValue value: MariaDBValue) throws {
        switch value {
        case .uint(let v): self = v
        case .int(let v) where v >= 0: self = UInt64(v)
        default: throw decodingError(value, UInt64.self)
        }
    }
}

extension Double: MariaDBCodable {
    public var mariaDBValue: MariaDBValue { .double(self) }
    public init(mariaDBValue value: MariaDBValue) throws {
        switch value {
        case .double(let v): self = v
        case .int(let v): self = Double(v)
        case .uint(let v): self = Double(v)
        case .decimal(let d): self = NSDecimalNumber(decimal: d).doubleValue
        case .string(let s) where Double(s) != nil: self = Double(s)!
        default: throw decodingError(value, Double.self)
        }
    }
}

extension Decimal: MariaDBCodable {
    public var mariaDBValue: MariaDBValue { .decimal(self) }
    public init(mariaDBValue value: MariaDBValue) throws {
        switch value {
        case .decimal(let d): self = d
        case .int(let v): self = Decimal(v)
        case .uint(let v): self = Decimal(v)
        case .string(let s):
            guard let d = Decimal(string: s, locale: Locale(identifier: "en_US_POSIX")) else { throw decodingError(value, Decimal.self) }
            self = d
        default: throw decodingError(value, Decimal.self)
        }
    }
}

extension String: MariaDBCodable {
    public var mariaDBValue: MariaDBValue { .string(self) }
    public init(mariaDBValue value: MariaDBValue) throws {
        switch value {
        case .string(let s): self = s
        case .bytes(let b): self = String(decoding: b, as: UTF8.self)
        case .int(let v): self = String(v)
        case .uint(let v): self = String(v)
        case .decimal(let d): self = d.description
        default: throw decodingError(value, String.self)
        }
    }
}

extension Bool: MariaDBCodable {
    public var mariaDBValue: MariaDBValue { .bool(self) }
    public init(mariaDBValue value: MariaDBValue) throws {
        switch value {
        case .bool(let v): self = v
        case .int(let v): self = v != 0
        case .uint(let v): self = v != 0
        default: throw decodingError(value, Bool.self)
        }
    }
}

extension Date: MariaDBCodable {
    public var mariaDBValue: MariaDBValue { .date(self) }
    public init(mariaDBValue value: MariaDBValue) throws {
        guard case .date(let d) = value else { throw decodingError(value, Date.self) }
        self = d
    }
}

extension Array: MariaDBBindable where Element == UInt8 {
    public var mariaDBValue: MariaDBValue { .bytes(self) }
}

extension Array: MariaDBDecodable where Element == UInt8 {
    public init(mariaDBValue value: MariaDBValue) throws {
        switch value {
        case .bytes(let b): self = b
        case .string(let s): self = Array(s.utf8)
        default: throw decodingError(value, [UInt8].self)
        }
    }
}

extension Data: MariaDBCodable {
    public var mariaDBValue: MariaDBValue { .bytes([UInt8](self)) }
    public init(mariaDBValue value: MariaDBValue) throws { self = Data(try [UInt8](mariaDBValue: value)) }
}

extension Optional: MariaDBBindable where Wrapped: MariaDBBindable {
    public var mariaDBValue: MariaDBValue { self?.mariaDBValue ?? .null }
}

extension Optional: MariaDBDecodable where Wrapped: MariaDBDecodable {
    public init(mariaDBValue value: MariaDBValue) throws {
        self = value.isNull ? nil : try Wrapped(mariaDBValue: value)
    }
}
