import Foundation
import Testing
import TodoCore

/// `Duration` is the one type of a span of time: how settings write one, and its arithmetic with
/// instants.
@Suite struct DurationTests {
    @Test func settingsWriteAWholeNumberAndAUnit() {
        #expect(Duration(setting: "500ms") == .milliseconds(500))
        #expect(Duration(setting: "30s") == .seconds(30))
        #expect(Duration(setting: "90m") == .minutes(90))
        #expect(Duration(setting: "36h") == .hours(36))
        #expect(Duration(setting: "7d") == .days(7))
        #expect(Duration(setting: "0s") == .zero)
        for bad in ["", "5", "m", "-5m", "1.5h", "5 m", "5w", "ms", "5M", "99999999999999999d"] {
            #expect(Duration(setting: bad) == nil, "\(bad)")
        }
    }

    @Test func instantsMoveByADuration() {
        let t = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(t + .minutes(2) == Date(timeIntervalSince1970: 1_800_000_120))
        #expect(t - .milliseconds(1500) == Date(timeIntervalSince1970: 1_799_999_998.5))
        #expect(Duration.between(t, t + .hours(3)) == .hours(3))
        #expect(Duration.between(t + .seconds(1), t) == .seconds(-1))
        #expect(Duration.days(1).inSeconds == 86_400)
    }
}
