import Foundation

extension RecurrenceRule {
    /// An English description: "Every 2 weeks on Monday and Wednesday, 10 times".
    public var englishDescription: String {
        var text: String
        var monthsSaid = false
        let unit: String = [.minutely: "minute", .hourly: "hour", .daily: "day", .weekly: "week", .monthly: "month", .yearly: "year"][frequency]!
        let weekdaysOnly =
            Set(byDay.filter { $0.ordinal == nil }.map(\.weekday)) == Set([.monday, .tuesday, .wednesday, .thursday, .friday])
            && byDay.count == 5
        if weekdaysOnly && bySetPos.isEmpty && (frequency == .daily || frequency == .weekly) && interval == 1 {
            text = "Every weekday"
        } else if frequency == .yearly, byMonth.count == 1, byMonthDay.count == 1, byMonthDay[0] > 0, byDay.isEmpty,
            byYearDay.isEmpty, byWeekNo.isEmpty, bySetPos.isEmpty
        {
            text = (interval == 1 ? "Every year" : "Every \(interval) years") + " on \(Self.monthNames[byMonth[0] - 1]) \(byMonthDay[0])"
            monthsSaid = true
        } else {
            text = interval == 1 ? "Every \(unit)" : "Every \(interval) \(unit)s"
            if !byDay.isEmpty {
                if !bySetPos.isEmpty {
                    let which = Self.list(bySetPos.map(Self.ordinalWord))
                    let days = weekdaysOnly ? "weekday" : Self.list(byDay.map { $0.weekday.name }, conjunction: "or")
                    text += " on the \(which) \(days)"
                } else if byDay.allSatisfy({ $0.ordinal == nil }) {
                    text += " on " + Self.list(byDay.map { $0.weekday.name })
                } else {
                    text += " on the " + Self.list(byDay.map { ($0.ordinal.map(Self.ordinalWord).map { $0 + " " } ?? "every ") + $0.weekday.name })
                }
            }
            if !byMonthDay.isEmpty {
                text +=
                    (byDay.isEmpty ? " on the " : " if it is the ")
                    + Self.list(byMonthDay.map { $0 == -1 ? "last day" : $0 < 0 ? Self.ordinalWord($0) + " day" : Self.ordinalNumber($0) })
            }
            if !byYearDay.isEmpty { text += " on day " + Self.list(byYearDay.map { $0 < 0 ? Self.ordinalWord($0) : String($0) }) + " of the year" }
            if !byWeekNo.isEmpty { text += " in week " + Self.list(byWeekNo.map(String.init)) }
        }
        if !byMonth.isEmpty && !monthsSaid { text += " in " + Self.list(byMonth.map { Self.monthNames[$0 - 1] }) }
        if !byHour.isEmpty || !byMinute.isEmpty {
            let hours = byHour.isEmpty ? nil : byHour
            let mins = byMinute.isEmpty ? [0] : byMinute
            if let hours {
                text += " at " + Self.list(hours.flatMap { h in mins.map { pad(h, 2) + ":" + pad($0, 2) } })
            } else {
                text += " at minute " + Self.list(mins.map(String.init))
            }
        }
        if let count { text += count == 1 ? ", once" : ", \(count) times" }
        switch until {
        case .date(let d)?: text += ", until " + Self.longDate(d)
        case .local(let l)?: text += ", until " + Self.longDate(l.date)
        case .instant(let t)?: text += ", until " + Self.longDate(LocalDateTime(secondsSinceEpochAsUTC: Int(t.timeIntervalSince1970)).date)
        case nil: break
        }
        return text
    }

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]

    static func longDate(_ d: LocalDate) -> String { "\(monthNames[d.month - 1]) \(d.day), \(d.year)" }

    /// "first", "second", "last", "second-to-last", "23rd".
    static func ordinalWord(_ n: Int) -> String {
        let words = ["first", "second", "third", "fourth", "fifth"]
        if n > 0 { return n <= 5 ? words[n - 1] : ordinalNumber(n) }
        if n == -1 { return "last" }
        return (-n <= 5 ? words[-n - 1] : ordinalNumber(-n)) + "-to-last"
    }

    /// "1st", "2nd", "3rd", "11th", "22nd".
    static func ordinalNumber(_ n: Int) -> String {
        let suffix: String
        switch (n % 100, n % 10) {
        case (11...13, _): suffix = "th"
        case (_, 1): suffix = "st"
        case (_, 2): suffix = "nd"
        case (_, 3): suffix = "rd"
        default: suffix = "th"
        }
        return "\(n)\(suffix)"
    }

    static func list(_ items: [String], conjunction: String = "and") -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items.last!
        }
    }
}

/// The recurrence builder's presets, as rules.
public enum RecurrencePreset: Sendable, Equatable {
    case daily
    case weekdays
    case weekly(on: [Weekday])
    case everyNWeeks(Int, on: [Weekday])
    case monthlyOnDay(Int)
    case monthlyOnLast(Weekday)
    case monthlyOnNth(Int, Weekday)
    case yearly

    public var rule: RecurrenceRule {
        var r: RecurrenceRule
        switch self {
        case .daily: r = RecurrenceRule(frequency: .daily)
        case .weekdays:
            r = RecurrenceRule(frequency: .weekly)
            r.byDay = [.monday, .tuesday, .wednesday, .thursday, .friday].map { WeekdayNum($0) }
        case .weekly(let days):
            r = RecurrenceRule(frequency: .weekly)
            r.byDay = Array(Set(days)).sorted().map { WeekdayNum($0) }
        case .everyNWeeks(let n, let days):
            r = RecurrenceRule(frequency: .weekly)
            r.interval = max(1, min(n, RecurrenceRule.maxInterval))
            r.byDay = Array(Set(days)).sorted().map { WeekdayNum($0) }
        case .monthlyOnDay(let day):
            r = RecurrenceRule(frequency: .monthly)
            r.byMonthDay = [max(-31, min(31, day == 0 ? 1 : day))]
        case .monthlyOnLast(let weekday):
            r = RecurrenceRule(frequency: .monthly)
            r.byDay = [WeekdayNum(weekday, -1)]
        case .monthlyOnNth(let n, let weekday):
            r = RecurrenceRule(frequency: .monthly)
            r.byDay = [WeekdayNum(weekday, max(-5, min(5, n == 0 ? 1 : n)))]
        case .yearly: r = RecurrenceRule(frequency: .yearly)
        }
        return r
    }
}
