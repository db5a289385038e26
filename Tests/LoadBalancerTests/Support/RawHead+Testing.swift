import NIOCore

@testable import LoadBalancerCore

/// Reading a parsed head back as strings, for assertions.
extension RawHead {
    func name(of field: Field) -> String {
        self.bytes.getString(at: self.bytes.readerIndex + Int(field.nameStart), length: Int(field.nameEnd - field.nameStart)) ?? ""
    }

    /// The values of every field with this name, ignoring case.
    func values(_ name: String) -> [String] {
        self.fields.filter { self.name(of: $0).lowercased() == name.lowercased() }.map { self.value(of: $0) }
    }
}
