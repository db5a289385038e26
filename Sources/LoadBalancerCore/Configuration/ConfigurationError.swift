/// A setting or a line of the backends file that cannot be used. The message names the setting or
/// the line, so that an operator can fix it without reading the source.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { self.message }
}
