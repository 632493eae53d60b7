import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// What a committed transaction tells the services that wait for it. On PostgreSQL a channel is
/// a `LISTEN`/`NOTIFY` channel (so other processes hear it too, at commit); on SQLite, where
/// every service runs in one process, the database signals its own waiters after the commit.
public enum SignalChannel: String, Sendable, CaseIterable {
    /// Events were appended to the outbox (the log sequencer has work).
    case outbox = "todo_outbox"
    /// Events received log offsets (consumers have work).
    case log = "todo_log"
    /// Reminders were added, moved or cancelled (the reminder scheduler re-reads its next time).
    case reminders = "todo_reminders"
    /// In-app notifications were added or read (live streams push them).
    case notifications = "todo_notifications"
    /// Email deliveries were queued (the delivery worker sends them).
    case deliveries = "todo_deliveries"
    /// Webhook deliveries were queued or put back (the webhook worker sends them).
    case webhooks = "todo_webhooks"
}

/// A level-triggered wake-up: `signal()` bumps a generation; `wait(since:timeout:)` returns as
/// soon as the generation differs from the one the caller saw before it last looked for work,
/// so a signal that arrives while the caller is busy is never lost.
public final class Wakeup: Sendable {
    private struct State {
        var generation = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public var generation: Int { state.withLock { $0.generation } }

    public func signal() {
        let waiters = state.withLock { s in
            s.generation &+= 1
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume() }
    }

    /// Returns when signalled after generation `seen`, after `timeout`, or when the task is
    /// cancelled or graceful shutdown begins — whichever comes first.
    public func wait(since seen: Int, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await sleepUnlessShuttingDown(for: timeout) }
            group.addTask { await self.signalled(after: seen) }
            await group.next()
            group.cancelAll()
        }
    }

    private func signalled(after seen: Int) async {
        let id = state.withLock { s in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s in
                    if s.generation != seen || Task.isCancelled { return true }
                    s.waiters[id] = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}

/// The channels a transaction signals once it has committed (collected, then sent once).
final class PendingSignals: Sendable {
    private let pending = Mutex((wanted: Set<SignalChannel>(), sent: Set<SignalChannel>()))
    func add(_ channel: SignalChannel) { pending.withLock { _ = $0.wanted.insert(channel) } }
    /// A statement of the transaction carried the NOTIFY already (PostgreSQL).
    func sent(_ channel: SignalChannel) { pending.withLock { _ = $0.sent.insert(channel) } }
    /// The channels still to notify before commit.
    var channels: Set<SignalChannel> { pending.withLock { $0.wanted.subtracting($0.sent) } }
}

/// One `Wakeup` per channel, owned by a database.
public final class DatabaseSignals: Sendable {
    let wakeups: [SignalChannel: Wakeup]

    public init() {
        wakeups = Dictionary(uniqueKeysWithValues: SignalChannel.allCases.map { ($0, Wakeup()) })
    }

    public subscript(channel: SignalChannel) -> Wakeup { wakeups[channel]! }

    func signal(_ channels: some Sequence<SignalChannel>) {
        for c in channels { self[c].signal() }
    }
}

extension PostgresSignalListener {
    /// LISTENs on each channel in turn (postgres-nio scopes a LISTEN to a closure), then runs
    /// `body` with all the notification streams.
    static func listen(
        _ conn: PostgresConnection, to channels: ArraySlice<SignalChannel>, streams: [(SignalChannel, PostgresNotificationSequence)],
        body: @Sendable ([(SignalChannel, PostgresNotificationSequence)]) async throws -> Void
    ) async throws {
        guard let channel = channels.first else { return try await body(streams) }
        try await conn.listen(on: channel.rawValue) { stream in
            try await listen(conn, to: channels.dropFirst(), streams: streams + [(channel, stream)], body: body)
        }
    }
}

/// On PostgreSQL: holds one pooled connection that `LISTEN`s on every channel and signals this
/// process's waiters. If the connection drops it reconnects (after a second); meanwhile the
/// waiters fall back to their timeouts, and on reconnect every channel is signalled once, so
/// nothing committed during the gap waits for a timeout.
public struct PostgresSignalListener: Service {
    let db: PostgresDatabase
    let logger: Logger

    public init(db: PostgresDatabase, logger: Logger) {
        self.db = db
        self.logger = logger
    }

    public func run() async throws {
        let signals = db.signals
        let failing = Mutex(false)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown {
                    try await db.client.withConnection { conn in
                        try await Self.listen(conn, to: SignalChannel.allCases[...], streams: []) { streams in
                            if failing.withLock({ f in
                                defer { f = false }
                                return f
                            }) {
                                logger.info("Listening for database notifications again")
                            }
                            signals.signal(SignalChannel.allCases)
                            try await withThrowingTaskGroup(of: Void.self) { group in
                                for (channel, stream) in streams {
                                    group.addTask { for try await _ in stream { signals[channel].signal() } }
                                }
                                try await group.next()
                                group.cancelAll()
                            }
                        }
                    }
                }
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                if !failing.withLock({ f in
                    defer { f = true }
                    return f
                }) {
                    logger.warning("Database notifications lost; services poll until they are back", metadata: ["error": "\(error)"])
                }
            }
            await sleepUnlessShuttingDown(for: .seconds(1))
        }
    }
}
