import PostgresNIO
import Synchronization

/// Hands a leased connection from the child task that holds the lease to the caller, and the
/// caller's "done" back (`PostgresDatabase.lease`). Each side waits on a continuation of its own;
/// whichever of delivered, failed and timed out comes first is the outcome.
final class LeaseHandoff: Sendable {
    enum Outcome: Sendable {
        case connection(PostgresConnection)
        case failed(any Error)
        case timedOut
    }

    private struct State {
        var outcome: Outcome?
        var caller: CheckedContinuation<Outcome, Never>?
        var isReleased = false
        var holder: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// The caller: waits for the outcome.
    func outcome() async -> Outcome {
        await withCheckedContinuation { c in
            let ready = state.withLock { s -> Outcome? in
                if let outcome = s.outcome { return outcome }
                s.caller = c
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }

    /// The first outcome wins; a connection delivered too late is released at once.
    private func settle(_ outcome: Outcome) {
        let caller = state.withLock { s -> CheckedContinuation<Outcome, Never>? in
            guard s.outcome == nil else {
                if case .connection = outcome { s.isReleased = true }
                return nil
            }
            s.outcome = outcome
            defer { s.caller = nil }
            return s.caller
        }
        caller?.resume(returning: outcome)
    }

    func deliver(_ conn: PostgresConnection) { settle(.connection(conn)) }
    func fail(_ error: any Error) { settle(.failed(error)) }
    func expire() { settle(.timedOut) }

    /// The caller is done with the connection (or never took it).
    func release() {
        let holder = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.isReleased = true
            defer { s.holder = nil }
            return s.holder
        }
        holder?.resume()
    }

    /// The lease holder: waits until the caller is done.
    func released() async {
        await withCheckedContinuation { c in
            let now = state.withLock { s in
                if s.isReleased { return true }
                s.holder = c
                return false
            }
            if now { c.resume() }
        }
    }
}
