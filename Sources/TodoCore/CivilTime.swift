import Foundation

/// A calendar date without a time or zone (`2026-12-01`), as an all-day due date is.
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...LocalDate.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(_ text: some StringProtocol) {
        var utf8 = Array(text.utf8)
        guard utf8.count == 10 else { return nil }
        guard let parsed = utf8.withUnsafeMutableBufferPointer({ LocalDate.parse(UnsafeBufferPointer($0), at: 0) }) else { return nil }
        self = parsed
    }

    /// Reads `YYYY-MM-DD` at `i` of `b`.
    static func parse(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> LocalDate? {
        guard b.count >= i + 10, b[i + 4] == UInt8(ascii: "-"), b[i + 7] == UInt8(ascii: "-"),
            let y = digits(b, i, 4), let m = digits(b, i + 5, 2), let d = digits(b, i + 8, 2)
        else { return nil }
        return LocalDate(year: y, month: m, day: d)
    }

    public var description: String {
        guard (0...9999).contains(year) else { return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) }
        return ASCIIWriter.string(capacity: 10) { w in w.date(self) }
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (proleptic Gregorian), negative before.
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public init(daysSinceEpoch z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    public func adding(days: Int) -> LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch + days) }
}

/// A wall-clock date and time without a zone (`2026-12-01T09:00`).
public struct LocalDateTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var date: LocalDate
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init?(date: LocalDate, hour: Int, minute: Int, second: Int = 0) {
        guard (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second) else { return nil }
        self.date = date
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// Parses `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS`.
    public init?(_ text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 16 || utf8.count == 19,
            let parsed = utf8.withUnsafeBufferPointer({ LocalDateTime.parse($0, at: 0, seconds: utf8.count == 19) })
        else { return nil }
        self = parsed
    }

    /// Reads `YYYY-MM-DDTHH:MM` (and `:SS` when `seconds`) at `i` of `b`.
    static func parse(_ b: UnsafeBufferPointer<UInt8>, at i: Int, seconds: Bool) -> LocalDateTime? {
        guard b.count >= i + (seconds ? 19 : 16), let date = LocalDate.parse(b, at: i), b[i + 10] == UInt8(ascii: "T"),
            b[i + 13] == UInt8(ascii: ":"), let h = digits(b, i + 11, 2), let m = digits(b, i + 14, 2)
        else { return nil }
        var sec = 0
        if seconds {
            guard b[i + 16] == UInt8(ascii: ":"), let s = digits(b, i + 17, 2) else { return nil }
            sec = s
        }
        return LocalDateTime(date: date, hour: h, minute: m, second: sec)
    }

    /// `2026-12-01T09:00`, with `:SS` only when the seconds are not zero.
    public var description: String {
        guard (0...9999).contains(date.year) else {
            return date.description + "T" + pad(hour, 2) + ":" + pad(minute, 2) + (second == 0 ? "" : ":" + pad(second, 2))
        }
        return ASCIIWriter.string(capacity: 19) { w in
            w.date(date)
            w.byte("T")
            w.digits(hour, 2)
            w.byte(":")
            w.digits(minute, 2)
            if second != 0 {
                w.byte(":")
                w.digits(second, 2)
            }
        }
    }

    public static func < (a: LocalDateTime, b: LocalDateTime) -> Bool {
        (a.date, a.hour, a.minute, a.second) < (b.date, b.hour, b.minute, b.second)
    }

    /// Seconds since 1970-01-01T00:00 read as if this wall-clock time were UTC.
    public var secondsSinceEpochAsUTC: Int {
        date.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second
    }

    public init(secondsSinceEpochAsUTC s: Int) {
        let days = Int((Double(s) / 86_400).rounded(.down))
        let rest = s - days * 86_400
        self.date = LocalDate(daysSinceEpoch: days)
        self.hour = rest / 3600
        self.minute = rest % 3600 / 60
        self.second = rest % 60
    }
}

