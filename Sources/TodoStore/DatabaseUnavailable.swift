import Logging
import Synchronization
import TodoCore

/// The database could not be reached, or the session was lost under the work: the server is
/// restarting or shutting down, the connection dropped, no new connection could be made. Nothing
/// of the transaction is kept (a connection lost during COMMIT is the one case where the outcome
/// is unknown). The work may be tried again later: the API answers 503 with `Retry-After`; a
/// background service backs off and retries; a consumer leaves its event uncommitted and reads
/// it again — an outage is never counted as one of an event's attempts, so it never dead-letters
/// an event.
public struct DatabaseUnavailable: Error, CustomStringConvertible {
    /// What the driver reported.
    public let cause: any Error
    public var description: String { "the database is unavailable: \(cause)" }
}

/// Whether `error` is a passing condition of the database rather than a fault of the work:
/// `DatabaseUnavailable`, or no pooled connection free in time (`PoolExhausted`).
public func isTransientDatabaseFailure(_ error: any Error) -> Bool {
    error is DatabaseUnavailable || error is PoolExhausted
}

/// One WARN when the database becomes unavailable and one INFO when it is back, per process —
/// however many requests and services meet the outage. Their own logs leave it out
/// (`Logger.failure`), so an outage reads as two lines, not an ERROR per attempt.
///
/// An outage ends at the first success at least `settle` after its last failure, not at the
/// first success: a restart ends the server's sessions one by one, so for a moment transactions
/// on sessions not yet ended succeed between those that fail — without the settle time one
/// restart read as three or four outages.
final class OutageLog: Sendable {
    /// Whether the last outcome was a failure.
    private let lastFailed = Atomic(false)
    /// Nanoseconds since `origin` of the open outage's last failure; 0 when none is open.
    private let lastFailure = Atomic<Int64>(0)
    private let origin = ContinuousClock.now
    private let settle: Duration
    let logger: Logger

    init(logger: Logger, settle: Duration = .seconds(1)) {
        self.logger = logger
        self.settle = settle
    }

    /// Whether the last outcome was a failure.
    var isFailing: Bool { lastFailed.load(ordering: .relaxed) }

    private func now() -> Int64 { max(1, (ContinuousClock.now - origin).nanoseconds) }

    func failed(_ error: DatabaseUnavailable) {
        lastFailed.store(true, ordering: .relaxed)
        if lastFailure.exchange(now(), ordering: .relaxed) == 0 {
            // String(reflecting:): PSQLError's description hides everything; its reflection
            // shows the server's message and SQLSTATE (never bound values).
            logger.warning(
                "Database unavailable; requests answer 503 and services retry until it is back",
                metadata: ["error": .string(String(reflecting: error.cause))])
        }
    }

    func succeeded() {
        // Plain loads first: the common case (no outage) costs no write to shared memory.
        if lastFailed.load(ordering: .relaxed) { lastFailed.store(false, ordering: .relaxed) }
        let since = lastFailure.load(ordering: .relaxed)
        guard since != 0 else { return }
        if now() - since >= settle.nanoseconds, lastFailure.compareExchange(expected: since, desired: 0, ordering: .relaxed).exchanged {
            logger.info("Database available again")
        }
    }
}

extension Logger {
    /// Logs a failure at `level`, except the database being unavailable or the pool exhausted:
    /// the database logs an outage once (`OutageLog`) and the pool each refusal, so those are
    /// DEBUG here.
    public func failure(
        _ message: @autoclosure () -> Logger.Message, _ error: any Error, level: Logger.Level = .error, metadata: Logger.Metadata = [:]
    ) {
        var metadata = metadata
        metadata["error"] = "\(error)"
        log(level: isTransientDatabaseFailure(error) ? .debug : level, message(), metadata: metadata)
    }
}
