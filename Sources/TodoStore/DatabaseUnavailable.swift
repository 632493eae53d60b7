import Logging
import Synchronization

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
final class OutageLog: Sendable {
    private let failing = Atomic(false)
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// Whether the last outcome was a failure.
    var isFailing: Bool { failing.load(ordering: .relaxed) }

    func failed(_ error: DatabaseUnavailable) {
        if !failing.exchange(true, ordering: .relaxed) {
            // String(reflecting:): PSQLError's description hides everything; its reflection
            // shows the server's message and SQLSTATE (never bound values).
            logger.warning(
                "Database unavailable; requests answer 503 and services retry until it is back",
                metadata: ["error": .string(String(reflecting: error.cause))])
        }
    }

    func succeeded() {
        // A plain load first: the common case (no outage) costs no write to shared memory.
        if failing.load(ordering: .relaxed), failing.exchange(false, ordering: .relaxed) {
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
