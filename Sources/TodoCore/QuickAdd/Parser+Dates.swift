import Foundation

/// Quick add's matchers for dates and times ("tomorrow 9am", "in 3 days", "Dec 24").
extension Parser {
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
        if k == "next", key(i + 1) == "month" {
            return (2, .date(LocalDate(year: today.year + (today.month == 12 ? 1 : 0), month: today.month % 12 + 1, day: 1)!))
        }
        if k == "next" || k == "this" || k == "on", let d = key(i + 1).flatMap({ Self.weekdays[$0] }) { return (2, .date(nextWeekday(d))) }
        if let d = Self.weekdays[k], !k.hasSuffix("s") || k == "tues" || k == "thurs" { return (1, .date(nextWeekday(d))) }
        if k == "end", key(i + 1) == "of", key(i + 2) == "month" || (key(i + 2) == "the" && key(i + 3) == "month") {
            let n = key(i + 2) == "the" ? 4 : 3
            return (n, .date(LocalDate(year: today.year, month: today.month, day: LocalDate.daysIn(month: today.month, year: today.year))!))
        }
        if k == "in", let (offset, n) = amount(i + 1).map({ (Offset.seconds($0.0), $0.1) }) ?? monthsAmount(i + 1) {
            return (1 + n, relative(offset))
        }
        if k == "on", let (n, d) = calendarDate(i + 1) { return (1 + n, .date(d)) }
        // "by friday", "by Dec 10": a deadline is a due
        if k == "by", key(i + 1) != "by", let (n, d) = datePhrase(i + 1) { return (1 + n, d) }
        if let (n, d) = calendarDate(i) { return (n, .date(d)) }
        return nil
    }

    /// How far "in …" reaches: a fixed span, or calendar months ("in 3 months" is the same day of
    /// the month three months on, clamped to that month's last day).
    enum Offset {
        case seconds(Int)
        case months(Int)
    }

    /// "3 months": the offset and the words used.
    func monthsAmount(_ i: Int) -> (Offset, Int)? {
        guard let k = key(i), let n = Self.number(k), n <= 1200, key(i + 1) == "month" || key(i + 1) == "months" else { return nil }
        return (.months(n), 2)
    }

    func relative(_ offset: Offset) -> DateValue {
        let seconds: Int
        switch offset {
        case .months(let months):
            let total = today.year * 12 + (today.month - 1) + months
            let (y, m) = (total / 12, total % 12 + 1)
            return .date(LocalDate(year: y, month: m, day: min(today.day, LocalDate.daysIn(month: m, year: y)))!)
        case .seconds(let s): seconds = s
        }
        if seconds % 86400 == 0 { return .date(today.adding(days: seconds / 86400)) }
        let tz = zone.zone
        let instant = Zones.instant(of: now, in: tz) + .seconds(seconds)
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
        if let y = key(i + n).flatMap({ Int($0) }), (1900...9999).contains(y), let date = LocalDate(year: y, month: m, day: d) {
            return (n + 1, date)
        }
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
}
