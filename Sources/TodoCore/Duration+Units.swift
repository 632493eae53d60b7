import Foundation

/// `Duration` is the one type of a span of time here: settings, leases, retention, retries and
/// sleeps. These are the units metrics, logs and settings want from it, and the arithmetic with
/// `Date` (which counts in seconds as `Double`; that stays inside this file).
extension Duration {
    /// Whole nanoseconds (what swift-metrics' `Timer.recordNanoseconds` takes).
    public var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }

    /// Seconds as a `Double` (a `TimeInterval`).
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    public static func minutes(_ n: Int) -> Duration { .seconds(n * 60) }
    public static func hours(_ n: Int) -> Duration { .seconds(n * 3600) }
    public static func days(_ n: Int) -> Duration { .seconds(n * 86_400) }

    /// The span from `start` to `end` (negative when `end` is earlier), to the nanosecond.
    public static func between(_ start: Date, _ end: Date) -> Duration {
        .nanoseconds(Int64((end.timeIntervalSince(start) * 1e9).rounded()))
    }

    /// `500ms`, `30s`, `90m`, `36h`, `7d`: a whole number and a unit, as settings write it.
    public init?(setting text: String) {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (unit, milliseconds) in units where text.hasSuffix(unit) {
            let number = text.dropLast(unit.count)
            if let n = Int64(number), n >= 0, !(unit == "s" && number.hasSuffix("m")) {
                let (product, overflow) = n.multipliedReportingOverflow(by: milliseconds)
                guard !overflow else { return nil }
                self = .milliseconds(product)
                return
            }
        }
        return nil
    }
}

extension Date {
    public static func + (date: Date, duration: Duration) -> Date { date.addingTimeInterval(duration.inSeconds) }
    public static func - (date: Date, duration: Duration) -> Date { date.addingTimeInterval(-duration.inSeconds) }
}
