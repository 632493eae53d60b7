import Foundation

/// What a calendar feed holds: every task with a due in its scope, the person's, a project's or
/// a saved filter's.
public enum CalendarFeedScope: Sendable, Equatable {
    case all
    case project(UUID)
    case filter(UUID)

    public var name: String {
        switch self {
        case .all: "all"
        case .project: "project"
        case .filter: "filter"
        }
    }
}

/// A person's secret calendar feed (`/ical/{token}.ics`; only the token's hash is stored).
public struct CalendarFeedInfo: Sendable, Equatable {
    public var id: UUID
    public var userID: UUID
    public var name: String
    public var scope: CalendarFeedScope
    /// Completed tasks are in the feed, marked with a check mark (else left out).
    public var includeCompleted: Bool
    public var createdAt: Date
    public var rotatedAt: Date
    public var lastReadAt: Date?

    public init(
        id: UUID, userID: UUID, name: String, scope: CalendarFeedScope, includeCompleted: Bool, createdAt: Date, rotatedAt: Date,
        lastReadAt: Date? = nil
    ) {
        (self.id, self.userID, self.name, self.scope, self.includeCompleted) = (id, userID, name, scope, includeCompleted)
        (self.createdAt, self.rotatedAt, self.lastReadAt) = (createdAt, rotatedAt, lastReadAt)
    }
}

/// The iCalendar document of a feed (RFC 5545): a VEVENT per task with a due. All-day dues are
/// `VALUE=DATE`; timed ones carry their `TZID` (with its VTIMEZONE), or are UTC.
///
/// A recurring series is one VEVENT (UID: the series id) with its RRULE, starting at the
/// earliest occurrence in the feed's window from which the rule reproduces every due up to the
/// open occurrence (for the `completion` anchor, or a due moved by hand, that is the open
/// occurrence itself). The instances the rule produced before the open one are each either a
/// done occurrence (a RECURRENCE-ID override marked done, or an EXDATE when done ones are left
/// out) or were skipped or passed over (EXDATE). Done occurrences the rule does not reproduce are
/// events of their own (UID: the task id). Reminders are VALARMs.
public enum CalendarFeed {
    /// How far back closed occurrences and done tasks are shown.
    public static let window: TimeInterval = 90 * 86400
    /// The most instances a series' rule is walked through to find its done ones.
    static let maxWalk = 1000

    public struct Options: Sendable {
        public var name: String
        public var timeZone: TimeZoneID
        public var includeCompleted: Bool
        public var now: Date
        /// The feed's host, the right-hand side of each UID.
        public var host: String

        public init(name: String, timeZone: TimeZoneID, includeCompleted: Bool, now: Date, host: String) {
            (self.name, self.timeZone, self.includeCompleted, self.now, self.host) = (name, timeZone, includeCompleted, now, host)
        }
    }

