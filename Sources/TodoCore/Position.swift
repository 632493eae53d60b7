import Foundation

/// Where an item stands among its siblings in a person's manual order: a fractional key, compared
/// byte by byte (`COLLATE "C"` on PostgreSQL, SQLite's default), with the tie broken by id.
///
/// A key is base-62 digits (`0-9A-Za-z`, in ASCII order) read as a fraction in (0, 1) that never
/// ends in `0`. Between any two keys there is another (`between`), so a move writes one row and
/// never renumbers its siblings. New items get a key from the clock (`at(_:)`: `t` and eight digits
/// of milliseconds), so they sort after everything created or moved to the end before them without
/// reading the list. Keys grow only when one spot is split again and again; past `maxLength` the
/// caller rebalances that list once (`evenly`), in one transaction.
public struct Position: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let key: String

    static let digits: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    static let base = 62
    /// Past this length a new key asks for the siblings to be rebalanced.
    public static let maxLength = 48

    public init?(_ key: String) {
        guard !key.isEmpty, key.utf8.count <= 255, key.utf8.allSatisfy({ Position.value($0) != nil }), key.utf8.last != UInt8(ascii: "0")
        else { return nil }
        self.key = key
    }

    private init(digits: [Int]) {
        self.key = String(decoding: digits.map { Position.digits[$0] }, as: UTF8.self)
    }

    public var description: String { key }

    public static func < (a: Position, b: Position) -> Bool { a.key.utf8.lexicographicallyPrecedes(b.key.utf8) }

    static func value(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x41...0x5A: Int(byte - 0x41) + 10
        case 0x61...0x7A: Int(byte - 0x61) + 36
        default: nil
        }
    }

    private var values: [Int] { key.utf8.map { Position.value($0)! } }

    /// The key of an item added at `date`: `t` and the milliseconds since 1970 in eight base-62
    /// digits (fixed width, so keys from the clock sort by time until the year 8900).
    public static func at(_ date: Date) -> Position {
        var ms = Int(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down)))
        var out = [Int](repeating: 0, count: 8)
        for i in stride(from: 7, through: 0, by: -1) {
            out[i] = ms % base
            ms /= base
        }
        // `t` then the digits; a trailing 0 digit gets a middle digit after it (never ends in 0).
        var digits = [value(UInt8(ascii: "t"))!] + out
        if digits.last == 0 { digits.append(base / 2) }
        return Position(digits: digits)
    }

    /// A key strictly between `a` and `b` (nil: the start or the end of the list). `a` must be
    /// below `b`.
    public static func between(_ a: Position?, _ b: Position?) -> Position {
        precondition(a == nil || b == nil || a! < b!, "between(\(a!), \(b!)): keys out of order")
        return Position(digits: midpoint(a?.values ?? [], b?.values))
    }

    /// A key between two neighbours, or nil when they are equal (no key fits between equal keys:
    /// the order between them is their ids'). With no next one it is `end(after:now:)`.
    public static func gap(_ prev: Position?, _ next: Position?, now: Date) -> Position? {
        guard let next else { return end(after: prev, now: now) }
        if let prev, !(prev < next) { return nil }
        return between(prev, next)
    }

    /// The first key after `last` that is also after everything already keyed by the clock at
    /// `now`, so "move to the end" stays below what is created later (`at(_:)`).
    public static func end(after last: Position?, now: Date) -> Position {
        let clock = at(now)
        guard let last, clock <= last else { return clock }
        return between(last, nil)
    }

    /// `count` keys in order, evenly spread and short: the rebalanced positions of a list, all
    /// below `at(now)` (what is created later still sorts after them).
    public static func evenly(_ count: Int, before now: Date) -> [Position] {
        let prefix = at(now.addingTimeInterval(-0.001)).values
        let width = max(1, Int((log(Double(count + 1)) / log(Double(base))).rounded(.up)))
        return (1...max(count, 1)).prefix(count).map { i in
            var n = i
            var suffix = [Int](repeating: 0, count: width)
            for j in stride(from: width - 1, through: 0, by: -1) {
                suffix[j] = n % base
                n /= base
            }
            var digits = prefix + suffix
            while digits.last == 0 { digits.removeLast() }
            return Position(digits: digits.isEmpty ? [base / 2] : digits)
        }
    }

    /// The digits of a fraction strictly between `a` and `b` (nil: 1); `a` may be empty (0).
    /// Neither has trailing zeros, nor does the result.
    static func midpoint(_ a: [Int], _ b: [Int]?) -> [Int] {
        if let b {
            // A common prefix (a padded with zeros) is kept and the rest split.
            var n = 0
            while n < b.count, (n < a.count ? a[n] : 0) == b[n] { n += 1 }
            if n > 0 {
                return Array(b[..<n]) + midpoint(Array(a.dropFirst(n)), Array(b.dropFirst(n)))
            }
        }
        let low = a.first ?? 0
        let high = b?.first ?? base
        if high - low > 1 { return [(low + high) / 2] }
        // Neighbouring digits: the first digit of b alone is between when b goes on; else keep
        // a's first digit and split what follows it against the end.
        if let b, b.count > 1 { return [b[0]] }
        return [low] + midpoint(Array(a.dropFirst()), nil)
    }
}
