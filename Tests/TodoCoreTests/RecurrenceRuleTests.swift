import Foundation
import Testing
import TodoCore

@Suite struct RFC5545ConformanceTests {
    static let newYork = Zones.zone("America/New_York")!

    @Test(arguments: rfc5545Examples.map(\.name))
    func example(_ name: String) throws {
        let example = rfc5545Examples.first { $0.name == name }!
        let rule = try RecurrenceRule(parsing: example.rule)
        var instances = rule.expand(start: LocalDateTime(example.start)!, zone: Self.newYork, limit: (example.limit ?? 1000) + 1)
            .map(\.local.description)
        if name == "fridayThe13th" { instances.removeFirst() }  // the RFC removes DTSTART with EXDATE
        if let limit = example.limit { instances = Array(instances.prefix(limit)) }
        #expect(instances == example.expected)
    }

    @Test func instantsFollowWallClockAcrossDST() throws {
        // 09:00 stays 09:00 in New York across the end of DST on 1997-10-26.
        let rule = try RecurrenceRule(parsing: "FREQ=DAILY;COUNT=3")
        let o = rule.expand(start: LocalDateTime("1997-10-25T09:00")!, zone: Self.newYork, limit: 10)
        #expect(o.map { Timestamp.seconds($0.at) } == ["1997-10-25T13:00:00Z", "1997-10-26T14:00:00Z", "1997-10-27T14:00:00Z"])
    }
}

@Suite struct RecurrenceRuleTests {
    @Test(arguments: [
        "FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=-1SU,1SU", "FREQ=YEARLY;UNTIL=20271231T235959Z;BYMONTH=2,8;BYMONTHDAY=-2",
        "FREQ=DAILY;UNTIL=20270331", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2", "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO;WKST=SU",
        "FREQ=DAILY;BYHOUR=9,17;BYMINUTE=0,30", "FREQ=YEARLY;INTERVAL=3;BYYEARDAY=-1,1,100",
    ])
    func printsCanonicallyAndParsesBack(_ text: String) throws {
        let rule = try RecurrenceRule(parsing: text)
        let again = try RecurrenceRule(parsing: rule.description)
        #expect(again == rule)
        #expect(again.description == rule.description)
    }

    @Test func normalizesOrderCaseAndPrefix() throws {
        let rule = try RecurrenceRule(parsing: "rrule:freq=weekly;byday=we,mo,mo;interval=1;wkst=mo")
        #expect(rule.description == "FREQ=WEEKLY;BYDAY=MO,WE")
    }

