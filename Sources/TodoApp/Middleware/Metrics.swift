import Foundation
import Hummingbird
import Metrics
import NIOCore
import Prometheus
import TodoCore
import TodoStore

/// The process's metrics: swift-metrics, exported by swift-prometheus from one registry.
/// `bootstrap()` once per process (the executable does; tests call it too, it is idempotent).
public enum AppMetrics {
    public static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped: Void = MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

    public static func bootstrap() { _ = bootstrapped }
}

/// `GET /metrics` (Prometheus text format) on every role. Values kept by the database rather
/// than by this process are read at scrape time: the outbox backlog (`todo_outbox_backlog`,
/// state `unsequenced`, and `unpublished` in Dapr mode) and the dead letters per topic
/// (`todo_dead_letters`). Consumer lag is exported by each consumer for the partitions it owns
/// (`kafka_consumer_lag`, `kafka_consumer_lag_seconds`).
struct MetricsRoutes {
    /// Where the gauges kept by the database come from; nil for `todo frontend`, which has none.
    let db: (any SQLDatabase)?
    let dapr: Bool

    func add(to router: Router<AppRequestContext>) {
        router.get("metrics") { _, _ in
            if let db { try? await refresh(db) }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(16 * 1024)
            AppMetrics.registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    func refresh(_ db: any SQLDatabase) async throws {
        let dapr = self.dapr
        let (unsequenced, unpublished, dead) = try await db.read { conn in
            let unsequenced = try await conn.first("SELECT COUNT(*) AS n FROM events WHERE log_offset IS NULL")!.int("n")
            let unpublished =
                dapr
                ? try await conn.first("SELECT COUNT(*) AS n FROM events WHERE published_at IS NULL AND log_offset IS NOT NULL")!.int("n") : 0
            let dead = try await conn.query("SELECT topic, COUNT(*) AS n FROM dead_letters WHERE state = 'dead' GROUP BY topic")
                .map { (try $0.string("topic"), try $0.int("n")) }
            return (unsequenced, unpublished, dead)
        }
        if let pg = db as? TodoStore.PostgresDatabase, let sessions = try? await pg.sessionCounts() {
            // The scrape's own session is open and active; the notification listener's counts as idle.
            Gauge(label: "db_pool_connections", dimensions: [("state", "open")]).record(sessions.open)
            Gauge(label: "db_pool_connections", dimensions: [("state", "idle")]).record(sessions.idle)
        }
        Gauge(label: "todo_outbox_backlog", dimensions: [("state", "unsequenced")]).record(unsequenced)
        if dapr { Gauge(label: "todo_outbox_backlog", dimensions: [("state", "unpublished")]).record(unpublished) }
        let counts = Dictionary(dead, uniquingKeysWith: +)
        for topic in Set(Topic.consumed.map(\.rawValue)).union(counts.keys) {
            Gauge(label: "todo_dead_letters", dimensions: [("topic", topic)]).record(counts[topic] ?? 0)
        }
    }
}
