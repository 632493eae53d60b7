import Foundation

/// RFC 5545 text: content lines folded at 75 octets (never inside a UTF-8 sequence), TEXT values
/// escaped, dates and date-times in their basic forms, and VTIMEZONE components built from the
/// system's tz database.
public struct ICalendarWriter: Sendable {
    public private(set) var text = ""

    public init() {}

    /// One content line: `name` (with its parameters, e.g. `DTSTART;TZID=Europe/Berlin`) and a
    /// value already in its iCalendar form, folded and ended by CRLF.
    public mutating func line(_ name: String, _ value: String) {
        let line = Array((name + ":" + value).utf8)
        var start = 0
        var limit = 75
        while line.count - start > limit {
            var end = start + limit
            while end > start, line[end] & 0xC0 == 0x80 { end -= 1 }  // not inside a UTF-8 sequence
            text += String(decoding: line[start..<end], as: UTF8.self) + "\r\n "
            start = end
            limit = 74  // the leading space counts
        }
        text += String(decoding: line[start...], as: UTF8.self) + "\r\n"
    }

    /// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped.
    public mutating func text(_ name: String, _ value: String) { line(name, Self.escape(value)) }

    public static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n", "\r\n": out += "\\n"
            case "\r": break
            default: out.append(c)
            }
        }
        return out
    }

    /// `20261203` (DATE).
    public static func date(_ d: LocalDate) -> String { d.description.replacingOccurrences(of: "-", with: "") }

    /// `20261203T090000` (a local DATE-TIME, with a TZID parameter or floating).
    public static func local(_ l: LocalDateTime) -> String { RecurrenceRule.compact(l) }

    /// `20261203T080000Z` (a UTC DATE-TIME).
    public static func utc(_ instant: Date) -> String {
        local(LocalDateTime(secondsSinceEpochAsUTC: Int(instant.timeIntervalSince1970.rounded(.down)))) + "Z"
    }

    /// A DURATION value (`PT15M`, `-P1DT2H`, `PT0S`).
    public static func duration(seconds: Int) -> String {
        var s = abs(seconds)
        var out = seconds < 0 ? "-P" : "P"
        let days = s / 86400
        s %= 86400
        if days > 0 { out += "\(days)D" }
        if s > 0 || days == 0 {
            out += "T"
            let (h, m, sec) = (s / 3600, s % 3600 / 60, s % 60)
            if h > 0 { out += "\(h)H" }
            if m > 0 { out += "\(m)M" }
            if sec > 0 || (h == 0 && m == 0) { out += "\(sec)S" }
        }
        return out
    }

    /// `+0100`, `-0330` (UTC-OFFSET).
    static func offset(_ seconds: Int) -> String {
        let a = abs(seconds)
        return (seconds < 0 ? "-" : "+") + pad(a / 3600, 2) + pad(a % 3600 / 60, 2) + (a % 60 == 0 ? "" : pad(a % 60, 2))
    }

    /// A VTIMEZONE for `zone` from the tz database: the offset in force at the start of
    /// `fromYear`, then one STANDARD or DAYLIGHT component per transition until the end of
    /// `toYear` (each with its own DTSTART, so no rule has to describe the zone's history).
    /// Clients that know the IANA TZID use their own data; the rest read these.
    public mutating func timeZone(_ zone: TimeZone, fromYear: Int, toYear: Int) {
        line("BEGIN", "VTIMEZONE")
        line("TZID", zone.identifier)
        let begin = Zones.instant(of: LocalDateTime(date: LocalDate(year: fromYear, month: 1, day: 1)!, hour: 0, minute: 0)!, in: zone)
        let end = Zones.instant(of: LocalDateTime(date: LocalDate(year: toYear + 1, month: 1, day: 1)!, hour: 0, minute: 0)!, in: zone)
        func component(at instant: Date, from: Int, to: Int) {
            let kind = zone.isDaylightSavingTime(for: instant) ? "DAYLIGHT" : "STANDARD"
            line("BEGIN", kind)
            // The onset in the local time of the offset before it.
            line("DTSTART", Self.local(LocalDateTime(secondsSinceEpochAsUTC: Int(instant.timeIntervalSince1970) + from)))
            line("TZOFFSETFROM", Self.offset(from))
            line("TZOFFSETTO", Self.offset(to))
            if let name = zone.abbreviation(for: instant), !name.hasPrefix("GMT") { text("TZNAME", name) }
            line("END", kind)
        }
        let first = zone.secondsFromGMT(for: begin)
        component(at: begin, from: first, to: first)
        var cursor = begin
        var previous = first
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor), next < end {
            let to = zone.secondsFromGMT(for: next)
            component(at: next, from: previous, to: to)
            (cursor, previous) = (next, to)
        }
        line("END", "VTIMEZONE")
    }
}