/// IANA time zones: validation, and the conversions between wall-clock time and instants that
/// RFC 5545 §3.3.5 prescribes.
public enum Zones {
    private static let known: Set<String> = Set(TimeZone.knownTimeZoneIdentifiers).union(["UTC"])

    /// The zone named by an IANA identifier such as `Europe/Berlin`, or nil (abbreviations like
    /// `CET` or offsets like `GMT+1` are not accepted: they do not follow daylight saving).
    public static func zone(_ identifier: String) -> TimeZone? {
        guard known.contains(identifier) else { return nil }
        return TimeZone(identifier: identifier)
    }

    /// The instant at which a wall clock in `zone` shows `local`. A time that does not exist (in
    /// a DST gap) is moved forward by the length of the gap; an ambiguous one (in a DST overlap)
    /// takes the first occurrence. Both as RFC 5545 §3.3.5 says.
    public static func instant(of local: LocalDateTime, in zone: TimeZone) -> Date {
        let l = local.secondsSinceEpochAsUTC
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(l - 129_600)))
        let after = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(l + 129_600)))
        var valid: [Int] = []
        for offset in Set([before, after]) {
            let candidate = l - offset
            if zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(candidate))) == offset {
                valid.append(candidate)
            }
        }
        if valid.isEmpty {
            // Between the two offsets there may be more transitions; try the offset in force at
            // the guess before falling back to the pre-gap offset.
            let guess = l - zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(l)))
            let offsetAtGuess = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(guess)))
            if zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(l - offsetAtGuess))) == offsetAtGuess {
                return Date(timeIntervalSince1970: TimeInterval(l - offsetAtGuess))
            }
            // In a gap: interpret with the offset before the gap, which lands after the gap.
            return Date(timeIntervalSince1970: TimeInterval(l - before))
        }
        return Date(timeIntervalSince1970: TimeInterval(valid.min()!))
    }

    /// The wall-clock time `zone` shows at `instant` (whole seconds).
    public static func local(at instant: Date, in zone: TimeZone) -> LocalDateTime {
        let t = Int(instant.timeIntervalSince1970.rounded(.down))
        return LocalDateTime(secondsSinceEpochAsUTC: t + zone.secondsFromGMT(for: instant))
    }

    /// The instant at which `date` starts in `zone` (usually midnight; later where a DST change
    /// skips midnight).
    public static func startOfDay(_ date: LocalDate, in zone: TimeZone) -> Date {
        instant(of: LocalDateTime(date: date, hour: 0, minute: 0)!, in: zone)
    }
}

