import Foundation
import Testing
import TodoCore

/// The manual order's keys: always room between two different keys, never a key ending in the
/// smallest digit, clock keys in time order, rebalanced keys short and below the clock.
@Suite struct PositionTests {
    @Test func betweenIsStrictlyBetweenAndStaysValid() throws {
        var rng = SystemRandomNumberGenerator()
        var keys: [Position] = [Position.at(Date(timeIntervalSince1970: 1_800_000_000))]
        for _ in 0..<2_000 {
            let i = Int.random(in: 0...keys.count, using: &rng)
            let low = i > 0 ? keys[i - 1] : nil
            let high = i < keys.count ? keys[i] : nil
            let key = Position.between(low, high)
            if let low { #expect(low < key) }
            if let high { #expect(key < high) }
            #expect(Position(key.key) == key, "\(key) is not a valid key")
            keys.insert(key, at: i)
        }
        #expect(keys == keys.sorted())
        #expect(Set(keys).count == keys.count)
    }

    @Test func splittingOneSpotGrowsSlowly() {
        var low = Position("V")!
        let high = Position("W")!
        for _ in 0..<200 { low = Position.between(low, high) }
        // Each split of the same gap adds about one digit in six.
        #expect(low.key.count < 60 && low < high)
    }

    @Test func clockKeysSortByTimeAndEndStaysBelowLaterClockKeys() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let a = Position.at(t0)
        let b = Position.at(t0.addingTimeInterval(0.001))
        let c = Position.at(t0.addingTimeInterval(86_400 * 365 * 50))
        #expect(a < b && b < c)
        #expect(a.key.count >= 9 && !a.key.hasSuffix("0"))
        // "Move to the end" at t0 + 1 s, after a key from t0: the clock's own key, so a task
        // created later still sorts after it.
        let end = Position.end(after: a, now: t0.addingTimeInterval(1))
        #expect(a < end && end < Position.at(t0.addingTimeInterval(2)))
        // After a key above the clock (an earlier split), end goes after that key.
        let high = Position("z")!
        #expect(high < Position.end(after: high, now: t0))
    }

    @Test func gapRefusesEqualKeys() {
        let k = Position("t1")!
        #expect(Position.gap(k, k, now: Date()) == nil)
        #expect(Position.gap(nil, k, now: Date())! < k)
    }

    @Test func evenlyIsOrderedShortAndBelowTheClock() {
        let now = Date(timeIntervalSince1970: 1_900_000_000)
        for n in [1, 2, 61, 62, 63, 3_000] {
            let keys = Position.evenly(n, before: now)
            #expect(keys.count == n)
            #expect(keys == keys.sorted() && Set(keys).count == n)
            #expect(keys.last! < Position.at(now))
            #expect(keys.allSatisfy { $0.key.count <= 12 && Position($0.key) == $0 })
        }
    }

    @Test func invalidKeysAreRefused() {
        for bad in ["", "V0", "a-b", "é", String(repeating: "V", count: 256)] { #expect(Position(bad) == nil) }
    }
}

@Suite struct DueLabelTests {
    @Test func datesReadTheWayPeopleSayThem() {
        let today = LocalDate("2026-12-03")!  // a Thursday
        let cases: [(String, String)] = [
            ("2026-12-03", "Today"), ("2026-12-04", "Tomorrow"), ("2026-12-02", "Yesterday"), ("2026-12-05", "Sat"), ("2026-12-09", "Wed"),
            ("2026-12-10", "Thu 10 Dec"), ("2026-11-30", "Mon 30 Nov"), ("2027-01-04", "Mon 4 Jan 2027"),
        ]
        for (date, label) in cases { #expect(DueLabel.text(.allDay(LocalDate(date)!), today: today) == label) }
        #expect(DueLabel.text(.dateTime(LocalDateTime("2026-12-03T09:05")!, timeZone: "UTC"), today: today) == "Today 09:05")
    }
}
