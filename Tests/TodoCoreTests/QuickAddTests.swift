import Foundation
import Testing
import TodoCore

/// The quick-add corpus: each line is `input ⇒ title | due | rule | extras`, parsed at Sunday
/// 2026-11-29 10:00 in Europe/Berlin. `due` is a date (all-day), a local date-time, or `-`;
/// `rule` an RRULE (compared in canonical form) or `-`; extras are `!priority`, `#tag`,
/// `~seconds` (a reminder before the due) and `@completion` (the "every!" anchor).
@Suite struct QuickAddTests {
    static let now = LocalDateTime("2026-11-29T10:00")!
    static let zone: TimeZoneID = "Europe/Berlin"

    static let corpus: [String] = [
        // not dates, not anything: the whole line is the title
        "Buy milk ⇒ Buy milk | - | -",
        "Read 1984 ⇒ Read 1984 | - | -",
        "Call May ⇒ Call May | - | -",
        "Call Jan ⇒ Call Jan | - | -",
        "Buy 2 apples ⇒ Buy 2 apples | - | -",
        "Meet at 5 ⇒ Meet at 5 | - | -",
        "Fix bug 42 ⇒ Fix bug 42 | - | -",
        "Room 101 cleanup ⇒ Room 101 cleanup | - | -",
        "Watch Mission Impossible 3 ⇒ Watch Mission Impossible 3 | - | -",
        "Read chapter 12 ⇒ Read chapter 12 | - | -",
        "Email Mark about the march budget ⇒ Email Mark about the march budget | - | -",
        "Buy 3 eggs ⇒ Buy 3 eggs | - | -",
        "Pay 12.50 to Ann ⇒ Pay 12.50 to Ann | - | -",
        "Price # 5 ⇒ Price # 5 | - | -",
        "Do pushups 3 times ⇒ Do pushups 3 times | - | -",
        "Offer valid until Dec 3 ⇒ Offer valid until Dec 3 | - | -",
        "Remind me later ⇒ Remind me later | - | -",
        "Call 555 1234 ⇒ Call 555 1234 | - | -",
        "Version 2.0 release notes ⇒ Version 2.0 release notes | - | -",
        "Top 10 movies ⇒ Top 10 movies | - | -",
        // quotes: taken literally, quotes dropped
        "Watch \"The Day After Tomorrow\" ⇒ Watch The Day After Tomorrow | - | -",
        "\"Monday\" meeting notes ⇒ Monday meeting notes | - | -",
        "Read \"Tomorrow and Tomorrow\" by friday ⇒ Read Tomorrow and Tomorrow | 2026-12-04 | -",
        "\"Buy tomorrow's paper\" today ⇒ Buy tomorrow's paper | 2026-11-29 | -",
        "Read \"Friday\" by Defoe ⇒ Read Friday by Defoe | - | -",
        // tags and priority
        "Pay rent #bills ⇒ Pay rent | - | - | #bills",
        "Pay rent #bills #home ⇒ Pay rent | - | - | #bills #home",
        "#home Clean kitchen ⇒ Clean kitchen | - | - | #home",
        "Email #Work team ⇒ Email team | - | - | #Work",
        "Tag twice #a #A ⇒ Tag twice | - | - | #a",
        "Fix login !urgent ⇒ Fix login | - | - | !urgent",
        "Fix login !high ⇒ Fix login | - | - | !high",
        "Fix login !medium ⇒ Fix login | - | - | !medium",
        "Fix login !low ⇒ Fix login | - | - | !low",
        "Fix login !1 ⇒ Fix login | - | - | !urgent",
        "Fix login !2 ⇒ Fix login | - | - | !high",
        "Fix login !3 ⇒ Fix login | - | - | !medium",
        "Fix login !4 ⇒ Fix login | - | - | !low",
        "Fix login p1 ⇒ Fix login | - | - | !urgent",
        "Fix login p2 ⇒ Fix login | - | - | !high",
        "Fix login p3 ⇒ Fix login | - | - | !medium",
        "Fix login p4 ⇒ Fix login | - | - | !low",
        "Deploy p1 #work tomorrow ⇒ Deploy | 2026-11-30 | - | !urgent #work",
        "p2 Write blog post friday #writing ⇒ Write blog post | 2026-12-04 | - | !high #writing",
        // dates
        "Call mom today ⇒ Call mom | 2026-11-29 | -",
        "Call mom tomorrow ⇒ Call mom | 2026-11-30 | -",
        "Pay invoice tmrw ⇒ Pay invoice | 2026-11-30 | -",
        "Tomorrow: dentist ⇒ dentist | 2026-11-30 | -",
        "Dentist monday ⇒ Dentist | 2026-11-30 | -",
        "Dentist on monday ⇒ Dentist | 2026-11-30 | -",
        "Dentist tuesday ⇒ Dentist | 2026-12-01 | -",
        "Dentist wednesday ⇒ Dentist | 2026-12-02 | -",
        "Dentist thursday ⇒ Dentist | 2026-12-03 | -",
        "Dentist friday ⇒ Dentist | 2026-12-04 | -",
        "Dentist saturday ⇒ Dentist | 2026-12-05 | -",
        "Dentist sunday ⇒ Dentist | 2026-12-06 | -",
        "Dentist Thu ⇒ Dentist | 2026-12-03 | -",
        "Gym next monday ⇒ Gym | 2026-11-30 | -",
        "Gym this friday ⇒ Gym | 2026-12-04 | -",
        "Plan sprint next week ⇒ Plan sprint | 2026-11-30 | -",
        "Pay bills next month ⇒ Pay bills | 2026-12-01 | -",
        "Review budget end of month ⇒ Review budget | 2026-11-30 | -",
        "Review budget end of the month ⇒ Review budget | 2026-11-30 | -",
        "Renew passport in 3 days ⇒ Renew passport | 2026-12-02 | -",
        "Renew passport in 2 weeks ⇒ Renew passport | 2026-12-13 | -",
        "Renew passport in a week ⇒ Renew passport | 2026-12-06 | -",
        "Renew passport in 1 month ⇒ Renew passport | 2026-12-29 | -",
        "Renew passport in 3 months ⇒ Renew passport | 2027-02-28 | -",
        "Renew passport in one day ⇒ Renew passport | 2026-11-30 | -",
        "Check oven in 30 minutes ⇒ Check oven | 2026-11-29T10:30 | -",
        "Check oven in 2 hours ⇒ Check oven | 2026-11-29T12:00 | -",
        "Check oven in 20 hours ⇒ Check oven | 2026-11-30T06:00 | -",
        "Check oven in an hour ⇒ Check oven | 2026-11-29T11:00 | -",
        "Party on Dec 3 ⇒ Party | 2026-12-03 | -",
        "Party Dec 3rd ⇒ Party | 2026-12-03 | -",
        "Party Dec 3rd, bring cake ⇒ Party bring cake | 2026-12-03 | -",
        "Party 3 December ⇒ Party | 2026-12-03 | -",
        "Party 3rd of December ⇒ Party | 2026-12-03 | -",
        "Party December 3 ⇒ Party | 2026-12-03 | -",
        "Valentine 14 February ⇒ Valentine | 2027-02-14 | -",
        "Taxes April 15 ⇒ Taxes | 2027-04-15 | -",
        "Taxes apr 15th ⇒ Taxes | 2027-04-15 | -",
        "Launch 2026-12-03 ⇒ Launch | 2026-12-03 | -",
        "Launch on 2027-01-15 ⇒ Launch | 2027-01-15 | -",
        "Birthday Nov 29 ⇒ Birthday | 2026-11-29 | -",
        "Anniversary Nov 28 ⇒ Anniversary | 2027-11-28 | -",
        "Trip Jan 5 2027 ⇒ Trip | 2027-01-05 | -",
        "Trip December 24 2027 ⇒ Trip | 2027-12-24 | -",
        "Leap day party Feb 29 ⇒ Leap day party | 2028-02-29 | -",
        "School starts Sept 1 ⇒ School starts | 2027-09-01 | -",
        "Finish report by friday ⇒ Finish report | 2026-12-04 | -",
        "Finish report by Dec 10 ⇒ Finish report | 2026-12-10 | -",
        // times (alone: today if still ahead, otherwise tomorrow)
        "Call Ann at 5pm ⇒ Call Ann | 2026-11-29T17:00 | -",
        "Call Ann at 9am ⇒ Call Ann | 2026-11-30T09:00 | -",
        "Call Ann 5:30pm ⇒ Call Ann | 2026-11-29T17:30 | -",
        "Call Ann at 17:30 ⇒ Call Ann | 2026-11-29T17:30 | -",
        "Call Ann 08:15 ⇒ Call Ann | 2026-11-30T08:15 | -",
        "Call Ann 10:00 ⇒ Call Ann | 2026-11-30T10:00 | -",
        "Call Ann at 5 pm ⇒ Call Ann | 2026-11-29T17:00 | -",
        "Call Ann at 12am ⇒ Call Ann | 2026-11-30T00:00 | -",
        "Call Ann at 12pm ⇒ Call Ann | 2026-11-29T12:00 | -",
        "Call Ann by 6pm ⇒ Call Ann | 2026-11-29T18:00 | -",
        "Lunch noon ⇒ Lunch | 2026-11-29T12:00 | -",
        "Lunch at noon ⇒ Lunch | 2026-11-29T12:00 | -",
        "Backup midnight ⇒ Backup | 2026-11-30T00:00 | -",
        "Run morning ⇒ Run | 2026-11-30T09:00 | -",
        "Run in the morning ⇒ Run | 2026-11-30T09:00 | -",
        "Nap afternoon ⇒ Nap | 2026-11-29T15:00 | -",
        "Read this evening ⇒ Read | 2026-11-29T18:00 | -",
        "Dinner evening ⇒ Dinner | 2026-11-29T18:00 | -",
        "Movie tonight ⇒ Movie | 2026-11-29T20:00 | -",
        // dates with times
        "Dentist tomorrow at 3pm ⇒ Dentist | 2026-11-30T15:00 | -",
        "Dentist friday 9am ⇒ Dentist | 2026-12-04T09:00 | -",
        "Meeting Dec 3 at 14:00 ⇒ Meeting | 2026-12-03T14:00 | -",
        "Dentist tomorrow morning ⇒ Dentist | 2026-11-30T09:00 | -",
        "Dentist tomorrow evening ⇒ Dentist | 2026-11-30T18:00 | -",
        "Flight 2026-12-20 06:30 ⇒ Flight | 2026-12-20T06:30 | -",
        "Call at 4pm tomorrow ⇒ Call | 2026-11-30T16:00 | -",
        "Standup monday at 9:15am ⇒ Standup | 2026-11-30T09:15 | -",
        "Submit today at 11pm ⇒ Submit | 2026-11-29T23:00 | -",
        "Submit today at 8am ⇒ Submit | 2026-11-29T08:00 | -",
        "Party on Dec 31 at 9pm ⇒ Party | 2026-12-31T21:00 | -",
        // recurrence (the due is the first instance at or after now)
        "Water plants every day ⇒ Water plants | 2026-11-29 | FREQ=DAILY",
        "Water plants daily ⇒ Water plants | 2026-11-29 | FREQ=DAILY",
        "Check mail weekly ⇒ Check mail | 2026-11-29 | FREQ=WEEKLY",
        "Rent monthly ⇒ Rent | 2026-11-29 | FREQ=MONTHLY",
        "Anniversary yearly ⇒ Anniversary | 2026-11-29 | FREQ=YEARLY",
        "Standup every weekday at 9am ⇒ Standup | 2026-11-30T09:00 | FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        "Lunch out every weekend ⇒ Lunch out | 2026-11-29 | FREQ=WEEKLY;BYDAY=SA,SU",
        "Gym every monday and thursday ⇒ Gym | 2026-11-30 | FREQ=WEEKLY;BYDAY=MO,TH",
        "Gym every mon, wed, fri ⇒ Gym | 2026-11-30 | FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "Trash every tuesday ⇒ Trash | 2026-12-01 | FREQ=WEEKLY;BYDAY=TU",
        "Review every 2 weeks ⇒ Review | 2026-11-29 | FREQ=WEEKLY;INTERVAL=2",
        "Bins every other day ⇒ Bins | 2026-11-29 | FREQ=DAILY;INTERVAL=2",
        "Team sync every other week on wednesday ⇒ Team sync | 2026-12-02 | FREQ=WEEKLY;INTERVAL=2;BYDAY=WE",
        "Pay rent every month on the 1st #bills !high ⇒ Pay rent | 2026-12-01 | FREQ=MONTHLY;BYMONTHDAY=1 | !high #bills",
        "Salary every month on the 15th ⇒ Salary | 2026-12-15 | FREQ=MONTHLY;BYMONTHDAY=15",
        "Clean every 15th ⇒ Clean | 2026-12-15 | FREQ=MONTHLY;BYMONTHDAY=15",
        "Close books every month on the last day ⇒ Close books | 2026-11-30 | FREQ=MONTHLY;BYMONTHDAY=-1",
        "Book club every last thursday of the month ⇒ Book club | 2026-12-31 | FREQ=MONTHLY;BYDAY=-1TH",
        "Board meeting every first monday ⇒ Board meeting | 2026-12-07 | FREQ=MONTHLY;BYDAY=1MO",
        "Sync every 2nd tuesday of the month ⇒ Sync | 2026-12-08 | FREQ=MONTHLY;BYDAY=2TU",
        "Birthday every year on april 30 ⇒ Birthday | 2027-04-30 | FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=30",
        "Report every 3 months on the 1st ⇒ Report | 2026-12-01 | FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1",
        "Change filter every! 3 days ⇒ Change filter | 2026-11-29 | FREQ=DAILY;INTERVAL=3 | @completion",
        "Haircut every! 4 weeks ⇒ Haircut | 2026-11-29 | FREQ=WEEKLY;INTERVAL=4 | @completion",
        "Take pill every day at 8pm ⇒ Take pill | 2026-11-29T20:00 | FREQ=DAILY",
        "Review every friday at 4pm ⇒ Review | 2026-12-04T16:00 | FREQ=WEEKLY;BYDAY=FR",
        "Call dad every sunday at 6pm ⇒ Call dad | 2026-11-29T18:00 | FREQ=WEEKLY;BYDAY=SU",
        "Call dad every sunday at 9am ⇒ Call dad | 2026-12-06T09:00 | FREQ=WEEKLY;BYDAY=SU",
        "Pay card every month on the 15th at 9am ⇒ Pay card | 2026-12-15T09:00 | FREQ=MONTHLY;BYMONTHDAY=15",
        "Journal every day until 2027-03-31 ⇒ Journal | 2026-11-29 | FREQ=DAILY;UNTIL=20270331",
        "Physio every week 10 times ⇒ Physio | 2026-11-29 | FREQ=WEEKLY;COUNT=10",
        "Physio every monday 6 times ⇒ Physio | 2026-11-30 | FREQ=WEEKLY;COUNT=6;BYDAY=MO",
        "Every day: stretch ⇒ stretch | 2026-11-29 | FREQ=DAILY",
        "Every monday: report ⇒ report | 2026-11-30 | FREQ=WEEKLY;BYDAY=MO",
        "Newsletter every month starting Dec 10 ⇒ Newsletter starting | 2026-12-10 | FREQ=MONTHLY",
        // reminders
        "Dentist tomorrow at 3pm remind me 15 minutes before ⇒ Dentist | 2026-11-30T15:00 | - | ~900",
        "Flight friday 9am remind me 1 hour before ⇒ Flight | 2026-12-04T09:00 | - | ~3600",
        "Meeting at 5pm remind me 2 hours before ⇒ Meeting | 2026-11-29T17:00 | - | ~7200",
        "Exam Dec 3 remind me 1 day before ⇒ Exam | 2026-12-03 | - | ~86400",
        "Call at 4pm remind me an hour before ⇒ Call | 2026-11-29T16:00 | - | ~3600",
        "Remind me 10 minutes before call at 2pm ⇒ call | 2026-11-29T14:00 | - | ~600",
        // everything at once
        "Call Mum tomorrow 6pm #family p1 remind me 30 minutes before ⇒ Call Mum | 2026-11-30T18:00 | - | !urgent #family ~1800",
        "Submit expenses end of month #work !3 ⇒ Submit expenses | 2026-11-30 | - | !medium #work",
        "   Lots    of   spaces    ⇒ Lots of spaces | - | -",
    ]

