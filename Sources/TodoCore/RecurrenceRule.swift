import Foundation

/// A day of the week, Monday first (ISO 8601 order).
public enum Weekday: Int, Sendable, CaseIterable, Comparable {
    case monday, tuesday, wednesday, thursday, friday, saturday, sunday

    /// The RFC 5545 code (`MO`, `TU`, …).
    public var code: String { ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][rawValue] }
    public var name: String { ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][rawValue] }

    public init?(code: some StringProtocol) {
        guard let i = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"].firstIndex(of: String(code)) else { return nil }
        self.init(rawValue: i)
    }

    public static func < (a: Weekday, b: Weekday) -> Bool { a.rawValue < b.rawValue }
}

extension LocalDate {
    /// The day of the week (1970-01-01 was a Thursday).
    public var weekday: Weekday { Weekday(rawValue: ((daysSinceEpoch % 7) + 7 + 3) % 7)! }
    public var dayOfYear: Int { daysSinceEpoch - LocalDate(year: year, month: 1, day: 1)!.daysSinceEpoch + 1 }
    public static func daysIn(year: Int) -> Int { isLeap(year) ? 366 : 365 }
}

/// A BYDAY entry: a weekday, optionally the nth (`2MO`) or nth-from-last (`-1FR`) in the period.
public struct WeekdayNum: Sendable, Hashable, Comparable {
    public var ordinal: Int?
    public var weekday: Weekday

    public init(_ weekday: Weekday, _ ordinal: Int? = nil) {
        self.weekday = weekday
        self.ordinal = ordinal
    }

    public var code: String { (ordinal.map(String.init) ?? "") + weekday.code }

    public static func < (a: WeekdayNum, b: WeekdayNum) -> Bool {
        (a.ordinal ?? 0, a.weekday) < (b.ordinal ?? 0, b.weekday)
    }
}

/// An RFC 5545 recurrence rule (§3.3.10), parsed, validated and normalized: printing it gives the
/// canonical text, which parses back to an equal rule.
public struct RecurrenceRule: Sendable, Hashable, CustomStringConvertible {
    public enum Frequency: String, Sendable, CaseIterable, Comparable {
        case minutely = "MINUTELY"
        case hourly = "HOURLY"
        case daily = "DAILY"
        case weekly = "WEEKLY"
        case monthly = "MONTHLY"
        case yearly = "YEARLY"

        var order: Int { Frequency.allCases.firstIndex(of: self)! }
        public static func < (a: Frequency, b: Frequency) -> Bool { a.order < b.order }
    }

    /// The end of a series given by UNTIL.
    public enum Until: Sendable, Hashable {
        /// `UNTIL=20271231`: the whole day is included.
        case date(LocalDate)
        /// `UNTIL=20271231T235959Z`: compared with each instance's instant.
        case instant(Date)
        /// `UNTIL=20271231T090000` (floating): compared with the wall-clock time.
        case local(LocalDateTime)
    }

    public static let maxInterval = 1000
    public static let maxCount = 10_000

    public var frequency: Frequency
    public var interval = 1
    public var count: Int?
    public var until: Until?
    public var byMonth: [Int] = []
    public var byWeekNo: [Int] = []
    public var byYearDay: [Int] = []
    public var byMonthDay: [Int] = []
    public var byDay: [WeekdayNum] = []
    public var byHour: [Int] = []
    public var byMinute: [Int] = []
    public var bySetPos: [Int] = []
    public var weekStart: Weekday = .monday

    public init(frequency: Frequency) { self.frequency = frequency }

