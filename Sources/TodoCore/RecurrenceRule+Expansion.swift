import Foundation

/// One instance of a series: its place in the series (0 is the start), its wall-clock time in
/// the series' zone, and the instant.
public struct Occurrence: Sendable, Equatable {
    public var index: Int
    public var local: LocalDateTime
    public var at: Date

    public init(index: Int, local: LocalDateTime, at: Date) {
        self.index = index
        self.local = local
        self.at = at
    }
}

extension RecurrenceRule {
    /// The series' wall-clock instances, in order: `start` first (it always counts, as RFC 5545's
    /// DTSTART does), then every instance after it that the rule produces; COUNT and UNTIL applied.
    public func wallClock(start: LocalDateTime, zone: TimeZone) -> WallClockInstances {
        WallClockInstances(rule: self, start: start, zone: zone)
    }

    /// The first occurrence strictly after `after`, counting from `start` as index `startIndex`.
    /// nil when the series has ended or can produce nothing more.
    public func next(start: LocalDateTime, startIndex: Int = 0, zone: TimeZone, after: Date) -> Occurrence? {
        var iterator = OccurrenceIterator(rule: self, start: start, startIndex: startIndex, zone: zone)
        while let o = iterator.next() {
            if o.at > after { return o }
        }
        return nil
    }

    /// The wall-clock instances at or after `start` that the rule itself produces (not `start`
    /// merely for being the series' start), in order; COUNT is not applied (no series has
    /// started yet). Quick add places a new series on the first of them.
    public func producedInstances(from start: LocalDateTime, zone: TimeZone) -> AnySequence<LocalDateTime> {
        var rule = self
        rule.count = nil
        return AnySequence { () -> AnyIterator<LocalDateTime> in
            var wall = rule.wallClock(start: start, zone: zone)
            _ = wall.next()  // the start itself, which always counts
            var pending: LocalDateTime? = wall.next()
            var checkedStart = false
            return AnyIterator {
                if !checkedStart {
                    checkedStart = true
                    if wall.startProduced { return start }
                }
                defer { pending = pending == nil ? nil : wall.next() }
                return pending
            }
        }
    }

    /// The first `limit` occurrences from `start`, as instants. Wall-clock times follow the zone's
    /// DST rules (RFC 5545 §3.3.5): a time in a gap moves forward by the gap, an ambiguous one
    /// takes its first occurrence; two wall-clock times that land on one instant count once.
    public func expand(start: LocalDateTime, zone: TimeZone, limit: Int) -> [Occurrence] {
        var iterator = OccurrenceIterator(rule: self, start: start, startIndex: 0, zone: zone)
        var result: [Occurrence] = []
        while result.count < limit, let o = iterator.next() { result.append(o) }
        return result
    }
}

/// Occurrences as instants, de-duplicated, with their series index.
public struct OccurrenceIterator: IteratorProtocol, Sequence {
    var wall: WallClockInstances
    let zone: TimeZone
    var index: Int
    var last: Date?

    public init(rule: RecurrenceRule, start: LocalDateTime, startIndex: Int, zone: TimeZone) {
        var r = rule
        if let count = r.count { r.count = Swift.max(0, count - startIndex) }
        wall = WallClockInstances(rule: r, start: start, zone: zone)
        self.zone = zone
        index = startIndex
    }

    public mutating func next() -> Occurrence? {
        while let local = wall.next() {
            let at = Zones.instant(of: local, in: zone)
            if let last, at <= last { continue }
            last = at
            defer { index += 1 }
            return Occurrence(index: index, local: local, at: at)
        }
        return nil
    }
}

/// The expansion of a rule period by period (year, month, week, day, hour or minute), following
/// the BYxxx expand/limit table of RFC 5545 §3.3.10. Work is bounded: a run of periods without an
/// instance longer than a 400-year Gregorian cycle ends the series.
public struct WallClockInstances: IteratorProtocol, Sequence {
    let rule: RecurrenceRule
    let start: LocalDateTime
    let zone: TimeZone
    // Effective BY lists, with the defaults RFC 5545 takes from DTSTART.
    let months: Set<Int>
    let monthDays: [Int]
    let plainDays: Set<Weekday>
    let numberedDays: [WeekdayNum]
    let hours: [Int]
    let minutes: [Int]
    let emptyPeriodLimit: Int

    var period = 0
    var buffer: [LocalDateTime] = []
    var position = 0
    var emitted = 0
    var startDone = false
    var finished = false

