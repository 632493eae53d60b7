import Foundation
import Testing
import TodoCore

@Suite struct CivilTimeTests {
    @Test func parsesOnlyRealDates() {
        #expect(LocalDate("2028-02-29") != nil)
        #expect(LocalDate("2026-02-29") == nil)
        #expect(LocalDate("2026-13-01") == nil)
        #expect(LocalDate("2026-1-01") == nil)
        #expect(LocalDateTime("2026-12-01T09:00")?.description == "2026-12-01T09:00")
        #expect(LocalDateTime("2026-12-01T24:00") == nil)
        #expect(LocalDate(daysSinceEpoch: LocalDate("1969-12-31")!.daysSinceEpoch) == LocalDate("1969-12-31"))
    }

    /// The email `Date:` header, checked against Foundation's formatter (the oracle) over instants
    /// from 1950 to 2150, and on both sides of the epoch and leap days.
    @Test func rfc5322DatesMatchFoundationsFormatter() {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        var instants: [Double] = [0, -1, -86_400, 951_782_400, 1_796_000_000.75, 4_107_542_399]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 { instants.append(Double(Int64.random(in: -631_152_000...5_680_281_600, using: &rng))) }
        for t in instants {
            let date = Date(timeIntervalSince1970: t)
            #expect(Timestamp.rfc5322(date) == f.string(from: date), "\(t)")
        }
        #expect(Timestamp.rfc5322(Date(timeIntervalSince1970: 1_796_000_000)) == "Mon, 30 Nov 2026 00:53:20 +0000")
    }

    @Test func wallClockToInstantFollowsRFC5545AcrossDST() throws {
        let berlin = try #require(Zones.zone("Europe/Berlin"))
        // Ordinary winter and summer times.
        #expect(Zones.instant(of: LocalDateTime("2026-12-01T09:00")!, in: berlin) == Timestamp.parse("2026-12-01T08:00:00Z"))
        #expect(Zones.instant(of: LocalDateTime("2026-07-01T09:00")!, in: berlin) == Timestamp.parse("2026-07-01T07:00:00Z"))
        // 02:30 does not exist on 2026-03-29: moved forward by the gap to 03:30 CEST.
        #expect(Zones.instant(of: LocalDateTime("2026-03-29T02:30")!, in: berlin) == Timestamp.parse("2026-03-29T01:30:00Z"))
        // 02:30 happens twice on 2026-10-25: the first (CEST) is taken.
        #expect(Zones.instant(of: LocalDateTime("2026-10-25T02:30")!, in: berlin) == Timestamp.parse("2026-10-25T00:30:00Z"))
        let lordHowe = try #require(Zones.zone("Australia/Lord_Howe"))
        #expect(
            Zones.local(at: Zones.instant(of: LocalDateTime("2026-01-10T09:00")!, in: lordHowe), in: lordHowe) == LocalDateTime("2026-01-10T09:00"))
        #expect(Zones.zone("CET_NOT_A_ZONE") == nil)
        #expect(Zones.zone("Mars/Base") == nil)
    }

    @Test func timestampsRoundTrip() throws {
        let d = try #require(Timestamp.parse("2026-12-01T09:00:00.250+01:00"))
        #expect(Timestamp.millis(d) == "2026-12-01T08:00:00.250Z")
        #expect(Timestamp.seconds(d) == "2026-12-01T08:00:00Z")
        #expect(Timestamp.parse("2026-12-01 08:00") == nil)
        #expect(Timestamp.parse("2026-12-01T08:00:00+25:00") == nil)
    }
}

@Suite struct TaskInputTests {
    @Test func tagsAreNormalizedAndDeduplicated() throws {
        #expect(try TaskRules.tags(["#Work", "work", "home", " errands "]) == ["Work", "home", "errands"])
    }

    @Test func allDayDueIsOverdueFromTheNextDayInTheOwnersZone() throws {
        let due = try TaskRules.due("2026-11-29", defaultTimeZone: "America/New_York")
        #expect(due.at == Timestamp.parse("2026-11-29T05:00:00Z"))
        #expect(due.overdueAt == Timestamp.parse("2026-11-30T05:00:00Z"))
    }
}

@Suite struct QueryAndJSONTests {
    @Test func cursorsRoundTripAndRejectOtherSorts() throws {
        let cursor = Cursor(sort: "-due", value: .date(Timestamp.parse("2026-12-01T08:00:00.123Z")!), id: UUID.v7())
        let q = try TaskQuery(parameters: [("sort", "-due"), ("cursor", cursor.encoded)], timeZone: "UTC")
        #expect(q.after == cursor)
        #expect(throws: TodoError.self) { try TaskQuery(parameters: [("sort", "due"), ("cursor", cursor.encoded)], timeZone: "UTC") }
        #expect(throws: TodoError.self) { try TaskQuery(parameters: [("sort", "rank")], timeZone: "UTC") }
        #expect(try TaskQuery(parameters: [("q", "buy milk!")], timeZone: "UTC").sort == .init(.rank, descending: true))
    }

    @Test func jsonEscapesAndKeepsOrder() throws {
        let v: JSONValue = ["b": "line\nbreak \"quoted\" \u{1}", "a": [1, .double(2.5), true, nil]]
        #expect(v.serialized() == #"{"b":"line\nbreak \"quoted\" \u0001","a":[1,2.5,true,null]}"#)
        #expect(try JSONValue.parse(Data(v.serialized().utf8)) == v)
        #expect(throws: TodoError.self) { try JSONValue.parse(Data("{".utf8)) }
    }

    @Test func uuidV7SortsByTime() {
        let a = UUID.v7(at: Date(timeIntervalSince1970: 1_800_000_000))
        let b = UUID.v7(at: Date(timeIntervalSince1970: 1_800_000_001))
        #expect(a.lowercased < b.lowercased)
        #expect(a.uuidString.dropFirst(14).first == "7")
        #expect(UUID(canonical: a.lowercased) == a)
        #expect(UUID(canonical: a.uuidString) == a)
        #expect(UUID(canonical: "0193-not-a-uuid") == nil)
        #expect(UUID(canonical: String(a.lowercased.dropLast()) + "g") == nil)
        for _ in 0..<100 {
            let u = UUID()
            #expect(u.lowercased == u.uuidString.lowercased())
        }
    }
}

@Suite struct EventTests {
    @Test func partitionsAreStableAndSpread() {
        #expect(Topic.partition(forKey: "01a227b9-c4a3-7099-98db-f9ba9644e6c6") == Topic.partition(forKey: "01a227b9-c4a3-7099-98db-f9ba9644e6c6"))
        let used = Set((0..<500).map { _ in Topic.partition(forKey: UUID.v7().lowercased) })
        #expect(used == Set(0..<12))
        #expect(Topic.deadLetter("reminders") == "reminders-dlq")
    }
}
