import Foundation
import Testing
import TodoCore

/// The series rules as functions of domain values, without a database: where the occurrence after
/// a completed or skipped one goes, when a series ends, which reminders carry over, and where a
/// new series starts.
@Suite struct SeriesTests {
    func at(_ local: String, _ zone: TimeZoneID = "Europe/Berlin") -> ResolvedDue {
        ResolvedDue(.dateTime(LocalDateTime(local)!, timeZone: zone), defaultTimeZone: zone)
    }

    func instant(_ s: String) -> Date { Timestamp.parse(s)! }

    func task(due: ResolvedDue?, rule: String?, anchor: RecurrenceAnchor = .schedule, index: Int? = 0, reminders: [Reminder] = []) -> TodoTask {
        let id = UUID()
        return TodoTask(
            id: id, userID: UUID(), title: "Standup", description: "notes", priority: .high, tags: ["work"], due: due,
            recurrence: rule.map { Recurrence(rule: $0, anchor: anchor) }, seriesID: id, occurrenceIndex: index,
            createdAt: instant("2026-11-01T00:00:00Z"), updatedAt: instant("2026-11-01T00:00:00Z"), reminders: reminders)
    }

    func next(_ t: TodoTask, skipped: Bool = false, at now: String) -> TodoTask? {
        Series.successor(of: t, skipped: skipped, at: instant(now), id: UUID())
    }

    @Test func scheduleAnchorTakesTheNextInstanceAfterTheDue() throws {
        let first = task(due: at("2026-11-02T09:00"), rule: "FREQ=WEEKLY;BYDAY=MO,WE")
        let second = try #require(next(first, at: "2026-11-02T10:00:00Z"))
        #expect(second.due == at("2026-11-04T09:00"))
        #expect(second.occurrenceIndex == 1)
        #expect(second.seriesID == first.id)
        #expect((second.title, second.description, second.priority, second.tags) == (first.title, first.description, first.priority, first.tags))
        #expect(second.completedAt == nil && second.skippedAt == nil)
        #expect(second.createdAt == instant("2026-11-02T10:00:00Z"))
    }

    @Test func scheduleAnchorSkipsInstancesAlreadyPast() throws {
        let first = task(due: at("2026-11-02T09:00"), rule: "FREQ=WEEKLY;BYDAY=MO,WE")
        // completed ten days late: the instances of the 4th, 9th and 11th are past
        let later = try #require(next(first, at: "2026-11-12T10:00:00Z"))
        #expect(later.due == at("2026-11-16T09:00"))
        #expect(later.occurrenceIndex == 4)
    }

    @Test func anAllDayInstanceTodayIsNotPast() throws {
        let zone: TimeZoneID = "Europe/Berlin"
        let daily = task(due: ResolvedDue(.allDay(LocalDate("2026-11-18")!), defaultTimeZone: zone), rule: "FREQ=DAILY")
        let successor = try #require(next(daily, at: "2026-11-20T15:00:00Z"))
        #expect(successor.due?.due == .allDay(LocalDate("2026-11-20")!))
    }

    @Test func completionAnchorCountsFromTheDayOfCompletion() throws {
        let first = task(due: at("2026-11-02T09:00"), rule: "FREQ=DAILY;INTERVAL=3", anchor: .completion)
        let second = try #require(next(first, at: "2026-11-10T12:00:00Z"))
        #expect(second.due == at("2026-11-13T09:00"))
    }

    @Test func aSkipPlacesAsTheScheduleAnchorDoes() throws {
        let first = task(due: at("2026-11-02T09:00"), rule: "FREQ=DAILY;INTERVAL=3", anchor: .completion)
        let second = try #require(next(first, skipped: true, at: "2026-11-02T12:00:00Z"))
        #expect(second.due == at("2026-11-05T09:00"))
    }

    @Test func countAndUntilEndTheSeries() {
        let counted = task(due: at("2026-11-02T09:00"), rule: "FREQ=DAILY;COUNT=2", index: 1)
        #expect(next(counted, at: "2026-11-03T10:00:00Z") == nil)
        let until = task(due: at("2026-11-02T09:00"), rule: "FREQ=DAILY;UNTIL=20261102T235959Z")
        #expect(next(until, at: "2026-11-02T10:00:00Z") == nil)
    }

    @Test func nothingFollowsATaskThatIsNotASeries() {
        #expect(next(task(due: at("2026-11-02T09:00"), rule: nil), at: "2026-11-02T10:00:00Z") == nil)
        #expect(next(task(due: nil, rule: "FREQ=DAILY"), at: "2026-11-02T10:00:00Z") == nil)
    }

    @Test func relativeRemindersMoveWithTheDueAndAbsoluteOnesStay() throws {
        let reminders = [
            Reminder(id: UUID(), trigger: .before(seconds: 900), channels: [.email], remindAt: instant("2026-11-02T07:45:00Z"), state: .fired),
            Reminder(id: UUID(), trigger: .at(instant("2026-11-01T18:00:00Z")), channels: [.inApp], remindAt: instant("2026-11-01T18:00:00Z")),
        ]
        let first = task(due: at("2026-11-02T09:00"), rule: "FREQ=DAILY", reminders: reminders)
        let second = try #require(next(first, at: "2026-11-02T10:00:00Z"))
        #expect(second.reminders.count == 1)
        let carried = try #require(second.reminders.first)
        #expect(carried.trigger == .before(seconds: 900))
        #expect(carried.channels == [.email])
        #expect(carried.remindAt == instant("2026-11-03T07:45:00Z"))
        #expect(carried.state == .pending)
        #expect(carried.id != reminders[0].id)
    }

    @Test func aNewSeriesStartsOnTheFirstDayTheRuleProduces() throws {
        let zone = TimeZone(identifier: "Europe/Berlin")!
        let sunday = LocalDateTime("2026-11-01T10:00")!  // a Sunday
        let rule = try RecurrenceRule(parsing: "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE")
        // said on a Sunday: the coming Wednesday, not the Sunday (nor ten days later)
        #expect(Series.firstInstance(of: rule, from: .allDay(sunday.date), now: sunday, zone: zone) == .allDay(LocalDate("2026-11-04")!))
        // a timed start keeps its time of day; today's time already past moves to the next day the rule has
        let daily = try RecurrenceRule(parsing: "FREQ=DAILY")
        let start = Due.dateTime(LocalDateTime("2026-11-01T09:00")!, timeZone: "Europe/Berlin")
        #expect(
            Series.firstInstance(of: daily, from: start, now: sunday, zone: zone)
                == .dateTime(LocalDateTime("2026-11-02T09:00")!, timeZone: "Europe/Berlin"))
        // a start the rule produces stays
        let wednesdays = try RecurrenceRule(parsing: "FREQ=WEEKLY;BYDAY=WE")
        let wednesday = Due.allDay(LocalDate("2026-11-04")!)
        #expect(Series.firstInstance(of: wednesdays, from: wednesday, now: sunday, zone: zone) == wednesday)
        // the last day of the month
        let last = try RecurrenceRule(parsing: "FREQ=MONTHLY;BYMONTHDAY=-1")
        #expect(Series.firstInstance(of: last, from: .allDay(sunday.date), now: sunday, zone: zone) == .allDay(LocalDate("2026-11-30")!))
    }
}