    /// `open`: the open tasks with a due; `closed`: done and skipped tasks with a due in the window
    /// (skipped ones only matter to their series).
    public static func render(open: [TodoTask], closed: [TodoTask], options: Options) -> String {
        var events: [Event] = []
        var absorbed: Set<UUID> = []
        let bySeries = Dictionary(grouping: closed.filter { $0.seriesID != nil }, by: { $0.seriesID! })
        for task in open where task.due != nil {
            if let series = task.seriesID, let recurrence = task.recurrence, let rule = try? RecurrenceRule(parsing: recurrence.rule) {
                let segment = Segment(open: task, rule: rule, closed: bySeries[series] ?? [], includeCompleted: options.includeCompleted)
                absorbed.formUnion(segment.absorbed)
                events.append(Event(task: task, uid: series, segment: segment))
                events += segment.doneOverrides.map { Event(task: $0.task, uid: series, recurrenceID: $0.local, done: true) }
            } else {
                events.append(Event(task: task, uid: task.id))
            }
        }
        if options.includeCompleted {
            for task in closed where task.completedAt != nil && task.due != nil && !absorbed.contains(task.id) {
                events.append(Event(task: task, uid: task.id, done: true))
            }
        }
        var out = ICalendarWriter()
        out.line("BEGIN", "VCALENDAR")
        out.line("VERSION", "2.0")
        out.line("PRODID", "-//Todo//Todo calendar feed//EN")
        out.line("CALSCALE", "GREGORIAN")
        out.text("X-WR-CALNAME", options.name)
        out.text("X-WR-TIMEZONE", options.timeZone.identifier)
        out.line("REFRESH-INTERVAL;VALUE=DURATION", "PT15M")
        out.line("X-PUBLISHED-TTL", "PT15M")
        var zones: [String: Int] = [:]  // zone → earliest year used
        for event in events {
            guard let due = event.task.due, case .dateTime(let local, let tz) = due.due, tz != .utc else { continue }
            zones[tz.identifier] = min(zones[tz.identifier] ?? Int.max, local.date.year)
        }
        let thisYear = Zones.local(at: options.now, in: options.timeZone.zone).date.year
        for (identifier, year) in zones.sorted(by: { $0.key < $1.key }) {
            out.timeZone(TimeZoneID.stored(identifier).zone, fromYear: min(year, thisYear) - 1, toYear: max(year, thisYear) + 5)
        }
        for event in events { event.write(to: &out, host: options.host) }
        out.line("END", "VCALENDAR")
        return out.text
    }

    /// The wall-clock start of a due and whether it is a whole day.
    static func start(_ due: ResolvedDue) -> (local: LocalDateTime, allDay: Bool) {
        switch due.due {
        case .allDay(let d): (LocalDateTime(date: d, hour: 0, minute: 0)!, true)
        case .dateTime(let l, _): (l, false)
        }
    }

    /// Where a series' VEVENT starts and what happened to the instances before its open occurrence.
    struct Segment {
        var base: TodoTask
        var rule: RecurrenceRule
        var exdates: [LocalDateTime] = []
        var doneOverrides: [(task: TodoTask, local: LocalDateTime)] = []
        var absorbed: Set<UUID> = []

        init(open: TodoTask, rule: RecurrenceRule, closed: [TodoTask], includeCompleted: Bool) {
            (base, self.rule) = (open, rule)
            let openIndex = open.occurrenceIndex ?? 0
            guard open.recurrence?.anchor == .schedule, let due = open.due else { return }
            let zone = due.timeZone.zone
            let earlier = closed.filter { ($0.occurrenceIndex ?? Int.max) < openIndex && $0.due?.timeZone == due.timeZone }
                .sorted { ($0.occurrenceIndex!, $0.createdAt) < ($1.occurrenceIndex!, $1.createdAt) }
            guard let first = earlier.first, let firstDue = first.due, openIndex - first.occurrenceIndex! <= CalendarFeed.maxWalk else { return }
            // Walk the rule from the earliest closed occurrence; it must land on the open one.
            var instances: [Int: LocalDateTime] = [:]
            var iterator = OccurrenceIterator(rule: rule, start: start(firstDue).local, startIndex: first.occurrenceIndex!, zone: zone)
            while let o = iterator.next(), o.index <= openIndex { instances[o.index] = o.local }
            guard instances[openIndex] == start(due).local else { return }
            base = first
            var byIndex: [Int: TodoTask] = [:]
            for task in earlier where task.due.map({ start($0).local }) == instances[task.occurrenceIndex!] {
                byIndex[task.occurrenceIndex!] = byIndex[task.occurrenceIndex!] ?? task
            }
            for index in first.occurrenceIndex!..<openIndex {
                guard let local = instances[index] else { continue }
                if let task = byIndex[index] {
                    absorbed.insert(task.id)
                    if task.completedAt != nil && includeCompleted {
                        doneOverrides.append((task, local))
                        continue
                    }
                }
                exdates.append(local)
            }
        }
    }

    struct Event {
        var task: TodoTask
        var uid: UUID
        var segment: Segment?
        var recurrenceID: LocalDateTime?
        var done = false

