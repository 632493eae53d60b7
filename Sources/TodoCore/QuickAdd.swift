import Foundation

/// Quick add: one line of English becomes a task (`docs/QUICKADD.md` has the grammar). Every
/// recognised piece is reported as a token with its span, so nothing is guessed silently; what
/// is not recognised is the title. Pure and fast: words are matched left to right, longest
/// phrase first, with no backtracking over the whole line.
public struct QuickAddToken: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case date, time, recurrence, reminder, priority, tag, quote
    }

    /// Offsets in UTF-16 code units (JavaScript string indexes); `end` is exclusive.
    public var start: Int
    public var end: Int
    public var kind: Kind
    public var text: String

    public var json: JSONValue {
        .object([("start", .int(Int64(start))), ("end", .int(Int64(end))), ("kind", .string(kind.rawValue)), ("text", .string(text))])
    }
}

public struct QuickAddResult: Sendable, Equatable {
    public var title: String
    public var due: Due?
    public var recurrence: Recurrence?
    /// Seconds before the due.
    public var remindersBefore: [Int] = []
    public var priority: Priority?
    public var tags: [String] = []
    public var tokens: [QuickAddToken] = []

    /// The task fields in the shapes `POST /api/v1/tasks` takes (absent when not given).
    public var taskJSON: JSONValue {
        var members: [(String, JSONValue)] = [("title", .string(title))]
        switch due {
        case .allDay(let d)?: members.append(("due", .object([("date", .string(d.description))])))
        case .dateTime(let t, let zone)?:
            members.append(("due", .object([("date_time", .string(String(t.description.prefix(16)))), ("time_zone", .string(zone))])))
        case nil: break
        }
        if let recurrence {
            members.append(("recurrence", .object([("rule", .string(recurrence.rule)), ("anchor", .string(recurrence.anchor.rawValue))])))
        }
        if !remindersBefore.isEmpty {
            members.append(("reminders", .array(remindersBefore.map { .object([("before", .string(ISODuration.format($0)))]) })))
        }
        if let priority { members.append(("priority", .string(priority.rawValue))) }
        if !tags.isEmpty { members.append(("tags", .array(tags.map(JSONValue.string)))) }
        return .object(members)
    }

    /// `taskJSON` with the tokens: the answer of `POST /api/v1/tasks/parse`.
    public var json: JSONValue {
        guard case .object(var members) = taskJSON else { return taskJSON }
        if let recurrence, let rule = try? RecurrenceRule(parsing: recurrence.rule), let i = members.firstIndex(where: { $0.0 == "recurrence" }) {
            members[i].1 = .object([
                ("rule", .string(recurrence.rule)), ("anchor", .string(recurrence.anchor.rawValue)), ("description", .string(rule.englishDescription)),
            ])
        }
        members.append(("tokens", .array(tokens.map(\.json))))
        return .object(members)
    }
}

public enum QuickAdd {
    /// Parses `text` as written at `now` (wall-clock time in `timeZone`).
    public static func parse(_ text: String, now: LocalDateTime, timeZone: String) -> QuickAddResult {
        var parser = Parser(text: text, now: now, zone: timeZone)
        return parser.run()
    }

    public static let maxLength = 500
}

// MARK: - Words

/// A word of the input: its text (lowercased, trailing punctuation dropped, for matching) and
/// its span in UTF-16 offsets (of the matched part).
struct Word {
    var raw: Substring
    var key: String
    var start: Int
    var end: Int
    /// Inside double quotes: never matched, always title.
    var quoted: Bool
}

struct Parser {
    let text: String
    let now: LocalDateTime
    let zone: String
    let utf16: [UInt16]
    var words: [Word] = []
    var used: [Bool] = []
    var result = QuickAddResult(title: "")

    // what was found
    var date: LocalDate?
    var time: (hour: Int, minute: Int)?
    /// "in 2 hours": an exact local date-time.
    var exact: LocalDateTime?
    var rule: RecurrenceRule?
    var anchor = RecurrenceAnchor.schedule
    var countToken: (Int, QuickAddToken)?
    var untilToken: (LocalDate, QuickAddToken)?