    @Test(arguments: [
        ("", "FREQ"), ("BYDAY=MO", "FREQ"), ("FREQ=SECONDLY", "FREQ"), ("FREQ=FORTNIGHTLY", "FREQ"), ("FREQ=DAILY;INTERVAL=0", "INTERVAL"),
        ("FREQ=DAILY;INTERVAL=100000", "INTERVAL"), ("FREQ=DAILY;COUNT=99999999", "COUNT"), ("FREQ=DAILY;COUNT=2;UNTIL=20270101", "COUNT"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY"), ("FREQ=WEEKLY;BYDAY=2MO", "BYDAY"), ("FREQ=MONTHLY;BYDAY=60MO", "BYDAY"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY"), ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"), ("FREQ=DAILY;BYMONTH=13", "BYMONTH"),
        ("FREQ=MONTHLY;BYWEEKNO=3", "BYWEEKNO"), ("FREQ=WEEKLY;BYMONTHDAY=3", "BYMONTHDAY"), ("FREQ=DAILY;BYYEARDAY=3", "BYYEARDAY"),
        ("FREQ=DAILY;BYSETPOS=1", "BYSETPOS"), ("FREQ=DAILY;UNTIL=2027", "UNTIL"), ("FREQ=DAILY;FREQ=WEEKLY", "FREQ"),
        ("FREQ=DAILY;COLOR=RED", "COLOR"), ("FREQ=DAILY;BYHOUR=24", "BYHOUR"), ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "BYMONTHDAY"),
        ("FREQ=DAILY;INTERVAL", "INTERVAL"),
    ])
    func invalidRulesNameThePart(_ text: String, _ part: String) {
        #expect(throws: RecurrenceError.self) { try RecurrenceRule(parsing: text) }
        do {
            _ = try RecurrenceRule(parsing: text)
        } catch {
            #expect(error.part == part, "\(text): \(error)")
        }
    }

    @Test func boundedWorkForRulesWithFewOrNoInstances() throws {
        let utc = Zones.zone("UTC")!
        // Feb 29 on a Monday: rare but real (2044, 2072, …).
        let rare = try RecurrenceRule(parsing: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO")
        let clock = ContinuousClock()
        var found: [Occurrence] = []
        let elapsed = clock.measure { found = rare.expand(start: LocalDateTime("2026-01-01T09:00")!, zone: utc, limit: 3) }
        #expect(found.map(\.local.date.description) == ["2026-01-01", "2044-02-29", "2072-02-29"])
        #expect(elapsed < .seconds(1))
        // Friday the 31st of February never happens: the series ends instead of looping.
        let never = try RecurrenceRule(parsing: "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=-29;BYDAY=FR;BYSETPOS=5")
        #expect(never.expand(start: LocalDateTime("2026-01-01T09:00")!, zone: utc, limit: 3).count == 1)
        // A sub-daily rule that matches a few minutes every four years skips whole days.
        let start = LocalDateTime("2026-03-01T00:00")!
        let minutely = try RecurrenceRule(parsing: "FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=9;BYMINUTE=0,7,14")
        #expect(minutely.next(start: start, zone: utc, after: Timestamp.parse("2026-03-01T00:00:00Z")!)?.local.description == "2028-02-29T09:00")
        // With INTERVAL=7 the minutes must also fall on the 7-minute grid from the start.
        let sparse = try RecurrenceRule(parsing: "FREQ=MINUTELY;INTERVAL=7;BYMONTH=2;BYMONTHDAY=29;BYHOUR=9;BYMINUTE=0,7,14")
        var hit: Occurrence?
        let sparseTime = clock.measure { hit = sparse.next(start: start, zone: utc, after: Timestamp.parse("2026-03-01T00:00:00Z")!) }
        let found2 = try #require(hit)
        #expect(found2.local.date.month == 2 && found2.local.date.day == 29 && found2.local.hour == 9)
        #expect([0, 7, 14].contains(found2.local.minute))
        #expect((found2.local.secondsSinceEpochAsUTC - start.secondsSinceEpochAsUTC) / 60 % 7 == 0)
        #expect(sparseTime < .seconds(1))
    }

    @Test func dstGapsMoveForwardAndOverlapsTakeTheFirst() throws {
        let berlin = Zones.zone("Europe/Berlin")!
        let daily = try RecurrenceRule(parsing: "FREQ=DAILY;COUNT=3")
        let gap = daily.expand(start: LocalDateTime("2026-03-28T02:30")!, zone: berlin, limit: 3)
        #expect(gap.map { Timestamp.seconds($0.at) } == ["2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"])
        let overlap = daily.expand(start: LocalDateTime("2026-10-24T02:30")!, zone: berlin, limit: 3)
        #expect(overlap.map { Timestamp.seconds($0.at) } == ["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"])
        // Lord Howe moves by 30 minutes; 02:15 does not exist on 2026-10-04.
        let lordHowe = Zones.zone("Australia/Lord_Howe")!
        let lh = daily.expand(start: LocalDateTime("2026-10-03T02:15")!, zone: lordHowe, limit: 3)
        #expect(lh.map { Zones.local(at: $0.at, in: lordHowe).description } == ["2026-10-03T02:15", "2026-10-04T02:45", "2026-10-05T02:15"])
        // Samoa skipped 2011-12-30 entirely: a daily series goes from the 29th to the 31st.
        let apia = Zones.zone("Pacific/Apia")!
        let samoa = try RecurrenceRule(parsing: "FREQ=DAILY").expand(start: LocalDateTime("2011-12-29T09:00")!, zone: apia, limit: 3)
        #expect(samoa.map { Zones.local(at: $0.at, in: apia).description } == ["2011-12-29T09:00", "2011-12-31T09:00", "2012-01-01T09:00"])
        #expect(samoa[1].at.timeIntervalSince(samoa[0].at) == 24 * 3600)
    }

    @Test func monthEndsAndLeapDaysSkipMonthsThatLackThem() throws {
        let utc = Zones.zone("UTC")!
        let monthly31 = try RecurrenceRule(parsing: "FREQ=MONTHLY;COUNT=4")
        #expect(
            monthly31.expand(start: LocalDateTime("2026-01-31T09:00")!, zone: utc, limit: 9).map(\.local.date.description)
                == ["2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31"])
        let leap = try RecurrenceRule(parsing: "FREQ=YEARLY;COUNT=3")
        #expect(
            leap.expand(start: LocalDateTime("2024-02-29T09:00")!, zone: utc, limit: 9).map(\.local.date.description)
                == ["2024-02-29", "2028-02-29", "2032-02-29"])
        let lastDay = try RecurrenceRule(parsing: "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3")
        #expect(
            lastDay.expand(start: LocalDateTime("2028-01-31T09:00")!, zone: utc, limit: 9).map(\.local.date.description)
                == ["2028-01-31", "2028-02-29", "2028-03-31"])
    }

    @Test func untilInUTCAndLocalAndAllDay() throws {
        let ny = Zones.zone("America/New_York")!
        let utcUntil = try RecurrenceRule(parsing: "FREQ=DAILY;UNTIL=19970904T130000Z")  // 09:00 EDT exactly
        #expect(utcUntil.expand(start: LocalDateTime("1997-09-02T09:00")!, zone: ny, limit: 9).count == 3)
        let early = try RecurrenceRule(parsing: "FREQ=DAILY;UNTIL=19970904T125959Z")
        #expect(early.expand(start: LocalDateTime("1997-09-02T09:00")!, zone: ny, limit: 9).count == 2)
        let floating = try RecurrenceRule(parsing: "FREQ=DAILY;UNTIL=19970904T090000")
        #expect(floating.expand(start: LocalDateTime("1997-09-02T09:00")!, zone: ny, limit: 9).count == 3)
        let dateUntil = try RecurrenceRule(parsing: "FREQ=DAILY;UNTIL=19970904")
        #expect(dateUntil.expand(start: LocalDateTime("1997-09-02T09:00")!, zone: ny, limit: 9).count == 3)
    }

    @Test func nextSkipsToTheFirstInstanceAfterAMoment() throws {
        let utc = Zones.zone("UTC")!
        let weekly = try RecurrenceRule(parsing: "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5")
        let next = weekly.next(start: LocalDateTime("2026-11-02T09:00")!, zone: utc, after: Timestamp.parse("2026-11-10T00:00:00Z")!)
        #expect(next == Occurrence(index: 3, local: LocalDateTime("2026-11-11T09:00")!, at: Timestamp.parse("2026-11-11T09:00:00Z")!))
        #expect(weekly.next(start: LocalDateTime("2026-11-02T09:00")!, zone: utc, after: Timestamp.parse("2026-11-17T00:00:00Z")!) == nil)
        // Counting from a later occurrence keeps the series' COUNT.
        #expect(
            weekly.next(start: LocalDateTime("2026-11-11T09:00")!, startIndex: 3, zone: utc, after: Timestamp.parse("2026-11-11T09:00:00Z")!)?.index
                == 4)
        #expect(
            weekly.next(start: LocalDateTime("2026-11-16T09:00")!, startIndex: 4, zone: utc, after: Timestamp.parse("2026-11-16T09:00:00Z")!) == nil)
    }

    @Test(arguments: [
        ("FREQ=WEEKLY;INTERVAL=2;COUNT=10;BYDAY=MO,WE", "Every 2 weeks on Monday and Wednesday, 10 times"),
        ("FREQ=DAILY", "Every day"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "Every weekday"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "Every month on the last Friday"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "Every month on the 15th"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", "Every month on the last day"),
        ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1", "Every 3 months on the 1st"),
        ("FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=30", "Every year on April 30"),
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2", "Every month on the second-to-last weekday"),
        ("FREQ=DAILY;UNTIL=20270331", "Every day, until March 31, 2027"),
        ("FREQ=DAILY;BYHOUR=9,17", "Every day at 09:00 and 17:00"),
    ])
    func englishDescriptions(_ rule: String, _ text: String) throws {
        #expect(try RecurrenceRule(parsing: rule).englishDescription == text)
    }

    @Test func presetsAreRules() {
        #expect(RecurrencePreset.weekdays.rule.description == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
        #expect(RecurrencePreset.everyNWeeks(2, on: [.wednesday, .monday]).rule.description == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE")
        #expect(RecurrencePreset.monthlyOnLast(.friday).rule.description == "FREQ=MONTHLY;BYDAY=-1FR")
        #expect(RecurrencePreset.monthlyOnDay(15).rule.description == "FREQ=MONTHLY;BYMONTHDAY=15")
    }
}
