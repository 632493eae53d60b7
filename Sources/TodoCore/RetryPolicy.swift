import Foundation

/// How work that failed is retried: up to `maxAttempts` attempts, the n-th wait drawn at random
/// (jitter, so replicas that failed together do not retry together) below base·2ⁿ⁻¹, capped.
/// One type for every retry in the system; each kind of work has its configuration:
/// - `consumer`: an event whose handler failed (5 attempts, 200 ms doubling to 30 s, full jitter;
///   `CONSUMER_RETRY_<TOPIC>`), then the dead letters;
/// - `email`: an email delivery (10 attempts, 1 s doubling to 10 min, 50–100 %, about 17 minutes
///   in all; `EMAIL_RETRY`), then `reminders-dlq`;
/// - `serviceLoop`: a background loop's pass while failures last (250 ms doubling to 10 s,
///   50–100 %, never giving up).
public struct RetryPolicy: Sendable, Equatable {
    /// What part of the ceiling a wait may take.
    public enum Jitter: Sendable, Equatable {
        /// 0–100 % ("full jitter").
        case full
        /// 50–100 %: never much shorter than the ceiling.
        case half
    }

    public var maxAttempts: Int
    public var base: Duration
    public var cap: Duration
    public var jitter: Jitter

    public init(maxAttempts: Int = 5, base: Duration = .milliseconds(200), cap: Duration = .seconds(30), jitter: Jitter = .full) {
        self.maxAttempts = maxAttempts
        self.base = base
        self.cap = cap
        self.jitter = jitter
    }

    public static let consumer = RetryPolicy()
    public static let email = RetryPolicy(maxAttempts: 10, base: .seconds(1), cap: .seconds(600), jitter: .half)
    public static let serviceLoop = RetryPolicy(maxAttempts: .max, base: .milliseconds(250), cap: .seconds(10), jitter: .half)

    /// The wait after attempt (or consecutive failure) `n`, counting from 1.
    public func delay(afterAttempt n: Int) -> Duration {
        let ceiling = min(cap.inSeconds, base.inSeconds * pow(2, Double(min(max(n, 1), 40) - 1)))
        let share = jitter == .full ? Double.random(in: 0...1) : Double.random(in: 0.5...1)
        return .milliseconds(Int((ceiling * share * 1000).rounded(.down)))
    }

    /// Whether attempt `n` was the last one.
    public func isExhausted(after n: Int) -> Bool { n >= maxAttempts }
}