    init(rule: RecurrenceRule, start: LocalDateTime, zone: TimeZone) {
        self.rule = rule
        self.start = start
        self.zone = zone
        var months = rule.byMonth
        var monthDays = rule.byMonthDay
        var byDay = rule.byDay
        if rule.byWeekNo.isEmpty && rule.byYearDay.isEmpty && rule.byMonthDay.isEmpty && rule.byDay.isEmpty {
            switch rule.frequency {
            case .yearly:
                if months.isEmpty { months = [start.date.month] }
                monthDays = [start.date.day]
            case .monthly: monthDays = [start.date.day]
            case .weekly: byDay = [WeekdayNum(start.date.weekday)]
            default: break
            }
        }
        self.months = Set(months)
        self.monthDays = monthDays
        plainDays = Set(byDay.filter { $0.ordinal == nil }.map(\.weekday))
        numberedDays = byDay.filter { $0.ordinal != nil }
        hours = rule.byHour.isEmpty ? [start.hour] : rule.byHour
        minutes = rule.byMinute.isEmpty ? [start.minute] : rule.byMinute
        switch rule.frequency {
        case .yearly: emptyPeriodLimit = 400
        case .monthly: emptyPeriodLimit = 4800
        case .weekly: emptyPeriodLimit = 20_871
        case .daily, .hourly, .minutely: emptyPeriodLimit = 146_097  // days, for the sub-daily ones too
        }
    }

    /// Whether the rule itself produced `start` (seen once the iteration has passed it): RFC 5545
    /// counts a series' start as an instance even when the rule would not.
    public private(set) var startProduced = false

    public mutating func next() -> LocalDateTime? {
        if finished { return nil }
        if let count = rule.count, emitted >= count { return nil }
        if !startDone {
            startDone = true
            if beyondUntil(start) {
                finished = true
                return nil
            }
            emitted += 1
            return start
        }
        while true {
            if position < buffer.count {
                let candidate = buffer[position]
                position += 1
                if candidate <= start {
                    if candidate == start { startProduced = true }
                    continue
                }
                if beyondUntil(candidate) {
                    finished = true
                    return nil
                }
                emitted += 1
                return candidate
            }
            guard fill() else {
                finished = true
                return nil
            }
        }
    }

    func beyondUntil(_ t: LocalDateTime) -> Bool {
        switch rule.until {
        case nil: return false
        case .date(let d)?: return t.date > d
        case .local(let l)?: return t > l
        case .instant(let i)?: return Zones.instant(of: t, in: zone) > i
        }
    }

    /// Computes the next period that has instances into `buffer`; false when none is left.
    mutating func fill() -> Bool {
        var empty = 0
        while empty <= emptyPeriodLimit {
            let (instances, skippedDays) = instancesOfPeriod(period)
            period += 1
            if !instances.isEmpty {
                buffer = instances
                position = 0
                return true
            }
            empty += Swift.max(1, skippedDays)
        }
        return false
    }

    /// The instances of period `k`, sorted, after BYSETPOS; and for sub-daily frequencies the
    /// number of whole days it could skip (the period index is moved past a day that fails the
    /// date filters, so a year of minutes is not walked one by one).
    mutating func instancesOfPeriod(_ k: Int) -> ([LocalDateTime], Int) {
        let step = k * rule.interval
        var dates: [LocalDate] = []
        var times: [(Int, Int)] = []
        switch rule.frequency {
        case .yearly:
            let year = start.date.year + step
            guard year <= 9999 else { return ([], emptyPeriodLimit + 1) }
            for month in 1...12 where months.isEmpty || months.contains(month) {
                dates += datesOfMonth(year: year, month: month, scopeIsYear: months.isEmpty || rule.byMonth.isEmpty)
            }
        case .monthly:
            let index = start.date.year * 12 + (start.date.month - 1) + step
            let (year, month) = (index / 12, index % 12 + 1)
            guard year <= 9999 else { return ([], emptyPeriodLimit + 1) }
            if months.isEmpty || months.contains(month) { dates = datesOfMonth(year: year, month: month, scopeIsYear: false) }
        case .weekly:
            let offset = (start.date.weekday.rawValue - rule.weekStart.rawValue + 7) % 7
            let first = start.date.adding(days: -offset + step * 7)
            guard first.year <= 9999 else { return ([], emptyPeriodLimit + 1) }
            for i in 0..<7 {
                let d = first.adding(days: i)
                if (months.isEmpty || months.contains(d.month)) && plainDays.contains(d.weekday) { dates.append(d) }
            }
        case .daily:
            let d = start.date.adding(days: step)
            guard d.year <= 9999 else { return ([], emptyPeriodLimit + 1) }
            if dayMatches(d) { dates = [d] }
        case .hourly, .minutely:
            let unit = rule.frequency == .hourly ? 3600 : 60
            let base = start.secondsSinceEpochAsUTC - start.second
            let t = LocalDateTime(secondsSinceEpochAsUTC: base + step * unit)
            guard t.date.year <= 9999 else { return ([], emptyPeriodLimit + 1) }
            if !dayMatches(t.date) {
                // Jump to the first period of the next day.
                let nextDay = (t.date.daysSinceEpoch + 1) * 86_400
                let periods = (nextDay - base + rule.interval * unit - 1) / (rule.interval * unit)
                let skipped = Swift.max(0, periods - k - 1)
                period = Swift.max(period, k + skipped)
                return ([], 1)
            }
            guard rule.byHour.isEmpty || rule.byHour.contains(t.hour) else { return ([], 0) }
            if rule.frequency == .minutely {
                guard rule.byMinute.isEmpty || rule.byMinute.contains(t.minute) else { return ([], 0) }
                dates = [t.date]
                times = [(t.hour, t.minute)]
            } else {
                dates = [t.date]
                times = minutes.map { (t.hour, $0) }
            }
        }
        if dates.isEmpty { return ([], 0) }
        if times.isEmpty {
            for h in hours { for m in minutes { times.append((h, m)) } }
            times.sort { $0 < $1 }
        }
        var instances: [LocalDateTime] = []
        instances.reserveCapacity(dates.count * times.count)
        for d in dates.sorted() {
            for (h, m) in times {
                if let t = LocalDateTime(date: d, hour: h, minute: m, second: start.second) { instances.append(t) }
            }
        }
        if !rule.bySetPos.isEmpty {
            let n = instances.count
            var picked = Set<Int>()
            for p in rule.bySetPos {
                let i = p > 0 ? p - 1 : n + p
                if i >= 0 && i < n { picked.insert(i) }
            }
            instances = picked.sorted().map { instances[$0] }
        }
        return (instances, 0)
    }

