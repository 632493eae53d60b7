import Foundation
import Logging
import Testing
import TodoApp
import TodoCore
import TodoEvents
import TodoStore
import TodoTesting

/// `EVENT_TRANSPORT=dapr` against the documented sidecar contract. No daprd can run here: these
/// tests use `StandInDaprSidecar`, a stand-in written from `../shared/reference/dapr-contract.md`.
@Suite struct DaprTransportTests {
    static func dapr(_ config: inout AppConfiguration) { config.eventTransport = .dapr }

    static func relay(_ api: APIClient, port: Int) -> DaprRelay {
        var settings = DaprSettings()
        settings.httpPort = port
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return DaprRelay(db: api.services.db, sidecar: DaprSidecar(settings: settings), logger: logger, batch: 3)
    }

    static func unpublished(_ db: any SQLDatabase) async throws -> Int {
        try await db.read { conn in try await conn.first("SELECT COUNT(*) AS n FROM events WHERE published_at IS NULL")!.int("n") }
    }

    @Test(arguments: TestDatabase.available)
    func theRelayPublishesInOrderWithPartitionKeysAndMarksOnlyWhatGot204(_ kind: TestDatabase) async throws {
        let sidecar = StandInDaprSidecar()
        try await sidecar.run { port in
            try await TestApp.run(kind, configure: Self.dapr) { api in
                let relay = Self.relay(api, port: port)
                let alice = try await api.signIn()
                let bob = try await api.signIn()
                let trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
                for i in 0..<3 {
                    _ = try await api.createTask(alice, ["title": .string("A\(i)")])
                    _ = try await api.send(
                        .post, "/api/v1/tasks", token: bob, json: ["title": .string("B\(i)")], headers: [.init("traceparent")!: trace])
                }
                while try await EventLog(db: api.services.db).sequence() > 0 {}
                let total = try await Self.unpublished(api.services.db)
                #expect(total == 6)

                // The broker is down: nothing is marked, nothing is lost.
                sidecar.set { $0.failPublishes = 1000 }
                await #expect(throws: DaprError.self) { try await relay.relayOnce() }
                let afterOutage = try await Self.unpublished(api.services.db)
                #expect(afterOutage == total)

                // It fails after two publishes: those two are marked, the rest wait.
                sidecar.set {
                    $0.failPublishes = 0
                    $0.failAfter = 2
                }
                await #expect(throws: DaprError.self) { try await relay.relayOnce() }
                let afterPartial = try await Self.unpublished(api.services.db)
                #expect(afterPartial == total - 2)

                // Back: everything goes, once, in order per partition key.
                sidecar.set { $0.failAfter = nil }
                while try await relay.relayOnce() > 0 {}
                let left = try await Self.unpublished(api.services.db)
                #expect(left == 0)
                let again = try await relay.relayOnce()
                #expect(again == 0)
                let published = sidecar.published
                #expect(published.count == total)
                #expect(Set(published.map { $0.body["id"]!.stringValue! }).count == total)
                #expect(sidecar.violations.isEmpty, "\(sidecar.violations)")
                for p in published {
                    #expect(p.pubsub == "pubsub-kafka" && p.topic == Topic.taskEvents.rawValue)
                    #expect(p.contentType == "application/cloudevents+json")
                    #expect(p.partitionKey == p.body["data"]?["user_id"]?.stringValue)
                }
                for user in Set(published.compactMap(\.partitionKey)) {
                    let titles = published.filter { $0.partitionKey == user }.map { $0.body["data"]!["task_data"]!["title"]!.stringValue! }
                    #expect(titles == titles.sorted(), "one user's events out of order: \(titles)")
                }
                // The request's trace context reaches the event and the publish call.
                let traced = published.filter { $0.body["data"]?["task_data"]?["title"]?.stringValue?.hasPrefix("B") == true }
                #expect(traced.count == 3 && traced.allSatisfy { $0.traceparent == trace && $0.body["traceparent"]?.stringValue == trace })
                let untraced = published.filter { $0.body["data"]?["task_data"]?["title"]?.stringValue?.hasPrefix("A") == true }
                // A request without one starts its own trace: valid, not the other request's,
                // the same in the event and on the publish call.
                #expect(untraced.count > 0)
                #expect(
                    untraced.allSatisfy {
                        TraceContext.valid($0.traceparent) != nil && $0.traceparent != trace && $0.body["traceparent"]?.stringValue == $0.traceparent
                    })
            }
        }
    }

    @Test func theRelayWaitsForTheSidecarsOutboundHealth() async throws {
        let sidecar = StandInDaprSidecar()
        sidecar.set { $0.outboundReady = false }
        try await sidecar.run { port in
            try await TestApp.run(.sqlite, configure: Self.dapr) { api in
                let token = try await api.signIn()
                _ = try await api.createTask(token, ["title": "waits"])
                while try await EventLog(db: api.services.db).sequence() > 0 {}
                let running = Task { try await Self.relay(api, port: port).run() }
                defer { running.cancel() }
                try await Task.sleep(for: .milliseconds(800))
                #expect(sidecar.published.isEmpty)
                sidecar.set { $0.outboundReady = true }
                for _ in 0..<100 where sidecar.published.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
                #expect(sidecar.published.count == 1)
            }
        }
    }

    /// `todo serve` runs both consumer roles, so it subscribes to both topics.
    @Test func subscriptionsNameTheComponentRouteAndDeadLetterTopic() async throws {
        try await TestApp.run(.sqlite, configure: Self.dapr) { api in
            let response = try await api.send(.get, "/dapr/subscribe")
            #expect(response.status == .ok)
            #expect(
                response.json
                    == .array([
                        .object([
                            ("pubsubname", "pubsub-kafka"), ("topic", "task-events"), ("route", "/dapr/events/task-events"),
                            ("deadLetterTopic", "task-events-dlq"),
                        ]),
                        .object([
                            ("pubsubname", "pubsub-kafka"), ("topic", "reminders"), ("route", "/dapr/events/reminders"),
                            ("deadLetterTopic", "reminders-dlq"),
                        ]),
                    ]))
        }
        try await TestApp.run(.sqlite) { api in
            let none = try await api.send(.get, "/dapr/subscribe")
            #expect(none.status == .notFound)  // database transport: no Dapr routes
        }
    }

    /// A completion travels app → relay → sidecar → delivery to the recurring-task-service route:
    /// SUCCESS creates the next occurrence; a redelivery of the same id (Kafka at-least-once)
    /// answers SUCCESS and creates nothing; a poison event and a non-CloudEvent answer DROP and
    /// land in the dead-letter topic and the `dead_letters` table; nothing is ever answered 404.
    @Test(arguments: TestDatabase.available)
    func deliveriesAnswerSuccessOnceDropPoisonAndNever404(_ kind: TestDatabase) async throws {
        let sidecar = StandInDaprSidecar()
        try await sidecar.run { port in
            try await TestApp.run(kind, configure: Self.dapr) { api in
                let token = try await api.signIn(timeZone: "UTC")
                let task = try await api.createTask(
                    token, ["title": "Water plants", "due": ["date_time": "2031-01-06T09:00"], "recurrence": ["rule": "FREQ=DAILY"]])
                _ = try await api.send(.post, "/api/v1/tasks/\(task["id"]!.stringValue!)/complete", token: token)
                while try await EventLog(db: api.services.db).sequence() > 0 {}
                while try await Self.relay(api, port: port).relayOnce() > 0 {}
                let completed = try #require(sidecar.published.first { $0.body["type"] == "task.completed" }).body

                #expect(try await sidecar.deliver(completed, topic: Topic.taskEvents.rawValue, to: api) == .acked(attempts: 1))
                #expect(try await sidecar.deliver(completed, topic: Topic.taskEvents.rawValue, to: api) == .acked(attempts: 1))
                let open = try await api.send(.get, "/api/v1/tasks?status=open", token: token)
                guard case .array(let items)? = open["items"] else { throw TestFailure("no items: \(open.text)") }
                #expect(items.count == 1)
                #expect(items.first?["due"]?["date_time"] == "2031-01-07T09:00")

                // Dapr's own wrapping of a foreign test publish (the runbook's curl): acked, ignored.
                let foreign: JSONValue = .object([
                    ("specversion", "1.0"), ("id", .string(UUID().uuidString.lowercased())), ("source", "backend"),
                    ("type", "com.dapr.event.sent"), ("datacontenttype", "application/json"), ("topic", "task-events"),
                    ("pubsubname", "pubsub-kafka"), ("data", .object([("test", "event")])),
                ])
                #expect(try await sidecar.deliver(foreign, topic: Topic.taskEvents.rawValue, to: api) == .acked(attempts: 1))

                // Poison: a completion of a recurring task without its ids can never succeed.
                var poison = completed
                if case .object(var members) = poison {
                    members = members.map { $0.0 == "id" ? ("id", .string(UUID().uuidString.lowercased())) : $0 }
                    members = members.map { $0.0 == "data" ? ("data", .object([("task_data", completed["data"]!["task_data"]!)])) : $0 }
                    poison = .object(members)
                }
                #expect(try await sidecar.deliver(poison, topic: Topic.taskEvents.rawValue, to: api) == .deadLettered("task-events-dlq", attempts: 1))
                #expect(
                    try await sidecar.deliver(.string("not json"), topic: Topic.taskEvents.rawValue, to: api)
                        == .deadLettered("task-events-dlq", attempts: 1))
                #expect(sidecar.deadLettered("task-events-dlq").count == 2)
                // Each group of the topic (`todo serve` runs recurring-task-service and webhooks) records its own.
                let recorded = try await api.services.db.read { conn in
                    try await conn.query(
                        "SELECT group_name, COUNT(*) AS n FROM dead_letters WHERE topic = 'task-events' GROUP BY group_name ORDER BY group_name"
                    )
                    .map { "\(try $0.string("group_name")):\(try $0.int("n"))" }
                }
                #expect(recorded == ["recurring-task-service:2", "webhooks:2"])
                // A delivery for a topic the role does not serve is dropped to the DLQ, not 404.
                let stray = try await api.send(
                    .post, "/dapr/events/elsewhere", raw: completed.serialized(), headers: [.contentType: "application/cloudevents+json"])
                #expect(stray.status == .ok && stray["status"] == "DROP")
                #expect(sidecar.state.withLock { $0.silentlyDropped.isEmpty })
            }
        }
    }

    @Test func theAppAPITokenIsRequiredWhenSet() async throws {
        try await TestApp.run(
            .sqlite,
            configure: {
                Self.dapr(&$0)
                $0.dapr.appAPIToken = "app-token-0123456789"
            }
        ) { api in
            let refused = try await api.send(.get, "/dapr/subscribe")
            #expect(refused.status == .unauthorized)
            let ok = try await api.send(.get, "/dapr/subscribe", headers: [.init("dapr-api-token")!: "app-token-0123456789"])
            #expect(ok.status == .ok)
        }
    }
}