    init(text: String, now: LocalDateTime, zone: String) {
        self.text = text
        self.now = now
        self.zone = zone
        utf16 = Array(text.utf16)
        words = Self.split(text)
        used = Array(repeating: false, count: words.count)
    }

    /// Whitespace, with an ASCII fast path (Character.isWhitespace was most of the parse time).
    static func isSpace(_ u: Unicode.Scalar) -> Bool {
        u.value < 128 ? (u == " " || u == "\t" || u == "\n" || u == "\r") : u.properties.isWhitespace
    }

    static func split(_ text: String) -> [Word] {
        var words: [Word] = []
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        var offset = 0
        while index < scalars.endIndex {
            let u = scalars[index]
            if isSpace(u) {
                offset += 1
                index = scalars.index(after: index)
                continue
            }
            if u == "\"", let close = scalars[scalars.index(after: index)...].firstIndex(of: "\"") {
                // a quoted run: one token, its inner words kept as they are
                let inner = Substring(scalars[scalars.index(after: index)..<close])
                let length = scalars[index...close].reduce(0) { $0 + $1.utf16.count }
                words.append(Word(raw: inner, key: "", start: offset, end: offset + length, quoted: true))
                offset += length
                index = scalars.index(after: close)
                continue
            }
            var end = index
            var length = 0
            while end < scalars.endIndex, !isSpace(scalars[end]) {
                length += scalars[end].utf16.count
                end = scalars.index(after: end)
            }
            let raw = Substring(scalars[index..<end])
            // trailing punctuation is not part of the word ("Dec 3rd," → "dec 3rd"); "!" is kept
            // ("every!", "!high")
            var key = raw.lowercased()
            var keyLength = length
            while let last = key.utf8.last, [UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "?"), UInt8(ascii: ")")].contains(last), key.utf8.count > 1 {
                key.removeLast()
                keyLength -= 1
            }
            words.append(Word(raw: raw, key: key, start: offset, end: offset + keyLength, quoted: false))
            offset += length
            index = end
        }
        return words
    }

    mutating func run() -> QuickAddResult {
        var i = 0
        while i < words.count {
            if words[i].quoted {
                token(i, i + 1, .quote)
                i += 1
                continue
            }
            if let n = tag(i) ?? priority(i) ?? reminder(i) ?? recurrence(i) ?? until(i) ?? count(i) ?? dateTime(i) {
                i += n
            } else {
                i += 1
            }
        }
        finish()
        return result
    }

    /// Marks words `from..<to` as recognised.
    @discardableResult
    mutating func token(_ from: Int, _ to: Int, _ kind: QuickAddToken.Kind, record: Bool = true) -> QuickAddToken {
        let start = words[from].start
        let end = words[to - 1].end
        let t = QuickAddToken(start: start, end: end, kind: kind, text: String(decoding: utf16[start..<end], as: UTF16.self))
        if record {
            for k in from..<to { used[k] = true }
            result.tokens.append(t)
        }
        return t
    }

    func key(_ i: Int) -> String? { i < words.count && !words[i].quoted && !used[i] ? words[i].key : nil }

    // MARK: tags and priority

    mutating func tag(_ i: Int) -> Int? {
        guard let k = key(i), k.hasPrefix("#"), k.count > 1, let name = try? TaskRules.tag(String(words[i].raw.prefix(k.count))) else { return nil }
        if !result.tags.contains(where: { TaskRules.tagKey($0) == TaskRules.tagKey(name) }) { result.tags.append(name) }
        token(i, i + 1, .tag)
        return 1
    }

    mutating func priority(_ i: Int) -> Int? {
        guard let k = key(i), let p = Self.priorities[k] else { return nil }
        result.priority = p
        token(i, i + 1, .priority)
        return 1
    }

    static let priorities: [String: Priority] = [
        "!urgent": .urgent, "!high": .high, "!medium": .medium, "!low": .low, "!1": .urgent, "!2": .high, "!3": .medium, "!4": .low,
        "p1": .urgent, "p2": .high, "p3": .medium, "p4": .low,
    ]

    // MARK: reminders

    /// "remind me 15 minutes before", "remind me 1 hour before", "remind me 2 days before".
    mutating func reminder(_ i: Int) -> Int? {
        guard key(i) == "remind", key(i + 1) == "me", let (seconds, n) = amount(i + 2), key(i + 2 + n) == "before" else { return nil }
        result.remindersBefore.append(seconds)
        token(i, i + 3 + n, .reminder)
        return 3 + n
    }

    /// "15 minutes", "an hour", "1 day": seconds and words used.
    func amount(_ i: Int) -> (Int, Int)? {
        guard let k = key(i), let n = Self.number(k), let unit = key(i + 1).flatMap(Self.unitSeconds) else { return nil }
        return (n * unit, 2)
    }

    static let numberWords = ["a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10]

    static func number(_ k: String) -> Int? {
        if let n = Int(k), n >= 0, n <= 100_000 { return n }
        return numberWords[k]
    }

    static func unitSeconds(_ k: String) -> Int? {
        switch k {
        case "minute", "minutes", "min", "mins": 60
        case "hour", "hours", "hr", "hrs": 3600
        case "day", "days": 86400
        case "week", "weeks": 604_800
        default: nil
        }
    }

    // MARK: recurrence

    static let weekdays: [String: Weekday] = {
        var map: [String: Weekday] = [:]
        for (d, names) in [
            (Weekday.monday, ["monday", "mon"]), (.tuesday, ["tuesday", "tue", "tues"]), (.wednesday, ["wednesday", "wed"]),
            (.thursday, ["thursday", "thu", "thur", "thurs"]), (.friday, ["friday", "fri"]), (.saturday, ["saturday", "sat"]),
            (.sunday, ["sunday", "sun"]),
        ] {
            for n in names { map[n] = d; map[n + "s"] = d }
        }
        return map
    }()

    static let months: [String: Int] = {
        var map: [String: Int] = [:]
        let names = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
        for (i, n) in names.enumerated() {
            map[n] = i + 1
            map[String(n.prefix(3))] = i + 1
        }
        map["sept"] = 9
        return map
    }()

    /// "1st", "15th", "3": a day of the month.
    static func ordinalDay(_ k: String) -> Int? {
        var s = k
        for suffix in ["st", "nd", "rd", "th"] where s.hasSuffix(suffix) {
            s.removeLast(2)
            break
        }
        guard let n = Int(s), (1...31).contains(n), s.count <= 2 else { return nil }
        return n
    }

    static let ordinalWords = ["first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": -1, "fifth": 5, "5th": 5]

    static func ordinalWord(_ k: String) -> Int? { ordinalWords[k] }

    mutating func recurrence(_ i: Int) -> Int? {
        guard rule == nil, let k = key(i) else { return nil }
        if let f = Self.simpleFrequencies[k] {
            rule = RecurrenceRule(frequency: f)
            token(i, i + 1, .recurrence)
            return 1
        }
        guard k == "every" || k == "every!" else { return nil }
        if k == "every!" { anchor = .completion }
        var j = i + 1
        var r: RecurrenceRule
        // every [N | other] unit
        var interval = 1
        if let n = key(j).flatMap({ Int($0) }), n >= 1, n <= 1000, key(j + 1).flatMap(Self.frequency) != nil {
            interval = n
            j += 1
        } else if key(j) == "other", key(j + 1).flatMap(Self.frequency) != nil {
            interval = 2
            j += 1
        }
        if let f = key(j).flatMap(Self.frequency) {
            r = RecurrenceRule(frequency: f)
            r.interval = interval
            j += 1
            // on …
            if let (n, on) = onPart(j, frequency: f) {
                r.byDay = on.byDay
                r.byMonthDay = on.byMonthDay
                r.byMonth = on.byMonth
                j += n
            }
        } else if key(j) == "weekday" || key(j) == "weekdays" {
            r = RecurrenceRule(frequency: .weekly)
            r.byDay = [.monday, .tuesday, .wednesday, .thursday, .friday].map { WeekdayNum($0) }
            j += 1
        } else if key(j) == "weekend" || key(j) == "weekends" {
            r = RecurrenceRule(frequency: .weekly)
            r.byDay = [WeekdayNum(.saturday), WeekdayNum(.sunday)]
            j += 1
        } else if let (n, days) = weekdayList(j) {
            // every monday and thursday
            r = RecurrenceRule(frequency: .weekly)
            r.byDay = days.map { WeekdayNum($0) }
            j += n
        } else if let ord = key(j).flatMap(Self.ordinalWord), let d = key(j + 1).flatMap({ Self.weekdays[$0] }) {
            // every last thursday [of the month]
            r = RecurrenceRule(frequency: .monthly)
            r.byDay = [WeekdayNum(d, ord)]
            j += 2
            if key(j) == "of", key(j + 1) == "the", key(j + 2) == "month" { j += 3 } else if key(j) == "of", key(j + 1) == "month" { j += 2 }
        } else if let day = key(j).flatMap(Self.ordinalDay), key(j)?.last?.isLetter == true {
            // every 15th
            r = RecurrenceRule(frequency: .monthly)
            r.byMonthDay = [day]
            j += 1
        } else {
            if k == "every!" { anchor = .schedule }
            return nil
        }
        r.interval = interval
        rule = r
        token(i, j, .recurrence)
        return j - i
    }

    static let simpleFrequencies: [String: RecurrenceRule.Frequency] = [
        "daily": .daily, "weekly": .weekly, "monthly": .monthly, "yearly": .yearly, "annually": .yearly,
    ]

    static func frequency(_ k: String) -> RecurrenceRule.Frequency? {
        switch k {
        case "minute", "minutes": .minutely
        case "hour", "hours": .hourly
        case "day", "days": .daily
        case "week", "weeks": .weekly
        case "month", "months": .monthly
        case "year", "years": .yearly
        default: nil
        }
    }

    /// "monday and thursday", "mon, wed, fri": weekdays and words used.
    func weekdayList(_ i: Int) -> (Int, [Weekday])? {
        var j = i
        var days: [Weekday] = []
        while let k = key(j), let d = Self.weekdays[k] {
            if !days.contains(d) { days.append(d) }
            j += 1
            if key(j) == "and", key(j + 1).flatMap({ Self.weekdays[$0] }) != nil { j += 1 }
        }
        return days.isEmpty ? nil : (j - i, days)
    }

    struct OnPart {
        var byDay: [WeekdayNum] = []
        var byMonthDay: [Int] = []
        var byMonth: [Int] = []
    }

    /// What follows "every <unit>": "on wednesday", "on the 15th", "on the last day",
    /// "on april 30".
    func onPart(_ i: Int, frequency: RecurrenceRule.Frequency) -> (Int, OnPart)? {
        guard key(i) == "on" else { return nil }
        var j = i + 1
        var on = OnPart()
        switch frequency {
        case .weekly:
            guard let (n, days) = weekdayList(j) else { return nil }
            on.byDay = days.map { WeekdayNum($0) }
            j += n
        case .monthly:
            if key(j) == "the" { j += 1 }
            if key(j) == "last", key(j + 1) == "day" {
                on.byMonthDay = [-1]
                j += 2
            } else if let ord = key(j).flatMap(Self.ordinalWord), let d = key(j + 1).flatMap({ Self.weekdays[$0] }) {
                on.byDay = [WeekdayNum(d, ord)]
                j += 2
            } else if let day = key(j).flatMap(Self.ordinalDay) {
                on.byMonthDay = [day]
                j += 1
            } else {
                return nil
            }
        case .yearly:
            guard let (n, month, day) = monthDay(j) else { return nil }
            on.byMonth = [month]
            on.byMonthDay = [day]
            j += n
        default:
            return nil
        }
        return (j - i, on)
    }

    /// "april 30", "apr 30th", "30 april", "30th of april": month, day and words used.
    func monthDay(_ i: Int) -> (Int, Int, Int)? {
        if let m = key(i).flatMap({ Self.months[$0] }), let d = key(i + 1).flatMap(Self.ordinalDay) { return (2, m, d) }
        if let d = key(i).flatMap(Self.ordinalDay) {
            if let m = key(i + 1).flatMap({ Self.months[$0] }) { return (2, m, d) }
            if key(i + 1) == "of", let m = key(i + 2).flatMap({ Self.months[$0] }) { return (3, m, d) }
        }
        return nil
    }

    /// "until 2027-03-31", "until march 31".
    mutating func until(_ i: Int) -> Int? {
        guard key(i) == "until", let (n, d) = calendarDate(i + 1) else { return nil }
        untilToken = (d, token(i, i + 1 + n, .recurrence, record: false))
        for k in i..<(i + 1 + n) { used[k] = true }
        return 1 + n
    }

    /// "10 times".
    mutating func count(_ i: Int) -> Int? {
        guard let k = key(i), let n = Int(k), n >= 1, n <= 10_000, key(i + 1) == "times" else { return nil }
        countToken = (n, token(i, i + 2, .recurrence, record: false))
        used[i] = true
        used[i + 1] = true
        return 2
    }

    // MARK: dates and times

    var today: LocalDate { now.date }

    /// A date or a time phrase (with its leading "on" / "at").
    mutating func dateTime(_ i: Int) -> Int? {
        if let (n, t) = timePhrase(i), time == nil, exact == nil {
            time = t.time
            if let d = t.date, date == nil { date = d }
            token(i, i + n, t.date == nil ? .time : .date)
            return n
        }
        if let (n, d) = datePhrase(i), date == nil, exact == nil {
            switch d {
            case .date(let day): date = day
            case .exact(let t): exact = t
            }
            token(i, i + n, .date)
            return n
        }
        return nil
    }

    enum DateValue {
        case date(LocalDate)
        case exact(LocalDateTime)
    }

    func datePhrase(_ i: Int) -> (Int, DateValue)? {
        guard let k = key(i) else { return nil }
        switch k {
        case "today": return (1, .date(today))
        case "tomorrow", "tmrw", "tmr": return (1, .date(today.adding(days: 1)))
        default: break
        }
        if k == "next", key(i + 1) == "week" { return (2, .date(nextWeekday(.monday))) }
        if k == "next", key(i + 1) == "month" { return (2, .date(LocalDate(year: today.year + (today.month == 12 ? 1 : 0), month: today.month % 12 + 1, day: 1)!)) }
        if k == "next" || k == "this" || k == "on", let d = key(i + 1).flatMap({ Self.weekdays[$0] }) { return (2, .date(nextWeekday(d))) }
        if let d = Self.weekdays[k], !k.hasSuffix("s") || k == "tues" || k == "thurs" { return (1, .date(nextWeekday(d))) }
        if k == "end", key(i + 1) == "of", key(i + 2) == "month" || (key(i + 2) == "the" && key(i + 3) == "month") {
            let n = key(i + 2) == "the" ? 4 : 3
            return (n, .date(LocalDate(year: today.year, month: today.month, day: LocalDate.daysIn(month: today.month, year: today.year))!))
        }
        if k == "in", let (seconds, n) = amount(i + 1) ?? monthsAmount(i + 1) {
            return (1 + n, relative(seconds: seconds, words: i + 1))
        }
        if k == "on", let (n, d) = calendarDate(i + 1) { return (1 + n, .date(d)) }
        // "by friday", "by Dec 10": a deadline is a due
        if k == "by", key(i + 1) != "by", let (n, d) = datePhrase(i + 1) { return (1 + n, d) }
        if let (n, d) = calendarDate(i) { return (n, .date(d)) }
        return nil
    }

    /// "in 3 months": months are calendar months, not seconds. Encoded as a negative amount.
    func monthsAmount(_ i: Int) -> (Int, Int)? {
        guard let k = key(i), let n = Self.number(k), n <= 1200, key(i + 1) == "month" || key(i + 1) == "months" else { return nil }
        return (-n, 2)
    }

    func relative(seconds: Int, words i: Int) -> DateValue {
        if seconds < 0 {
            // calendar months, clamped to the month's last day
            let total = today.year * 12 + (today.month - 1) - seconds
            let (y, m) = (total / 12, total % 12 + 1)
            return .date(LocalDate(year: y, month: m, day: min(today.day, LocalDate.daysIn(month: m, year: y)))!)
        }
        if seconds % 86400 == 0 { return .date(today.adding(days: seconds / 86400)) }
        let tz = Zones.zone(zone) ?? TimeZone(identifier: "UTC")!
        let instant = Zones.instant(of: now, in: tz).addingTimeInterval(TimeInterval(seconds))
        var local = Zones.local(at: instant, in: tz)
        local.second = 0
        return .exact(local)
    }

    /// The next `day` after today (never today).
    func nextWeekday(_ day: Weekday) -> LocalDate {
        let ahead = (day.rawValue - today.weekday.rawValue + 7) % 7
        return today.adding(days: ahead == 0 ? 7 : ahead)
    }

    /// "2026-12-03", "dec 3", "dec 3rd", "december 3 2027", "3 december", "3rd of december": the
    /// date (the next such date when no year is given).
    func calendarDate(_ i: Int) -> (Int, LocalDate)? {
        if let k = key(i), k.count == 10, let d = LocalDate(k) { return (1, d) }
        guard let (n, m, d) = monthDay(i) else { return nil }
        if let y = key(i + n).flatMap({ Int($0) }), (1900...9999).contains(y), let date = LocalDate(year: y, month: m, day: d) { return (n + 1, date) }
        for y in [today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4] {
            if let date = LocalDate(year: y, month: m, day: d), date >= today { return (n, date) }
        }
        return nil
    }

    struct TimeValue {
        var time: (hour: Int, minute: Int)
        var date: LocalDate?
    }

    func timePhrase(_ i: Int) -> (Int, TimeValue)? {
        guard let k = key(i) else { return nil }
        if k == "tonight" { return (1, TimeValue(time: (20, 0), date: today)) }
        let named = Self.namedTimes
        if k == "at" || k == "by", let (n, t) = clock(i + 1) { return (1 + n, TimeValue(time: t)) }
        if let t = named[k] { return (1, TimeValue(time: t)) }
        if ["this", "in"].contains(k), key(i + 1) == "the" || k == "this", let t = key(i + (k == "in" ? 2 : 1)).flatMap({ named[$0] }) {
            return (k == "in" ? 3 : 2, TimeValue(time: t))
        }
        if let (n, t) = clock(i), n > 1 || k.contains(":") || k.hasSuffix("am") || k.hasSuffix("pm") { return (n, TimeValue(time: t)) }
        return nil
    }

    static let namedTimes: [String: (Int, Int)] = ["noon": (12, 0), "midnight": (0, 0), "morning": (9, 0), "afternoon": (15, 0), "evening": (18, 0)]

    /// "5pm", "5 pm", "5:30pm", "17:30", "noon": hour and minute, words used. A bare number is
    /// not a time (only after "at" with am/pm or a colon).
    func clock(_ i: Int) -> (Int, (Int, Int))? {
        guard var k = key(i) else { return nil }
        if k == "noon" { return (1, (12, 0)) }
        if k == "midnight" { return (1, (0, 0)) }
        guard let first = k.utf8.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return nil }
        var meridiem: String?
        var n = 1
        for m in ["am", "pm", "a.m", "p.m"] where k.hasSuffix(m) && k.count > m.count {
            meridiem = String(m.prefix(1))
            k.removeLast(m.count)
            break
        }
        if meridiem == nil, let next = key(i + 1), ["am", "pm", "a.m", "p.m"].contains(next) {
            meridiem = String(next.prefix(1))
            n = 2
        }
        let parts = k.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let h = Int(parts[0]), parts[0].count <= 2 else { return nil }
        var minute = 0
        if parts.count == 2 {
            guard parts[1].count == 2, let m = Int(parts[1]), (0...59).contains(m) else { return nil }
            minute = m
        }
        if let meridiem {
            guard (1...12).contains(h) else { return nil }
            let hour = h % 12 + (meridiem == "p" ? 12 : 0)
            return (n, (hour, minute))
        }
        guard parts.count == 2, (0...23).contains(h) else { return nil }
        return (n, (h, minute))
    }

    // MARK: assembling

    mutating func finish() {
        // COUNT and UNTIL belong to a recurrence; without one they are words of the title
        if var r = rule {
            if let (n, t) = countToken {
                r.count = n
                result.tokens.append(t)
            }
            if let (d, t) = untilToken {
                r.until = .date(d)
                result.tokens.append(t)
            }
            rule = r
        } else {
            for t in [countToken?.1, untilToken?.1].compactMap({ $0 }) {
                for k in words.indices where words[k].start >= t.start && words[k].end <= t.end { used[k] = false }
            }
        }
        result.tokens.sort { $0.start < $1.start }

        // the due: an exact time; a date with or without a time; a time alone (today if still ahead)
        var due: Due?
        if let exact {
            due = .dateTime(exact, timeZone: zone)
        } else if let date, let time {
            due = .dateTime(LocalDateTime(date: date, hour: time.hour, minute: time.minute)!, timeZone: zone)
        } else if let date {
            due = .allDay(date)
        } else if let time {
            let candidate = LocalDateTime(date: today, hour: time.hour, minute: time.minute)!
            due = .dateTime(candidate > now ? candidate : LocalDateTime(date: today.adding(days: 1), hour: time.hour, minute: time.minute)!, timeZone: zone)
        }
        if let rule {
            due = firstInstance(rule, from: due ?? .allDay(today))
            result.recurrence = Recurrence(rule: rule.description, anchor: anchor)
        }
        result.due = due

        // the title: what is left, quotes dropped, spaces collapsed
        var parts: [String] = []
        for (k, w) in words.enumerated() where !used[k] || w.quoted {
            if !w.raw.isEmpty { parts.append(String(w.raw)) }
        }
        result.title = Self.collapsingSpaces(parts.joined(separator: " "))
    }

    static func collapsingSpaces(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for u in text.unicodeScalars {
            if isSpace(u) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(u)
            }
        }
        return String(out)
    }

    /// The first day at or after the start (and not before now) that the rule itself produces:
    /// the series starts there. (RFC 5545 counts a series' start as an instance even when the
    /// rule would not produce it, so "every other week on Wednesday" said on a Sunday starts on
    /// the coming Wednesday rather than on the Sunday.) Scans at most four years of days.
    func firstInstance(_ rule: RecurrenceRule, from start: Due) -> Due {
        var (date, hour, minute): (LocalDate, Int?, Int?) =
            switch start {
            case .allDay(let d): (d, nil, nil)
            case .dateTime(let t, _): (t.date, t.hour, t.minute)
            }
        if date < today { date = today }
        for _ in 0..<1500 {
            if matches(rule, date) {
                guard let hour, let minute else { return .allDay(date) }
                let t = LocalDateTime(date: date, hour: hour, minute: minute)!
                if t >= now { return .dateTime(t, timeZone: zone) }
            }
            date = date.adding(days: 1)
        }
        return start
    }

    /// Whether `date` is one of the rule's own days (the start of a series always counts in RFC
    /// 5545, so a start the rule would not produce is moved to the first instance that it does).
    func matches(_ rule: RecurrenceRule, _ date: LocalDate) -> Bool {
        if !rule.byMonth.isEmpty && !rule.byMonth.contains(date.month) { return false }
        let last = LocalDate.daysIn(month: date.month, year: date.year)
        if !rule.byMonthDay.isEmpty && !rule.byMonthDay.contains(where: { $0 == date.day || ($0 < 0 && last + 1 + $0 == date.day) }) {
            return false
        }
        if !rule.byDay.isEmpty {
            return rule.byDay.contains { wd in
                guard wd.weekday == date.weekday else { return false }
                guard let n = wd.ordinal else { return true }
                return n > 0 ? (date.day - 1) / 7 + 1 == n : (last - date.day) / 7 + 1 == -n
            }
        }
        return true
    }
}