        init(task: TodoTask, uid: UUID, segment: Segment? = nil, recurrenceID: LocalDateTime? = nil, done: Bool = false) {
            (self.task, self.uid, self.segment, self.recurrenceID, self.done) = (task, uid, segment, recurrenceID, done)
        }

        func write(to out: inout ICalendarWriter, host: String) {
            let startTask = segment?.base ?? task
            guard let due = startTask.due else { return }
            let (local, allDay) = CalendarFeed.start(due)
            let zone = due.timeZone
            /// A date-time property in the event's form: DATE, UTC or with its TZID.
            func when(_ name: String, _ l: LocalDateTime) {
                if allDay {
                    out.line(name + ";VALUE=DATE", ICalendarWriter.date(l.date))
                } else if zone == .utc {
                    out.line(name, ICalendarWriter.local(l) + "Z")
                } else {
                    out.line(name + ";TZID=" + zone.identifier, ICalendarWriter.local(l))
                }
            }
            out.line("BEGIN", "VEVENT")
            out.line("UID", uid.lowercased + "@" + host)
            out.line("DTSTAMP", ICalendarWriter.utc(task.updatedAt))
            out.line("CREATED", ICalendarWriter.utc(task.createdAt))
            out.line("LAST-MODIFIED", ICalendarWriter.utc(task.updatedAt))
            if let recurrenceID {
                when("DTSTART", recurrenceID)
                when("RECURRENCE-ID", recurrenceID)
            } else {
                when("DTSTART", local)
            }
            if allDay { out.line("DTEND;VALUE=DATE", ICalendarWriter.date((recurrenceID ?? local).date.adding(days: 1))) }
            out.text("SUMMARY", (done ? "✓ " : "") + task.title)
            if !task.description.isEmpty { out.text("DESCRIPTION", task.description) }
            if !task.tags.isEmpty { out.line("CATEGORIES", task.tags.map(ICalendarWriter.escape).joined(separator: ",")) }
            if task.priority != .none { out.line("PRIORITY", ["0", "9", "5", "3", "1"][task.priority.rank]) }
            out.line("TRANSP", "TRANSPARENT")
            if let segment {
                out.line("RRULE", CalendarFeed.rule(segment.rule, from: segment.base.occurrenceIndex ?? 0, allDay: allDay, zone: zone))
                for local in segment.exdates { when("EXDATE", local) }
            }
            if !done {
                // Relative reminders repeat with a series' instances; the rest only while pending.
                for reminder in task.reminders where reminder.state == .pending || (segment != nil && reminder.isRelative) {
                    out.line("BEGIN", "VALARM")
                    out.line("ACTION", "DISPLAY")
                    out.text("DESCRIPTION", task.title)
                    switch reminder.trigger {
                    case .before(let seconds): out.line("TRIGGER", ICalendarWriter.duration(seconds: -seconds))
                    case .at(let instant): out.line("TRIGGER;VALUE=DATE-TIME", ICalendarWriter.utc(instant))
                    }
                    out.line("UID", reminder.id.lowercased + "@" + host)
                    out.line("END", "VALARM")
                }
            }
            out.line("END", "VEVENT")
        }
    }

    /// The series' rule as the VEVENT states it: COUNT less the instances before its start, and
    /// UNTIL in the value type RFC 5545 requires beside the DTSTART (a DATE beside a DATE, UTC
    /// beside a zoned time), meaning what the rule engine takes it to mean.
    public static func rule(_ rule: RecurrenceRule, from index: Int, allDay: Bool, zone: TimeZoneID) -> String {
        var r = rule
        if let count = r.count { r.count = max(1, count - index) }
        let tz = zone.zone
        switch (r.until, allDay) {
        case (.instant(let t)?, true): r.until = .date(Zones.local(at: t, in: tz).date)
        case (.local(let l)?, true): r.until = .date(l.date)
        case (.local(let l)?, false): r.until = .instant(Zones.instant(of: l, in: tz))
        case (.date(let d)?, false): r.until = .instant(Zones.startOfDay(d.adding(days: 1), in: tz) - 1)
        default: break
        }
        return r.description
    }
}