    /// The days of a month that pass BYWEEKNO, BYYEARDAY, BYMONTHDAY and BYDAY. Numbered
    /// weekdays count within the year when `scopeIsYear` (FREQ=YEARLY without BYMONTH), else
    /// within the month.
    func datesOfMonth(year: Int, month: Int, scopeIsYear: Bool) -> [LocalDate] {
        let length = LocalDate.daysIn(month: month, year: year)
        var result: [LocalDate] = []
        let weekStarts = rule.byWeekNo.isEmpty ? [] : (year - 1...year + 2).map(firstWeekStart)
        for day in 1...length {
            let d = LocalDate(year: year, month: month, day: day)!
            if !monthDays.isEmpty && !monthDays.contains(where: { $0 > 0 ? $0 == day : length + $0 + 1 == day }) { continue }
            if !rule.byYearDay.isEmpty {
                let yd = d.dayOfYear
                let n = LocalDate.daysIn(year: year)
                if !rule.byYearDay.contains(where: { $0 > 0 ? $0 == yd : n + $0 + 1 == yd }) { continue }
            }
            if !rule.byWeekNo.isEmpty && !weekNumberMatches(d, weekStarts: weekStarts) { continue }
            if !plainDays.isEmpty || !numberedDays.isEmpty {
                if plainDays.contains(d.weekday) {
                } else if !numberedDays.contains(where: { numberedMatches($0, d, scopeIsYear: scopeIsYear) }) {
                    continue
                }
            }
            result.append(d)
        }
        return result
    }

    /// Filters for a single day (DAILY, HOURLY, MINUTELY): BYMONTH, BYMONTHDAY, BYDAY.
    func dayMatches(_ d: LocalDate) -> Bool {
        if !months.isEmpty && !months.contains(d.month) { return false }
        if !monthDays.isEmpty {
            let length = LocalDate.daysIn(month: d.month, year: d.year)
            if !monthDays.contains(where: { $0 > 0 ? $0 == d.day : length + $0 + 1 == d.day }) { return false }
        }
        if !rule.byYearDay.isEmpty {
            let yd = d.dayOfYear
            let n = LocalDate.daysIn(year: d.year)
            if !rule.byYearDay.contains(where: { $0 > 0 ? $0 == yd : n + $0 + 1 == yd }) { return false }
        }
        if !plainDays.isEmpty && !plainDays.contains(d.weekday) { return false }
        return true
    }

    func numberedMatches(_ w: WeekdayNum, _ d: LocalDate, scopeIsYear: Bool) -> Bool {
        guard w.weekday == d.weekday, let n = w.ordinal else { return false }
        let (index, length) =
            scopeIsYear
            ? (d.dayOfYear - 1, LocalDate.daysIn(year: d.year))
            : (d.day - 1, LocalDate.daysIn(month: d.month, year: d.year))
        return n > 0 ? index / 7 + 1 == n : (length - 1 - index) / 7 + 1 == -n
    }

    /// The first day (days since the epoch) of week 1 of `year`: weeks start on WKST, and week 1
    /// is the first with at least four days in the year (RFC 5545).
    func firstWeekStart(_ year: Int) -> Int {
        let jan1 = LocalDate(year: year, month: 1, day: 1)!
        let offset = (jan1.weekday.rawValue - rule.weekStart.rawValue + 7) % 7
        return jan1.daysSinceEpoch + (offset <= 3 ? -offset : 7 - offset)
    }

    /// Whether `d` lies in one of BYWEEKNO's weeks. `weekStarts` holds `firstWeekStart` of the
    /// year before `d`'s, its own, and the two after.
    func weekNumberMatches(_ d: LocalDate, weekStarts: [Int]) -> Bool {
        let day = d.daysSinceEpoch
        let i = day < weekStarts[1] ? 0 : day >= weekStarts[2] ? 2 : 1
        let week = (day - weekStarts[i]) / 7 + 1
        let weeksInYear = (weekStarts[i + 1] - weekStarts[i]) / 7
        return rule.byWeekNo.contains { $0 > 0 ? $0 == week : weeksInYear + $0 + 1 == week }
    }
}
