import Foundation
import Testing
import TodoCore

/// The filter language: precedence, the fixed phrases, days in the person's zone, and mistakes
/// named by position.
@Suite struct TaskFilterTests {
    static let zone: TimeZoneID = "Europe/Berlin"
    static let now = Zones.instant(of: LocalDateTime("2026-12-03T10:00")!, in: zone.zone)
    func parse(_ text: String) throws -> TaskFilter { try TaskFilter.parse(text, zone: Self.zone, now: Self.now) }
    func day(_ d: String) -> Date { Zones.startOfDay(LocalDate(d)!, in: Self.zone.zone) }

    @Test func theIssuesExamples() throws {
        #expect(
            try parse("(today | overdue) & #work & !low")
                == .all([
                    .any([.due(from: day("2026-12-03"), until: day("2026-12-04")), .overdue(now: Self.now)]), .tag("work"), .not(.priority(.low)),
                ]))
        #expect(try parse("p:Home & no due") == .all([.project("home"), .noDue]))
    }

    @Test func andBindsTighterThanOrAndWordsWorkToo() throws {
        #expect(try parse("high | low & #x") == .any([.priority(.high), .all([.priority(.low), .tag("x")])]))
        #expect(try parse("high or low and not #x") == .any([.priority(.high), .all([.priority(.low), .not(.tag("x"))])]))
        #expect(try parse("!!recurring") == .not(.not(.recurring)))
        #expect(try parse("TODAY") == (try parse("today")))
    }

    @Test func phrasesAndNames() throws {
        #expect(try parse("next 7 days") == .due(from: day("2026-12-03"), until: day("2026-12-10")))
        #expect(try parse("3 days") == .due(from: day("2026-12-03"), until: day("2026-12-06")))
        #expect(try parse("tomorrow") == .due(from: day("2026-12-04"), until: day("2026-12-05")))
        #expect(try parse("no date") == .noDue)
        #expect(try parse("p:\"Big Project\" & subtask") == .all([.project("big project"), .subtask]))
        #expect(try parse("search:milk") == .search(["milk"]))
        #expect(try parse("#Work") == .tag("work"))
    }

    @Test(arguments: [
        ("", "must not be empty"),
        ("today &", "at position 8: expected a term, found the end"),
        ("(today | overdue", "at position 17: the ( at position 1 is not closed"),
        ("today)", "at position 6: a ) without its ("),
        ("today overdue", "at position 7: expected & or | between two terms"),
        ("#work & soon", "at position 9: soon is not a filter term"),
        ("no time", "at position 1: expected due or date after no"),
        ("next week", "at position 1: expected a number of days after next"),
        ("400 days", "at position 1: the number of days must be from 1 to 366"),
        ("p:", "at position 1: expected a project name after p:"),
        ("# & today", "at position 1: # is not a tag name"),
    ])
    func mistakesNameTheirPosition(_ text: String, _ reason: String) {
        do {
            _ = try parse(text)
            Issue.record("\(text) parsed")
        } catch TodoError.validation(let errors) {
            #expect(errors.count == 1 && errors[0].field == "query")
            #expect(errors[0].reason.hasPrefix(reason), "\(errors[0].reason)")
        } catch { Issue.record("\(error)") }
    }
}
