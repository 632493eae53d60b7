import Foundation
import Testing
import TodoCore

/// The iCalendar writer and the feed's series: what RFC 5545 asks of content lines and values,
/// and how a series' closed occurrences become EXDATEs and overrides. (The feed as a whole is
/// read by independent parsers in scripts/e2e-calendar.py.)
@Suite struct CalendarFeedTests {
    @Test func linesFoldAt75OctetsOutsideUTF8Sequences() {
        var w = ICalendarWriter()
        w.text("SUMMARY", String(repeating: "Ü", count: 80) + ", done; ok\\\nnext")
        let lines = w.text.components(separatedBy: "\r\n").dropLast()
        #expect(lines.allSatisfy { $0.utf8.count <= 75 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        let unfolded = lines.enumerated().map { $0.offset == 0 ? $0.element : String($0.element.dropFirst()) }.joined()
        #expect(unfolded == "SUMMARY:" + String(repeating: "Ü", count: 80) + "\\, done\\; ok\\\\\\nnext")
    }

    @Test func durationsAndOffsets() {
        #expect(ICalendarWriter.duration(seconds: -900) == "-PT15M")
        #expect(ICalendarWriter.duration(seconds: -86400 - 5400) == "-P1DT1H30M")
        #expect(ICalendarWriter.duration(seconds: 0) == "PT0S")
        #expect(ICalendarWriter.duration(seconds: -2 * 86400) == "-P2D")
        #expect(ICalendarWriter.utc(Date(timeIntervalSince1970: 1_796_000_000)) == "20261130T005320Z")
    }

    @Test func aTimeZoneHasItsTransitions() {
        var w = ICalendarWriter()
        w.timeZone(TimeZone(identifier: "Europe/Berlin")!, fromYear: 2026, toYear: 2027)
        let text = w.text
        // The offset at the start, then two changes a year.
        #expect(text.components(separatedBy: "BEGIN:DAYLIGHT").count - 1 == 2)
        #expect(text.components(separatedBy: "BEGIN:STANDARD").count - 1 == 3)
        #expect(text.contains("DTSTART:20270328T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200"))
        #expect(text.contains("DTSTART:20271031T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100"))
    }

    @Test func untilTakesTheValueTypeOfTheStart() {
        let zone: TimeZoneID = "Europe/Berlin"
        let rule = try! RecurrenceRule(parsing: "FREQ=DAILY;UNTIL=20270110")
        #expect(CalendarFeed.rule(rule, from: 2, allDay: false, zone: zone) == "FREQ=DAILY;UNTIL=20270110T225959Z")
        let count = try! RecurrenceRule(parsing: "FREQ=DAILY;COUNT=5")
        #expect(CalendarFeed.rule(count, from: 2, allDay: false, zone: zone) == "FREQ=DAILY;COUNT=3")
        let local = try! RecurrenceRule(parsing: "FREQ=DAILY;UNTIL=20270110T090000")
        #expect(CalendarFeed.rule(local, from: 0, allDay: true, zone: zone) == "FREQ=DAILY;UNTIL=20270110")
        #expect(CalendarFeed.rule(local, from: 0, allDay: false, zone: zone) == "FREQ=DAILY;UNTIL=20270110T080000Z")
    }

    /// A weekly series whose first occurrence was skipped, second done and third is open; and one
    /// whose due was moved by hand (the rule no longer reaches it from the closed ones).
    @Test func closedOccurrencesAreExcludedOrMarked() {
        let user = UUID()
        let series = UUID()
        let rule = "FREQ=WEEKLY;BYDAY=MO"
        func occurrence(_ index: Int, _ day: Int, skipped: Bool = false, done: Bool = false) -> TodoTask {
            let now = Date(timeIntervalSince1970: 1_796_000_000)
            let due = ResolvedDue(
                .dateTime(LocalDateTime(date: LocalDate(year: 2027, month: 1, day: day)!, hour: 9, minute: 0)!, timeZone: "UTC"),
                defaultTimeZone: "UTC")
            return TodoTask(
                id: UUID(), userID: user, title: "Sync", due: due, completedAt: done ? now : nil, skippedAt: skipped ? now : nil,
                recurrence: Recurrence(rule: rule, anchor: .schedule), seriesID: series, occurrenceIndex: index, createdAt: now, updatedAt: now)
        }
        let options = CalendarFeed.Options(
            name: "T", timeZone: "UTC", includeCompleted: true, now: Date(timeIntervalSince1970: 1_796_000_000), host: "h")
        let closed = [occurrence(0, 4, skipped: true), occurrence(1, 11, done: true)]
        let feed = CalendarFeed.render(open: [occurrence(3, 25)], closed: closed, options: options)
        // Instance 2 (Jan 18) was passed over: excluded too.
        #expect(feed.contains("DTSTART:20270104T090000Z\r\n"))
        #expect(feed.contains("EXDATE:20270104T090000Z\r\n") && feed.contains("EXDATE:20270118T090000Z\r\n"))
        #expect(feed.contains("RECURRENCE-ID:20270111T090000Z\r\nSUMMARY:✓ Sync\r\n"))
        #expect(feed.components(separatedBy: "BEGIN:VEVENT").count - 1 == 2)
        var hidden = options
        hidden.includeCompleted = false
        let without = CalendarFeed.render(open: [occurrence(3, 25)], closed: closed, options: hidden)
        #expect(without.contains("EXDATE:20270111T090000Z\r\n") && !without.contains("✓"))
        // Moved by hand to a Wednesday: the series starts at the open occurrence; the done one stands alone.
        let moved = CalendarFeed.render(open: [occurrence(3, 27)], closed: closed, options: options)
        #expect(moved.contains("DTSTART:20270127T090000Z\r\n") && !moved.contains("EXDATE") && moved.contains("SUMMARY:✓ Sync"))
        #expect(!moved.contains("RECURRENCE-ID"))
    }
}