/// RFC 3339 timestamps: parsing any offset, printing UTC with `Z`.
public enum Timestamp {
    /// Parses `2026-12-01T08:00:00Z`, `2026-12-01T09:00:00+01:00`, with optional fractional seconds.
    public static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { b -> Date? in
            guard b.count >= 20, let local = LocalDateTime.parse(b, at: 0, seconds: true) else { return nil }
            var i = 19
            var fraction = 0.0
            if b[i] == UInt8(ascii: ".") {
                i += 1
                var scale = 0.1
                let start = i
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                    fraction += Double(b[i] - 0x30) * scale
                    scale /= 10
                    i += 1
                }
                guard i > start, i - start <= 9 else { return nil }
            }
            var offset = 0
            if i == b.count - 1, b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
                offset = 0
            } else if i == b.count - 6, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), b[i + 3] == UInt8(ascii: ":"),
                let h = digits(b, i + 1, 2), let m = digits(b, i + 4, 2), h < 24, m < 60
            {
                offset = (h * 3600 + m * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            } else {
                return nil
            }
            return Date(timeIntervalSince1970: TimeInterval(local.secondsSinceEpochAsUTC - offset) + fraction)
        }
    }

    /// `2026-12-01T08:00:00Z`
    public static func seconds(_ date: Date) -> String {
        format(date, millis: false)
    }

    /// `2026-12-01T09:00:00+01:00`: the wall-clock time in `zone` with its UTC offset.
    public static func withOffset(_ date: Date, in zone: TimeZone) -> String {
        let whole = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        let offset = zone.secondsFromGMT(for: whole)
        let l = Zones.local(at: whole, in: zone)
        let sign = offset < 0 ? "-" : "+"
        let a = abs(offset)
        return l.date.description + "T" + pad(l.hour, 2) + ":" + pad(l.minute, 2) + ":" + pad(l.second, 2) + sign + pad(a / 3600, 2) + ":"
            + pad(a % 3600 / 60, 2)
    }

    /// `Tue, 01 Dec 2026 08:00:00 +0000`: an email's `Date:` (RFC 5322 §3.3), in UTC. Written by
    /// hand: a `DateFormatter` per message was 15 % of the notification-service's CPU.
    public static func rfc5322(_ date: Date) -> String {
        let secs = Int(date.timeIntervalSince1970.rounded(.down))
        let l = LocalDateTime(secondsSinceEpochAsUTC: secs)
        let days = l.date.daysSinceEpoch
        let weekday = ((days % 7) + 10) % 7  // 1970-01-01 was a Thursday (3, counting Monday as 0)
        let dayName = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][weekday]
        let monthName = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][l.date.month - 1]
        return "\(dayName), \(pad(l.date.day, 2)) \(monthName) \(pad(l.date.year, 4)) \(pad(l.hour, 2)):\(pad(l.minute, 2)):\(pad(l.second, 2)) +0000"
    }

    /// `2026-12-01T08:00:00.123Z`
    public static func millis(_ date: Date) -> String {
        format(date, millis: true)
    }

    private static func format(_ date: Date, millis: Bool) -> String {
        let ms = Int((date.timeIntervalSince1970 * 1000).rounded(.down))
        let secs = Int((Double(ms) / 1000).rounded(.down))
        let l = LocalDateTime(secondsSinceEpochAsUTC: secs)
        return ASCIIWriter.string(capacity: 24) { w in
            w.date(l.date)
            w.byte("T")
            w.digits(l.hour, 2)
            w.byte(":")
            w.digits(l.minute, 2)
            w.byte(":")
            w.digits(l.second, 2)
            if millis {
                w.byte(".")
                w.digits(ms - secs * 1000, 3)
            }
            w.byte("Z")
        }
    }
}

/// The decimal number in `count` ASCII digits at `i` of `b`, or nil.
func digits(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ count: Int) -> Int? {
    var n = 0
    for k in i..<(i + count) {
        let c = b[k]
        guard c >= 0x30, c <= 0x39 else { return nil }
        n = n * 10 + Int(c - 0x30)
    }
    return n
}

/// `n` in decimal, left-padded with zeros to `width` digits.
/// Writes a short ASCII string in place (dates and times, formatted on every response): no
/// intermediate strings, no `snprintf`.
struct ASCIIWriter {
    let out: UnsafeMutableBufferPointer<UInt8>
    var count = 0

    static func string(capacity: Int, _ body: (inout ASCIIWriter) -> Void) -> String {
        String(unsafeUninitializedCapacity: capacity) { out in
            var w = ASCIIWriter(out: out)
            body(&w)
            return w.count
        }
    }

    mutating func byte(_ c: Unicode.Scalar) {
        out[count] = UInt8(c.value)
        count += 1
    }

    /// `n` (0 ≤ n < 10^width) as `width` decimal digits.
    mutating func digits(_ n: Int, _ width: Int) {
        var n = n
        for k in stride(from: width - 1, through: 0, by: -1) {
            out[count + k] = UInt8(0x30 + n % 10)
            n /= 10
        }
        count += width
    }

    /// `2026-12-01` (years 0–9999).
    mutating func date(_ d: LocalDate) {
        digits(d.year, 4)
        byte("-")
        digits(d.month, 2)
        byte("-")
        digits(d.day, 2)
    }
}

func pad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

extension Character {
    /// 0–9 only (not other scripts' digits).
    var isASCIIDigit: Bool { asciiValue.map { (0x30...0x39).contains($0) } ?? false }
}

extension Date {
    /// This instant with whole milliseconds, the precision both databases keep.
    public var truncatedToMillis: Date {
        Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
