import Foundation
import Testing
import TodoCore

/// `JSONValue.parse` (hand-written over the bytes) against Foundation's `JSONDecoder` through
/// `JSONValue`'s `Codable` conformance, which it replaced — the oracle for what is JSON and what
/// each number becomes — plus the limits that keep a hostile request body harmless.
@Suite struct JSONParseTests {
    /// What the old path made of a text (its objects have sorted keys; `same` ignores order).
    func oracle(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// Equal including the kind of number (`==` deliberately treats 1 and 1.0 alike).
    func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)):
            let sx = x.sorted { $0.0 < $1.0 }
            let sy = y.sorted { $0.0 < $1.0 }
            return sx.count == sy.count && zip(sx, sy).allSatisfy { $0.0 == $1.0 && same($0.1, $1.1) }
        default: return false
        }
    }

    static let valid = [
        "null", "true", "false", "0", "-0", "1", "-1", "42", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "12345678901234567890123", "1.5", "-1.5", "1.0", "1e3", "1E+3", "2.5e-3", "1e308", "0.1",
        "123456789.125", "\"\"", "\"plain\"", "\"a\\\"b\"", "\"back\\\\slash\"", "\"\\/\"", "\"\\b\\f\\n\\r\\t\"", "\"\\u0041\\u00e9\\u4e2d\"",
        "\"\\ud83e\\uddb7 tooth\"", "\"Zahnarzt bei Dr. Müller 🦷\"", "\"\\u2028\\u2029\"", "[]", "{}", " [ 1 , 2 ] ", "[1,[2,[3,[]]]]",
        "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}", "\n\t\r {\"title\" : \"x\" }\n",
        "{\"reminders\":[{\"before\":\"PT15M\",\"channels\":[\"email\",\"in_app\"]}],\"priority\":3}",
    ]

    @Test(arguments: valid) func agreesWithFoundationOnValidJSON(_ text: String) throws {
        let parsed = try JSONValue.parse(Data(text.utf8))
        let expected = try #require(oracle(text), "the oracle refused \(text)")
        #expect(same(parsed, expected), "\(text): \(parsed) vs \(expected)")
    }

    static let invalid = [
        "", " ", "nul", "tru", "True", "NaN", "Infinity", "-", "+1", "01", "-01", ".5", "1.", "1e", "1e+", "0x10", "1e400",
        "\"unterminated", "\"bad escape \\x\"", "\"\\u12\"", "\"\\uZZZZ\"", "\"lone high \\ud83e\"", "\"lone low \\udd37\"",
        "\"high then letter \\ud83e\\u0041\"", "\"raw\ttab\"", "\"raw\nline\"", "[", "]", "[,1]", "[1 2]", "{", "{\"a\"}",
        "{\"a\":}", "{a:1}", "{'a':1}", "{\"a\" 1}", "1 2", "[] []", "{}x", "// comment\n1",
    ]

    @Test(arguments: invalid) func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: TodoError.self, "\(text)") { try JSONValue.parse(Data(text.utf8)) }
        #expect(oracle(text) == nil, "the oracle accepted \(text)")
    }

    /// Trailing commas are not JSON (RFC 8259 §4, §5); Foundation's decoder let them through.
    @Test(arguments: ["[1,]", "{\"a\":1,}", "{\"title\":\"x\",}"]) func refusesTrailingCommas(_ text: String) {
        #expect(throws: TodoError.self, "\(text)") { try JSONValue.parse(Data(text.utf8)) }
    }

    @Test func refusesInvalidUTF8AndKeepsMemberOrder() throws {
        #expect(throws: TodoError.self) { try JSONValue.parse(Data([0x22, 0xC3, 0x28, 0x22])) }
        #expect(throws: TodoError.self) { try JSONValue.parse(Data([0x22, 0xFF, 0x22])) }
        // A byte order mark is ignored (RFC 8259 §8.1 allows it).
        #expect(try JSONValue.parse(Data([0xEF, 0xBB, 0xBF] + Array("[1]".utf8))) == [1])
        let v = try JSONValue.parse(Data("{\"z\":1,\"a\":2,\"m\":{\"y\":1,\"b\":2},\"a\":3}".utf8))
        guard case .object(let members) = v else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.0) == ["z", "a", "m", "a"])
        #expect(v["a"] == 3)  // the last of a repeated key
        #expect(v.serialized() == "{\"z\":1,\"a\":2,\"m\":{\"y\":1,\"b\":2},\"a\":3}")
    }

    /// What the writer escapes, exactly: RFC 8259's must-escapes, control characters as `\u00XX`,
    /// and U+2028/2029 (JavaScript); everything else, `/` and non-ASCII included, as it is.
    @Test func stringsAreEscapedExactly() {
        let text = "a\"b\\c\nd\re\tf\u{1}g\u{1F}h\u{2028}i\u{2029}j/é🦷\u{7F}\u{2027}"
        let expected = #""a\"b\\c\nd\re\tf\u0001g\u001fh\u2028i\u2029j/é🦷"# + "\u{7F}\u{2027}\""
        #expect(JSONValue.string(text).serialized() == expected)
        #expect(
            JSONValue.array([.string(text), .int(-3), .double(2.5), .bool(true), .null]).serializedBytes()
                == Array("[\(expected),-3,2.5,true,null]".utf8))
        var log = Array("x=".utf8)
        JSONValue.writeString(text, into: &log)
        #expect(log == Array(("x=" + expected).utf8))
    }

    /// The direct writer produces what the tree writes: commas between members and elements at
    /// every depth, empty containers, nulls for absent values.
    @Test func theWriterMatchesTheTree() {
        var w = JSONWriter()
        w.object { w in
            w.key("a")
            w.array { w in
                w.int(1)
                w.object { _ in }
                w.array { w in
                    w.string("x\"y")
                    w.null()
                }
                w.bool(false)
            }
            w.key("b")
            w.string(nil as String?)
            w.key("c")
            w.object { w in
                w.key("d")
                w.millis(Date(timeIntervalSince1970: 0.5))
                w.key("e")
                w.value(["f": [true]])
            }
            w.key("g")
            w.array { _ in }
        }
        let tree: JSONValue = [
            "a": [1, .object([]), ["x\"y", nil], false], "b": nil, "c": ["d": "1970-01-01T00:00:00.500Z", "e": ["f": [true]]], "g": [],
        ]
        #expect(w.bytes == tree.serializedBytes())
    }

    /// base64url without padding (RFC 4648 §5), every length's tail, both alphabets' last two
    /// letters, against Foundation's base64 with the letters swapped; and back.
    @Test func base64URLRoundTrips() {
        for length in 0..<12 {
            let data = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 251) })
            let reference = data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(data.base64URLEncoded == reference)
            #expect(Data(base64URL: reference) == data)
        }
        #expect(Data([0xfb, 0xff]).base64URLEncoded == "-_8")
        #expect(Data(base64URL: "-_8") == Data([0xfb, 0xff]))
        #expect(Data(base64URL: "a") == nil)
    }

    /// Deep nesting is refused, not a stack overflow: 512 levels parse, 513 do not, and a
    /// megabyte of `[` fails fast.
    @Test func nestingIsBounded() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(throws: Never.self) { try JSONValue.parse(Data(ok.utf8)) }
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(throws: TodoError.self) { try JSONValue.parse(Data(deep.utf8)) }
        #expect(throws: TodoError.self) { try JSONValue.parse(Data(String(repeating: "{\"a\":", count: 1_000_000).utf8)) }
        #expect(throws: TodoError.self) { try JSONValue.parse(Data(String(repeating: "[", count: 1_000_000).utf8)) }
    }

    /// Random documents survive serialize → parse exactly, and the oracle reads the same text
    /// the same way.
    @Test func randomDocumentsRoundTrip() throws {
        var rng = SystemRandomNumberGenerator()
        func string() -> String {
            let pieces = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "\u{1F}", "é", "中", "🦷", "\u{2028}", "\u{7F}"]
            return (0..<Int.random(in: 0...8, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
        }
        func value(_ depth: Int) -> JSONValue {
            switch Int.random(in: 0...(depth > 3 ? 5 : 7), using: &rng) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &rng))
            case 2: return .int(Int64.random(in: Int64.min...Int64.max, using: &rng))
            case 3: return .double(Double.random(in: -1e6...1e6, using: &rng).rounded(.down) + 0.5)
            case 4, 5: return .string(string())
            case 6: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in value(depth + 1) })
            default: return .object((0..<Int.random(in: 0...4, using: &rng)).map { k in ("k\(k)" + string(), value(depth + 1)) })
            }
        }
        for _ in 0..<500 {
            let v = value(0)
            let text = v.serialized()
            let parsed = try JSONValue.parse(Data(text.utf8))
            #expect(same(parsed, v), "\(text)")
            #expect(parsed.serialized() == text)
            let expected = try #require(oracle(text))
            #expect(same(parsed, expected), "\(text)")
        }
    }
}
