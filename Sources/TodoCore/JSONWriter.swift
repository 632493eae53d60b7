import Foundation

/// Compact JSON written straight to bytes, for what a request answers many times over (a page
/// of tasks): no `JSONValue` tree is built first. Containers take a closure; commas are the
/// writer's business. Keys are the code's own ASCII literals, so they are written unescaped.
///
///     var w = JSONWriter()
///     w.object { w in
///         w.key("id"); w.string(id.lowercased)
///         w.key("tags"); w.array { w in for t in tags { w.string(t) } }
///     }
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// The container being written has no element yet.
    private var first = true
    /// A key was just written: the next value is its member's, with no comma before it.
    private var afterKey = false

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    private mutating func separate() {
        if afterKey {
            afterKey = false
        } else {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
        }
    }

    public mutating func object(_ body: (inout JSONWriter) -> Void) { container("{", "}", body) }

    public mutating func array(_ body: (inout JSONWriter) -> Void) { container("[", "]", body) }

    private mutating func container(_ open: Unicode.Scalar, _ close: Unicode.Scalar, _ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(UInt8(ascii: open))
        first = true
        body(&self)
        bytes.append(UInt8(ascii: close))
        first = false
    }

    /// A member's key (`"name":`); the next value written is its value.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: "\":".utf8)
        afterKey = true
    }

    public mutating func string(_ s: String) {
        separate()
        JSONValue.writeString(s, into: &bytes)
    }

    public mutating func string(_ s: String?) {
        guard let s else { return null() }
        string(s)
    }

    public mutating func int(_ i: Int) {
        separate()
        bytes.append(contentsOf: String(i).utf8)
    }

    public mutating func bool(_ b: Bool) {
        separate()
        bytes.append(contentsOf: (b ? "true" : "false").utf8)
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    /// `2026-12-01T08:00:00.123Z`, or null.
    public mutating func millis(_ date: Date?) {
        guard let date else { return null() }
        string(Timestamp.millis(date))
    }

    public mutating func value(_ v: JSONValue) {
        separate()
        v.write(into: &bytes)
    }
}
