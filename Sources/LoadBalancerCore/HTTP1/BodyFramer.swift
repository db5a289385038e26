/// Finds where a message body ends in the bytes that follow its head, whatever way they are split
/// across reads, so that the body can be forwarded as it came (chunked stays chunked) and the bytes
/// after it are known to start the next message.
///
/// Chunked framing is checked strictly (hex sizes, CRLF everywhere, bounded extension and trailer
/// lines): bytes the proxy forwards must be read the same way by the next hop.
struct BodyFramer {
    enum Error: Swift.Error, Equatable {
        case malformedChunk
    }

    private enum State {
        case length(remaining: Int)
        case untilClose
        /// Reading a chunk-size line: the size so far, and whether a digit was seen.
        case chunkSize(Int, digits: Int)
        case chunkExtension(Int)
        case chunkSizeLF(Int)
        case chunkData(remaining: Int)
        case chunkDataCR
        case chunkDataLF
        case trailerLineStart
        case trailerLine
        case trailerLF
        case lastLF
        case done
    }

    /// The longest chunk-size line (extensions included) or trailer section accepted.
    static let maxLineBytes = 4096

    private var state: State
    private var lineBytes = 0

    init(_ framing: RawHead.Framing, untilClose: Bool = false) {
        switch framing {
        case .none: self.state = untilClose ? .untilClose : .done
        case .length(let length): self.state = length == 0 ? .done : .length(remaining: length)
        case .chunked: self.state = .chunkSize(0, digits: 0)
        }
    }

    var isDone: Bool {
        if case .done = self.state { return true }
        return false
    }

    var isUntilClose: Bool {
        if case .untilClose = self.state { return true }
        return false
    }

    /// Takes the body's bytes from the start of `raw`: returns how many belong to the body (all of
    /// them unless it ends inside). With `data`, the ranges of payload (chunk data without its
    /// framing) are appended to it, for a recipient that cannot take chunked framing.
    mutating func consume(_ raw: UnsafeRawBufferPointer, data: UnsafeMutablePointer<[Range<Int>]>? = nil) throws(Error) -> Int {
        var index = 0
        let count = raw.count
        while index < count {
            switch self.state {
            case .done:
                return index
            case .untilClose:
                data?.pointee.append(index..<count)
                return count
            case .length(let remaining):
                let take = min(remaining, count - index)
                data?.pointee.append(index..<(index + take))
                index += take
                self.state = remaining == take ? .done : .length(remaining: remaining - take)
            case .chunkData(let remaining):
                let take = min(remaining, count - index)
                data?.pointee.append(index..<(index + take))
                index += take
                self.state = remaining == take ? .chunkDataCR : .chunkData(remaining: remaining - take)
            default:
                try self.step(raw[index])
                index += 1
            }
        }
        return index
    }

    /// One byte of chunk framing.
    private mutating func step(_ byte: UInt8) throws(Error) {
        self.lineBytes += 1
        if self.lineBytes > Self.maxLineBytes { throw .malformedChunk }
        switch self.state {
        case .chunkSize(let size, let digits):
            if let digit = Self.hexValue(byte) {
                // Leading zeros aside, no chunk over 2 GiB: a next hop that keeps sizes in 32 bits
                // would read a larger one as a small one.
                let next = size << 4 | digit
                guard digits < 16, next <= Int(Int32.max) else { throw .malformedChunk }
                self.state = .chunkSize(next, digits: digits + 1)
            } else if digits == 0 {
                throw .malformedChunk
            } else if byte == UInt8(ascii: ";") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                self.state = .chunkExtension(size)
            } else if byte == UInt8(ascii: "\r") {
                self.state = .chunkSizeLF(size)
            } else {
                throw .malformedChunk
            }
        case .chunkExtension(let size):
            if byte == UInt8(ascii: "\r") {
                self.state = .chunkSizeLF(size)
            } else if !RawHead.isValueByte(byte) {
                throw .malformedChunk
            }
        case .chunkSizeLF(let size):
            guard byte == UInt8(ascii: "\n") else { throw .malformedChunk }
            self.lineBytes = 0
            self.state = size == 0 ? .trailerLineStart : .chunkData(remaining: size)
        case .chunkDataCR:
            guard byte == UInt8(ascii: "\r") else { throw .malformedChunk }
            self.state = .chunkDataLF
        case .chunkDataLF:
            guard byte == UInt8(ascii: "\n") else { throw .malformedChunk }
            self.lineBytes = 0
            self.state = .chunkSize(0, digits: 0)
        case .trailerLineStart:
            if byte == UInt8(ascii: "\r") {
                self.state = .lastLF
            } else if RawHead.isTokenByte(byte) {
                self.state = .trailerLine
            } else {
                throw .malformedChunk
            }
        case .trailerLine:
            if byte == UInt8(ascii: "\r") {
                self.state = .trailerLF
            } else if !RawHead.isValueByte(byte) {
                throw .malformedChunk
            }
        case .trailerLF:
            // The trailer section as a whole counts against the line limit.
            guard byte == UInt8(ascii: "\n") else { throw .malformedChunk }
            self.state = .trailerLineStart
        case .lastLF:
            guard byte == UInt8(ascii: "\n") else { throw .malformedChunk }
            self.state = .done
        case .length, .untilClose, .chunkData, .done:
            preconditionFailure("bulk states are handled by consume")
        }
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
