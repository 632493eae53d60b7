import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import TodoCore
import TodoEvents
import TodoStore

/// Checks the role's dependency (the database; the backend for `todo frontend`) once a second in
/// the background, so `/health/ready` answers at once from the last result (probes never wait on a
/// dead dependency, and never load a live one).
public final class ReadinessProbe: Service, Sendable {
    struct State {
        var ready = false
        var detail = "not checked yet"
        var checkedAt: Date?
    }

    /// What is checked: the key under `checks` in the answer, and the word in the log lines.
    let dependency: String
    let ping: @Sendable () async throws -> Void
    let logger: Logger
    let interval: Duration
    private let state = NIOLockedValueBox(State())
    private let draining = NIOLockedValueBox(false)

    /// From now on `/health/ready` answers 503 `draining` (shutdown has begun), whatever the database.
    public func startDraining() { draining.withLockedValue { $0 = true } }

    public convenience init(db: any SQLDatabase, logger: Logger, interval: Duration = .seconds(1)) {
        self.init(dependency: "database", logger: logger, interval: interval) { try await db.ping() }
    }

    public init(dependency: String, logger: Logger, interval: Duration = .seconds(1), ping: @escaping @Sendable () async throws -> Void) {
        self.dependency = dependency
        self.ping = ping
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await check()
            await sleepUnlessShuttingDown(for: interval)
        }
    }

    /// Pings the dependency (the ping itself is bounded: two seconds), and records the outcome.
    public func check() async {
        let started = ContinuousClock.now
        do {
            try await ping()
            let ms = (ContinuousClock.now - started).nanoseconds / 1_000_000
            let wasReady = state.withLockedValue { s in
                let was = s.ready
                s = State(ready: true, detail: "ok", checkedAt: Date())
                return was
            }
            if !wasReady { logger.info("\(dependency.capitalized) reachable", metadata: ["ping_ms": "\(ms)"]) }
        } catch {
            let wasReady = state.withLockedValue { s in
                let was = s.ready
                s = State(ready: false, detail: "unreachable", checkedAt: Date())
                return was
            }
            if wasReady { logger.warning("Not ready: \(dependency) unreachable", metadata: ["error": "\(error)"]) }
        }
    }

    var json: (Bool, JSONValue) {
        let s = state.withLockedValue { $0 }
        if draining.withLockedValue({ $0 }) {
            return (false, .object([("status", "draining"), ("checks", .object([(dependency, .string(s.detail))]))]))
        }
        return (
            s.ready,
            .object([
                ("status", .string(s.ready ? "ok" : "unavailable")),
                ("checks", .object([(dependency, .string(s.detail))])),
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

/// The first step of a graceful shutdown (SIGTERM): `/health/ready` turns 503 at once, and the
/// server keeps serving for `delay` (`SHUTDOWN_DELAY`) so load balancers and Kubernetes endpoints
/// stop sending new requests before it stops accepting them; then the application shuts down
/// (in-flight requests finish, consumers commit and leave their groups) and the process exits 0.
/// Runs after the application in the role's service group, so it is the first to be told.
public struct DrainOnShutdown: Service {
    let probe: ReadinessProbe
    let delay: Duration
    let logger: Logger

    public init(probe: ReadinessProbe, delay: Duration, logger: Logger) {
        self.probe = probe
        self.delay = delay
        self.logger = logger
    }

    public func run() async throws {
        try? await gracefulShutdown()
        guard !Task.isCancelled else { return }
        Self.armWatchdog(after: delay + .seconds(10), logger: logger)
        probe.startDraining()
        logger.info("Shutting down: not ready from now on", metadata: ["drain_seconds": "\(delay.components.seconds)"])
        if delay > .zero { try? await Task.sleep(for: delay) }
    }

    /// The last resort of the shutdown bound: if the process is still running `bound` after
    /// SIGTERM (the service group's cancellation did not end it either), log it and exit 1. On a
    /// Dispatch queue, outside Swift's cooperative pool, so it fires even if that pool is stuck.
    static func armWatchdog(after bound: Duration, logger: Logger) {
        DispatchQueue.global().asyncAfter(deadline: .now() + bound.inSeconds) {
            logger.error("Shutdown did not finish in time; exiting", metadata: ["bound_seconds": "\(Int(bound.inSeconds))"])
            exit(1)
        }
    }
}
