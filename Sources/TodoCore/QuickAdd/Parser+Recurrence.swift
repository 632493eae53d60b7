import Foundation

/// Quick add's matchers for recurrence phrases ("every other week on Wednesday").
extension Parser {
    // MARK: recurrence

    static let weekdays: [String: Weekday] = {
        var map: [String: Weekday] = [:]
        for (d, names) in [
            (Weekday.monday, ["monday", "mon"]), (.tuesday, ["tuesday", "tue", "tues"]), (.wednesday, ["wednesday", "wed"]),
            (.thursday, ["thursday", "thu", "thur", "thurs"]), (.friday, ["friday", "fri"]), (.saturday, ["saturday", "sat"]),
            (.sunday, ["sunday", "sun"]),
        ] {
            for n in names {
                map[n] = d
                map[n + "s"] = d
            }
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

    static let ordinalWords = [
        "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": -1, "fifth": 5, "5th": 5,
    ]

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
}