    /// Parses `FREQ=WEEKLY;BYDAY=MO,WE` (an `RRULE:` prefix is allowed). Names are
    /// case-insensitive; errors name the part and the reason.
    public init(parsing text: String) throws(RecurrenceError) {
        var body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.uppercased().hasPrefix("RRULE:") { body = String(body.dropFirst(6)) }
        guard !body.isEmpty else { throw RecurrenceError("FREQ", "is required") }
        guard body.count <= 2000 else { throw RecurrenceError("RRULE", "is longer than 2000 characters") }
        var parts: [String: String] = [:]
        for part in body.split(separator: ";", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = kv[0].trimmingCharacters(in: .whitespaces).uppercased()
            guard kv.count == 2, !name.isEmpty else { throw RecurrenceError(name.isEmpty ? "RRULE" : name, "must be NAME=VALUE") }
            guard parts[name] == nil else { throw RecurrenceError(name, "appears more than once") }
            parts[name] = kv[1].trimmingCharacters(in: .whitespaces).uppercased()
        }
        guard let freqText = parts.removeValue(forKey: "FREQ") else { throw RecurrenceError("FREQ", "is required") }
        guard let freq = Frequency(rawValue: freqText) else {
            throw RecurrenceError(
                "FREQ", freqText == "SECONDLY" ? "SECONDLY is not supported" : "must be MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY")
        }
        self.init(frequency: freq)
        for (name, value) in parts {
            switch name {
            case "INTERVAL": interval = try Self.int(value, name, 1...Self.maxInterval)
            case "COUNT": count = try Self.int(value, name, 1...Self.maxCount)
            case "UNTIL": until = try Self.until(value)
            case "BYMONTH": byMonth = try Self.ints(value, name, 1...12, signed: false)
            case "BYWEEKNO": byWeekNo = try Self.ints(value, name, 1...53, signed: true)
            case "BYYEARDAY": byYearDay = try Self.ints(value, name, 1...366, signed: true)
            case "BYMONTHDAY": byMonthDay = try Self.ints(value, name, 1...31, signed: true)
            case "BYHOUR": byHour = try Self.ints(value, name, 0...23, signed: false)
            case "BYMINUTE": byMinute = try Self.ints(value, name, 0...59, signed: false)
            case "BYSETPOS": bySetPos = try Self.ints(value, name, 1...366, signed: true)
            case "BYSECOND":
                guard value == "0" else { throw RecurrenceError(name, "only BYSECOND=0 is supported") }
            case "BYDAY": byDay = try Self.weekdays(value)
            case "WKST":
                guard let w = Weekday(code: value) else { throw RecurrenceError(name, "must be one of MO, TU, WE, TH, FR, SA, SU") }
                weekStart = w
            default: throw RecurrenceError(name, "is not a rule part")
            }
        }
        try validate()
    }

    /// The combinations RFC 5545 forbids, and rules that can never produce an instance.
    func validate() throws(RecurrenceError) {
        if count != nil && until != nil { throw RecurrenceError("COUNT", "and UNTIL must not both be given") }
        if !byWeekNo.isEmpty && frequency != .yearly { throw RecurrenceError("BYWEEKNO", "is only allowed with FREQ=YEARLY") }
        if !byYearDay.isEmpty && [.daily, .weekly, .monthly].contains(frequency) {
            throw RecurrenceError("BYYEARDAY", "is not allowed with FREQ=\(frequency.rawValue)")
        }
        if !byMonthDay.isEmpty && frequency == .weekly { throw RecurrenceError("BYMONTHDAY", "is not allowed with FREQ=WEEKLY") }
        if byDay.contains(where: { $0.ordinal != nil }) {
            if frequency != .monthly && frequency != .yearly {
                throw RecurrenceError("BYDAY", "numbered days (like 2MO) need FREQ=MONTHLY or FREQ=YEARLY")
            }
            if frequency == .yearly && !byWeekNo.isEmpty {
                throw RecurrenceError("BYDAY", "numbered days (like 2MO) are not allowed with BYWEEKNO")
            }
        }
        if !bySetPos.isEmpty && byMonth.isEmpty && byWeekNo.isEmpty && byYearDay.isEmpty && byMonthDay.isEmpty && byDay.isEmpty
            && byHour.isEmpty && byMinute.isEmpty
        {
            throw RecurrenceError("BYSETPOS", "needs another BY rule part to select from")
        }
        if !byMonthDay.isEmpty {
            let months = byMonth.isEmpty ? Array(1...12) : byMonth
            let possible = months.contains { m in
                let longest = m == 2 ? 29 : LocalDate.daysIn(month: m, year: 2001)
                return byMonthDay.contains { abs($0) <= longest }
            }
            if !possible { throw RecurrenceError("BYMONTHDAY", "never falls in the chosen months, so the rule has no instances") }
        }
    }

    static func int(_ text: String, _ name: String, _ range: ClosedRange<Int>) throws(RecurrenceError) -> Int {
        guard !text.isEmpty, text.allSatisfy(\.isASCIIDigit), text.count <= 9, let n = Int(text) else {
            throw RecurrenceError(name, "must be a whole number")
        }
        guard range.contains(n) else { throw RecurrenceError(name, "must be from \(range.lowerBound) to \(range.upperBound)") }
        return n
    }

