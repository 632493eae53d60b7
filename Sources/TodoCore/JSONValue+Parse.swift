import Foundation

extension JSONValue {
    /// Parses a JSON text (RFC 8259; a leading UTF-8 byte order mark is ignored). Throws
    /// `TodoError.malformedJSON` for anything that is not JSON: invalid UTF-8, a lone surrogate
    /// escape, a number out of Double's range, nesting deeper than 512, trailing bytes.
    ///
    /// Numbers without a fraction or exponent that fit in 64 bits are `.int`; others `.double`,
    /// except integral ones in Int64's range (`1.0`, `1e3`), which are `.int` as well. Object members
    /// keep their order; with a repeated key, the last one is what `subscript` finds.
    ///
    /// Written over the bytes, not through `JSONDecoder` and `Codable`: every consumed event and
    /// every queued email is parsed here, and the decoder was 17 % of the notification-service's CPU.
    public static func parse(_ data: Data) throws -> JSONValue {
        let value = data.withUnsafeBytes { raw -> JSONValue? in
            var parser = JSONParser(raw.bindMemory(to: UInt8.self))
            return parser.document()
        }
        guard let value else { throw TodoError.malformedJSON(detail: "The request body is not valid JSON.") }
        return value
    }
}

/// A recursive-descent JSON parser over UTF-8 bytes; nil means "not JSON".
struct JSONParser {
    let b: UnsafeBufferPointer<UInt8>
    var i = 0
    var depth = 0
    static let maxDepth = 512

    init(_ bytes: UnsafeBufferPointer<UInt8>) { b = bytes }

    mutating func document() -> JSONValue? {
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { i = 3 }
        skipSpace()
        guard let v = value() else { return .none }
        skipSpace()
        return i == b.count ? v : .none
    }

    mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    mutating func value() -> JSONValue? {
        guard i < b.count else { return .none }
        switch b[i] {
        case UInt8(ascii: "{"): return object()
        case UInt8(ascii: "["): return array()
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        default: return number()
        }
    }

    mutating func literal(_ word: StaticString, _ v: JSONValue) -> JSONValue? {
        let n = word.utf8CodeUnitCount
        guard b.count - i >= n else { return .none }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { return .none }
        i += n
        return v
    }

    mutating func object() -> JSONValue? {
        var members: [(String, JSONValue)] = []
        let ok = delimited(by: UInt8(ascii: "}")) { p in
            guard p.i < p.b.count, p.b[p.i] == UInt8(ascii: "\""), let key = p.string() else { return false }
            p.skipSpace()
            guard p.i < p.b.count, p.b[p.i] == UInt8(ascii: ":") else { return false }
            p.i += 1
            p.skipSpace()
            guard let v = p.value() else { return false }
            members.append((key, v))
            return true
        }
        return ok ? .object(members) : .none
    }

    mutating func array() -> JSONValue? {
        var elements: [JSONValue] = []
        let ok = delimited(by: UInt8(ascii: "]")) { p in
            guard let v = p.value() else { return false }
            elements.append(v)
            return true
        }
        return ok ? .array(elements) : .none
    }

    /// From an opening `{` or `[` to its `close`: comma-separated items, each read by `item`
    /// (false: not JSON), one nesting level deeper.
    mutating func delimited(by close: UInt8, _ item: (inout JSONParser) -> Bool) -> Bool {
        depth += 1
        guard depth <= Self.maxDepth else { return false }
        defer { depth -= 1 }
        i += 1
        skipSpace()
        if i < b.count, b[i] == close {
            i += 1
            return true
        }
        while true {
            skipSpace()
            guard item(&self) else { return false }
            skipSpace()
            guard i < b.count else { return false }
            if b[i] == UInt8(ascii: ",") {
                i += 1
            } else if b[i] == close {
                i += 1
                return true
            } else {
                return false
            }
        }
    }

    /// A string at the opening quote; the common case (no escapes) is one validated copy.
    mutating func string() -> String? {
        i += 1
        let start = i
        while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\"), b[i] >= 0x20 { i += 1 }
        guard i < b.count else { return .none }
        if b[i] == UInt8(ascii: "\"") {
            defer { i += 1 }
            return String(validating: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
        }
        var bytes = Array(b[start..<i])
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return String(validating: bytes, as: UTF8.self)
            }
            guard c >= 0x20 else { return .none }  // control characters must be escaped
            guard c == UInt8(ascii: "\\") else {
                bytes.append(c)
                i += 1
                continue
            }
            guard i + 1 < b.count else { return .none }
            i += 2
            switch b[i - 1] {
            case UInt8(ascii: "\""): bytes.append(0x22)
            case UInt8(ascii: "\\"): bytes.append(0x5C)
            case UInt8(ascii: "/"): bytes.append(0x2F)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                guard let unit = hex4() else { return .none }
                var scalar: Unicode.Scalar?
                if (0xD800...0xDBFF).contains(unit) {
                    // A high surrogate must be followed by an escaped low one.
                    guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else { return .none }
                    i += 2
                    guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return .none }
                    scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                } else {
                    scalar = Unicode.Scalar(unit)  // nil for a lone low surrogate
                }
                guard let scalar else { return .none }
                bytes.append(contentsOf: UTF8.encode(scalar)!)
            default: return .none
            }
        }
        return .none
    }

    mutating func hex4() -> UInt32? {
        guard b.count - i >= 4 else { return .none }
        var n: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: return .none
            }
            n = n << 4 | UInt32(d)
            i += 1
        }
        return n
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    mutating func number() -> JSONValue? {
        let start = i
        var integral = true
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, isDigit(b[i]) else { return .none }
        if b[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while i < b.count, isDigit(b[i]) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            integral = false
            i += 1
            guard i < b.count, isDigit(b[i]) else { return .none }
            while i < b.count, isDigit(b[i]) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            integral = false
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count, isDigit(b[i]) else { return .none }
            while i < b.count, isDigit(b[i]) { i += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
        if integral, let n = Int64(text) { return .int(n) }
        guard let d = Double(text), d.isFinite else { return .none }
        if let n = Int64(exactly: d) { return .int(n) }
        return .double(d)
    }

    func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
}