    struct Expected: CustomStringConvertible {
        var input, title, due, rule: String
        var extras: [String]
        var description: String { input }
    }

    static let cases: [Expected] = corpus.map { line in
        let halves = line.components(separatedBy: " ⇒ ")
        let fields = halves[1].components(separatedBy: " | ")
        return Expected(
            input: halves[0], title: fields[0], due: fields[1], rule: fields[2],
            extras: fields.count > 3 ? fields[3].split(separator: " ").map(String.init) : [])
    }

    @Test func theCorpusHasAtLeast150Phrases() { #expect(Self.cases.count >= 150) }

    @Test(arguments: cases) func parses(_ e: Expected) throws {
        let r = QuickAdd.parse(e.input, now: Self.now, timeZone: Self.zone)
        #expect(r.title == e.title, "title")
        let due: String =
            switch r.due {
            case .allDay(let d)?: d.description
            case .dateTime(let t, let zone)?: zone == Self.zone ? String(t.description.prefix(16)) : "wrong zone \(zone)"
            case nil: "-"
            }
        #expect(due == e.due, "due")
        let rule = try r.recurrence.map { try RecurrenceRule(parsing: $0.rule).description } ?? "-"
        let expectedRule = e.rule == "-" ? "-" : try RecurrenceRule(parsing: e.rule).description
        #expect(rule == expectedRule, "rule")
        var extras: [String] = []
        if let p = r.priority { extras.append("!" + p.rawValue) }
        extras += r.tags.map { "#" + $0 }
        extras += r.remindersBefore.map { "~\($0)" }
        if r.recurrence?.anchor == .completion { extras.append("@completion") }
        #expect(extras.sorted() == e.extras.sorted(), "extras")
    }

    @Test func everyRecognisedPieceIsReportedWithItsSpan() {
        let text = "Pay rent every month on the 1st #bills !high"
        let r = QuickAdd.parse(text, now: Self.now, timeZone: Self.zone)
        let pieces = r.tokens.map { "\($0.kind.rawValue):\($0.text)" }
        #expect(pieces == ["recurrence:every month on the 1st", "tag:#bills", "priority:!high"])
        let utf16 = Array(text.utf16)
        for t in r.tokens { #expect(String(decoding: utf16[t.start..<t.end], as: UTF16.self) == t.text) }
        // offsets are UTF-16 code units: an emoji counts two
        let party = QuickAdd.parse("🎉 party tomorrow", now: Self.now, timeZone: Self.zone)
        #expect(party.tokens.map { [$0.start, $0.end] } == [[9, 17]])
        // punctuation after a word is not part of its span; quotes are reported
        let quoted = QuickAdd.parse("\"Monday\" notes, tomorrow.", now: Self.now, timeZone: Self.zone)
        #expect(quoted.tokens.map { "\($0.kind.rawValue):\($0.text)" } == ["quote:\"Monday\"", "date:tomorrow"])
    }

    @Test func relativeTimesFollowTheZonesClock() {
        // 01:30 on the night Berlin springs forward: an hour later is 03:30 on the wall clock
        let r = QuickAdd.parse("Check in 1 hour", now: LocalDateTime("2027-03-28T01:30")!, timeZone: "Europe/Berlin")
        #expect(r.due == .dateTime(LocalDateTime("2027-03-28T03:30")!, timeZone: "Europe/Berlin"))
    }

    @Test func longInputStaysLinear() {
        // 500 characters of words that each start a phrase: parsed, not blown up
        let text = String(repeating: "every in on at ", count: 34)
        let r = QuickAdd.parse(text, now: Self.now, timeZone: Self.zone)
        #expect(!r.title.isEmpty)
    }
}

/// `+Project` and `/Section`: names of the person's, case-insensitive, longest first, or a unique
/// prefix; anything else stays in the title and is reported.
@Suite struct QuickAddProjectTests {
    static let inbox = QuickAddProject(id: UUID(), name: "Inbox", isInbox: true, sections: [(UUID(), "Someday")])
    static let work = QuickAddProject(id: UUID(), name: "Work", sections: [(UUID(), "Doing"), (UUID(), "Done")])
    static let big = QuickAddProject(id: UUID(), name: "Big Launch")
    static let bills = QuickAddProject(id: UUID(), name: "Bills")
    func parse(_ text: String) -> QuickAddResult {
        QuickAdd.parse(text, now: QuickAddTests.now, timeZone: QuickAddTests.zone, projects: [Self.inbox, Self.work, Self.big, Self.bills])
    }

    @Test func namesAndPrefixes() {
        let r = parse("Write report +work /doing tomorrow")
        #expect(r.title == "Write report" && r.projectID == Self.work.id && r.sectionID == Self.work.sections[0].id)
        #expect(r.tokens.map(\.kind) == [.project, .section, .date] && r.tokens[0].text == "+work" && r.tokens[1].text == "/doing")
        #expect(parse("Order cake +big launch").projectID == Self.big.id)
        #expect(parse("Order cake +big launch").title == "Order cake")
        #expect(parse("Pay +Bil").projectID == Self.bills.id)  // unique prefix ("+Bi" is also Big Launch)
        #expect(parse("Pay +Bi").projectID == nil)
        #expect(parse("/Someday learn piano").sectionID == Self.inbox.sections[0].id)  // the Inbox's
        #expect(parse("/doing +work x").sectionID == Self.work.sections[0].id)  // order does not matter
    }

    @Test func unknownOrAmbiguousStaysInTheTitle() {
        let r = parse("Call +Nowhere about /Do +B")
        #expect(r.projectID == nil && r.sectionID == nil)
        #expect(r.title == "Call +Nowhere about /Do +B")
        #expect(r.unknown.map(\.text) == ["+Nowhere", "+B", "/Do"])
        #expect(r.json["unknown"] != nil && r.json["project_id"] == nil)
        // "/Do" is ambiguous in Work (Doing, Done).
        #expect(parse("x +work /Do").sectionID == nil)
        #expect(parse("x +work /Do").unknown.map(\.kind) == [.section])
    }
}