    static func ints(_ text: String, _ name: String, _ range: ClosedRange<Int>, signed: Bool) throws(RecurrenceError) -> [Int] {
        var values: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            var s = Substring(item)
            var sign = 1
            if signed, let first = s.first, first == "-" || first == "+" {
                sign = first == "-" ? -1 : 1
                s = s.dropFirst()
            }
            let magnitude = try int(String(s), name, range)
            if !values.contains(sign * magnitude) { values.append(sign * magnitude) }
        }
        let allowed = signed ? "±\(range.lowerBound) to ±\(range.upperBound)" : "\(range.lowerBound) to \(range.upperBound)"
        if values.isEmpty { throw RecurrenceError(name, "must list values from \(allowed)") }
        return values.sorted()
    }

    static func weekdays(_ text: String) throws(RecurrenceError) -> [WeekdayNum] {
        var result: [WeekdayNum] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard item.count >= 2, let weekday = Weekday(code: item.suffix(2)) else {
                throw RecurrenceError("BYDAY", "\(item.isEmpty ? "an empty entry" : String(item)) is not a weekday like MO, 2TU or -1FR")
            }
            var ordinal: Int?
            let prefix = item.dropLast(2)
            if !prefix.isEmpty {
                var s = prefix
                var sign = 1
                if let f = s.first, f == "-" || f == "+" {
                    sign = f == "-" ? -1 : 1
                    s = s.dropFirst()
                }
                guard !s.isEmpty, s.allSatisfy(\.isASCIIDigit), let n = Int(s), (1...53).contains(n) else {
                    throw RecurrenceError("BYDAY", "\(item): the number must be from ±1 to ±53")
                }
                ordinal = sign * n
            }
            let entry = WeekdayNum(weekday, ordinal)
            if !result.contains(entry) { result.append(entry) }
        }
        return result.sorted()
    }

    static func until(_ text: String) throws(RecurrenceError) -> Until {
        let b = Array(text.utf8)
        func num(_ i: Int, _ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                guard b[k] >= 0x30, b[k] <= 0x39 else { return nil }
                v = v * 10 + Int(b[k] - 0x30)
            }
            return v
        }
        let bad = RecurrenceError("UNTIL", "must be a date YYYYMMDD or a date-time YYYYMMDDTHHMMSSZ")
        guard let y = num(0, 4), let m = num(4, 2), let d = num(6, 2), let date = LocalDate(year: y, month: m, day: d) else { throw bad }
        if b.count == 8 { return .date(date) }
        guard b.count == 15 || b.count == 16, b[8] == UInt8(ascii: "T"), let h = num(9, 2), let mi = num(11, 2), let s = num(13, 2),
            let local = LocalDateTime(date: date, hour: h, minute: mi, second: s)
        else { throw bad }
        if b.count == 16 {
            guard b[15] == UInt8(ascii: "Z") else { throw bad }
            return .instant(Date(timeIntervalSince1970: TimeInterval(local.secondsSinceEpochAsUTC)))
        }
        return .local(local)
    }

    /// The canonical text: parts in a fixed order, lists sorted, defaults left out.
    public var description: String {
        var parts = ["FREQ=\(frequency.rawValue)"]
        if interval != 1 { parts.append("INTERVAL=\(interval)") }
        if let count { parts.append("COUNT=\(count)") }
        switch until {
        case .date(let d)?: parts.append("UNTIL=" + d.description.replacingOccurrences(of: "-", with: ""))
        case .instant(let t)?:
            let l = LocalDateTime(secondsSinceEpochAsUTC: Int(t.timeIntervalSince1970))
            parts.append("UNTIL=" + Self.compact(l) + "Z")
        case .local(let l)?: parts.append("UNTIL=" + Self.compact(l))
        case nil: break
        }
        func list(_ name: String, _ values: [Int]) {
            if !values.isEmpty { parts.append(name + "=" + values.map(String.init).joined(separator: ",")) }
        }
        list("BYMONTH", byMonth)
        list("BYWEEKNO", byWeekNo)
        list("BYYEARDAY", byYearDay)
        list("BYMONTHDAY", byMonthDay)
        if !byDay.isEmpty { parts.append("BYDAY=" + byDay.map(\.code).joined(separator: ",")) }
        list("BYHOUR", byHour)
        list("BYMINUTE", byMinute)
        list("BYSETPOS", bySetPos)
        if weekStart != .monday { parts.append("WKST=" + weekStart.code) }
        return parts.joined(separator: ";")
    }

    static func compact(_ l: LocalDateTime) -> String {
        l.date.description.replacingOccurrences(of: "-", with: "") + "T" + pad(l.hour, 2) + pad(l.minute, 2) + pad(l.second, 2)
    }
}

/// Why a rule was refused: the rule part and the reason.
public struct RecurrenceError: Error, Sendable, Equatable, CustomStringConvertible {
    public var part: String
    public var reason: String

    public init(_ part: String, _ reason: String) {
        self.part = part
        self.reason = reason
    }

    public var description: String { "\(part) \(reason)" }
}
