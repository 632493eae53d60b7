import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import TodoCore
import TodoEvents
import TodoStore

/// Checks the database once a second in the background, so `/health/ready` answers at once from
/// the last result (probes never wait on a dead database, and never load a live one).
public final class ReadinessProbe: Service, Sendable {
    struct State {
        var ready = false
        var detail = "not checked yet"
        var checkedAt: Date?
    }

    let db: any SQLDatabase
    let logger: Logger
    let interval: Duration
    private let state = NIOLockedValueBox(State())

    public init(db: any SQLDatabase, logger: Logger, interval: Duration = .seconds(1)) {
        self.db = db
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await check()
            await sleepUnlessShuttingDown(for: interval)
        }
    }

    /// Pings the database, waiting at most two seconds, and records the outcome.
    public func check() async {
        let started = ContinuousClock.now
        do {
            try await db.ping()
            let ms = (ContinuousClock.now - started).components.attoseconds / 1_000_000_000_000_000
            let wasReady = state.withLockedValue { s in
                let was = s.ready
                s = State(ready: true, detail: "ok", checkedAt: Date())
                return was
            }
            if !wasReady { logger.info("Database reachable", metadata: ["ping_ms": "\(ms)"]) }
        } catch {
            let wasReady = state.withLockedValue { s in
                let was = s.ready
                s = State(ready: false, detail: "unreachable", checkedAt: Date())
                return was
            }
            if wasReady { logger.error("Database unreachable", metadata: ["error": "\(error)"]) }
        }
    }

    var json: (Bool, JSONValue) {
        let s = state.withLockedValue { $0 }
        return (
            s.ready,
            .object([
                ("status", .string(s.ready ? "ok" : "unavailable")),
                ("checks", .object([("database", .string(s.detail))])),
                ("checked_at", s.checkedAt.map { .string(Timestamp.millis($0)) } ?? .null),
            ])
        )
    }
}

struct HealthRoutes {
    let probe: ReadinessProbe
    let service: String

    func add(to router: Router<AppRequestContext>) {
        router.get("health") { _, _ in
            Response.json(.object([("status", "ok"), ("service", .string(service))]), headers: [.cacheControl: "no-store"])
        }
        router.get("health/live") { _, _ in Response.json(.object([("status", "ok")])) }
        router.get("health/ready") { _, _ in
            let (ready, body) = probe.json
            return Response.json(body, status: ready ? .ok : .serviceUnavailable, headers: [.cacheControl: "no-store"])
        }
    }
}
