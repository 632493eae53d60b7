import Foundation
import Logging
import Synchronization
import Testing
import TodoCore
import TodoEvents
import TodoStore
import TodoTesting

/// A handler that records each event's id in `test_effects` (a plain INSERT: a second
/// application of one event would fail on the primary key) and fails as told.
final class RecordingHandler: EventHandler {
    let group: String
    /// Event types that always fail (poison).
    let poison: Set<String>
    /// How many times each "flaky" event fails before it succeeds.
    let flakyFailures: Int
    let failures = Mutex<[UUID: Int]>([:])

    init(group: String, poison: Set<String> = [], flakyFailures: Int = 0) {
        self.group = group
        self.poison = poison
        self.flakyFailures = flakyFailures
    }

    func handle(_ decoded: DomainEvent, received event: ConsumedEvent, conn: any SQLConnection) async throws {
        if poison.contains(event.type) { throw PermanentFailure("poison") }
        if event.type == "test.flaky" {
            let failed = failures.withLock { f -> Bool in
                let n = f[event.id, default: 0]
                if n < flakyFailures {
                    f[event.id] = n + 1
                    return true
                }
                return false
            }
            if failed { throw TestFailure.transient }
        }
        try await conn.execute("INSERT INTO test_effects (group_name, event_id) VALUES (\(group), \(event.id.lowercased))")
    }

    enum TestFailure: Error { case transient }
}

@Suite struct ConsumerTests {
    func prepare(_ db: any SQLDatabase) async throws {
        try await db.write { conn in
            // Parallel tests would race on PostgreSQL's catalog without the lock.
            try await conn.lock(.testSchema)
            try await conn.execute(
                "CREATE TABLE IF NOT EXISTS test_effects (group_name TEXT NOT NULL, event_id TEXT NOT NULL, PRIMARY KEY (group_name, event_id))")
        }
    }

    func append(_ db: any SQLDatabase, topic: Topic, type: String, key: String) async throws -> UUID {
        let event = OutboxEvent(topic: topic, type: type, key: key, subject: nil, time: Date(), data: ["n": 1])
        try await db.write { conn in try await EventOutbox.append(event, conn: conn) }
        return event.id
    }

    func effects(_ db: any SQLDatabase, group: String) async throws -> [String] {
        try await db.read { conn in
            try await conn.query("SELECT event_id FROM test_effects WHERE group_name = \(group) ORDER BY event_id").map { try $0.string("event_id") }
        }
    }

    func deadLetters(_ db: any SQLDatabase, group: String) async throws -> [(String, Int)] {
        try await db.read { conn in
            try await conn.query("SELECT event_id, attempts FROM dead_letters WHERE group_name = \(group)").map {
                (try $0.string("event_id"), try $0.int("attempts"))
            }
        }
    }

    var quiet: Logger {
        var l = Logger(label: "test")
        l.logLevel = .critical
        return l
    }

    @Test(arguments: TestDatabase.available)
    func eachEventOnceAndAReplayChangesNothing(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            try await prepare(db)
            let topic = Topic(rawValue: "t-\(UUID().uuidString.lowercased())")
            let group = "g-\(UUID().uuidString.lowercased())"
            var ids: [UUID] = []
            for i in 0..<6 { ids.append(try await append(db, topic: topic, type: "test.ok", key: "user-\(i % 3)")) }
            try await EventLog(db: db).sequence()
            let consumer = Consumer(group: group, topic: topic, handler: RecordingHandler(group: group), db: db, logger: quiet)
            #expect(try await consumer.drain() == 6)
            #expect(try await consumer.drain() == 0)
            #expect(try await effects(db, group: group) == ids.map(\.lowercased).sorted())
            #expect(try await EventLog(db: db).lag(group: group).allSatisfy { $0.lag == 0 })
            // The runbook's emergency reset: replay everything. Nothing is applied twice.
            try await EventLog(db: db).reset(group: group, topic: topic, to: .earliest)
            #expect(try await consumer.drain() == 6)
            #expect(try await effects(db, group: group).count == 6)
            #expect(try await deadLetters(db, group: group).isEmpty)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aPoisonEventGoesToTheDLQAndThePartitionMovesOn(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            try await prepare(db)
            let topic = Topic(rawValue: "t-\(UUID().uuidString.lowercased())")
            let group = "g-\(UUID().uuidString.lowercased())"
            let a = try await append(db, topic: topic, type: "test.ok", key: "same-user")
            let poison = try await append(db, topic: topic, type: "test.poison", key: "same-user")
            let b = try await append(db, topic: topic, type: "test.ok", key: "same-user")
            let flaky = try await append(db, topic: topic, type: "test.broken", key: "same-user")
            try await EventLog(db: db).sequence()
            let consumer = Consumer(
                group: group, topic: topic, handler: RecordingHandler(group: group, poison: ["test.poison", "test.broken"]), db: db,
                policy: RetryPolicy(maxAttempts: 3, base: .milliseconds(1), cap: .milliseconds(5)), logger: quiet)
            #expect(try await consumer.drain() == 4)
            #expect(try await effects(db, group: group) == [a, b].map(\.lowercased).sorted())
            let dead = try await deadLetters(db, group: group)
            #expect(Set(dead.map(\.0)) == [poison.lowercased, flaky.lowercased])
            #expect(dead.allSatisfy { $0.1 == 1 })  // permanent failures are not retried
            let dlq = try await EventLogReader(db: db).tail(topic: Topic.deadLetter(topic), limit: 10).map { try JSONValue.parse(Data($0.utf8)) }
            #expect(dlq.count == 2)
            #expect(dlq.first?["data"]?["source_topic"] == .string(topic.rawValue))
            #expect(dlq.first?["data"]?["original"]?["id"] == .string(poison.lowercased))
            #expect(dlq.first?["data"]?["retry_count"] == 1)
        }
    }

    /// `todo dlq retry` / `POST /api/admin/retry-dlq` on a consumer's DLQ: the letters go back to
    /// their group only; the member owning their partition runs them through the exactly-once
    /// step (the heartbeat calls `retryRequeued`); one that fails again is dead again, with the
    /// new error and one more attempt.
    @Test(arguments: TestDatabase.available)
    func aRetriedDeadLetterIsProcessedOnceByItsGroupOnly(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            try await prepare(db)
            let topic = Topic(rawValue: "t-\(UUID().uuidString.lowercased())")
            let group = "g-\(UUID().uuidString.lowercased())"
            let other = "g-\(UUID().uuidString.lowercased())"
            let fixed = try await append(db, topic: topic, type: "test.poison", key: "u1")
            let still = try await append(db, topic: topic, type: "test.broken", key: "u2")
            try await EventLog(db: db).sequence()
            let broken = RecordingHandler(group: group, poison: ["test.poison", "test.broken"])
            #expect(try await Consumer(group: group, topic: topic, handler: broken, db: db, logger: quiet).drain() == 2)
            #expect(try await Consumer(group: other, topic: topic, handler: RecordingHandler(group: other), db: db, logger: quiet).drain() == 2)
            #expect(try await deadLetters(db, group: group).count == 2)

            let store = DeadLetterStore(db: db)
            let retried = try await store.retry(dlq: Topic.deadLetter(topic), maxCount: 10)
            #expect(retried == 2)
            #expect(try await store.count(dlq: Topic.deadLetter(topic)) == 0)
            // "fixed" in the new release: only test.broken still fails
            let consumer = Consumer(
                group: group, topic: topic, handler: RecordingHandler(group: group, poison: ["test.broken"]), db: db, logger: quiet)
            // a member that owns neither partition leaves them to their owner
            let owned = Set([Topic.partition(forKey: "u1"), Topic.partition(forKey: "u2")])
            #expect(try await consumer.retryRequeued(owns: { !owned.contains($0) }) == 0)
            #expect(try await consumer.retryRequeued(owns: { _ in true }) == 2)
            #expect(try await consumer.retryRequeued(owns: { _ in true }) == 0)
            #expect(try await effects(db, group: group) == [fixed.lowercased])
            #expect(try await effects(db, group: other).count == 2)  // the other group saw nothing again
            let dead = try await store.list(dlq: Topic.deadLetter(topic))
            #expect(dead.map(\.eventID) == [still])
            #expect(dead.first?.attempts == 2)
            // a replay of the topic after the retry applies the fixed event no second time
            try await EventLog(db: db).reset(group: group, topic: topic, to: .earliest)
            #expect(try await consumer.drain() == 2)
            #expect(try await effects(db, group: group) == [fixed.lowercased])
        }
    }

    @Test(arguments: TestDatabase.available)
    func transientFailuresAreRetriedWithBackoff(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            try await prepare(db)
            let topic = Topic(rawValue: "t-\(UUID().uuidString.lowercased())")
            let group = "g-\(UUID().uuidString.lowercased())"
            let ok = try await append(db, topic: topic, type: "test.flaky", key: "k1")
            let doomed = try await append(db, topic: topic, type: "test.flaky", key: "k2")
            try await EventLog(db: db).sequence()
            let policy = RetryPolicy(maxAttempts: 3, base: .milliseconds(1), cap: .milliseconds(5))
            // Two failures then success: within three attempts.
            let consumer = Consumer(
                group: group, topic: topic, handler: RecordingHandler(group: group, flakyFailures: 2), db: db, policy: policy, logger: quiet)
            #expect(try await consumer.drain() == 2)
            #expect(try await effects(db, group: group) == [ok, doomed].map(\.lowercased).sorted())
            #expect(try await deadLetters(db, group: group).isEmpty)
            // Three failures: the third attempt is the last, so it is dead-lettered after 3 attempts.
            let group2 = group + "-2"
            let strict = Consumer(
                group: group2, topic: topic, handler: RecordingHandler(group: group2, flakyFailures: 3), db: db, policy: policy, logger: quiet)
            #expect(try await strict.drain() == 2)
            #expect(try await effects(db, group: group2).isEmpty)
            #expect(try await deadLetters(db, group: group2).map(\.1) == [3, 3])
        }
    }

    /// The Dapr side of the same exactly-once step: a transient failure answers RETRY (and
    /// writes nothing), the retry answers SUCCESS, a redelivery of the id answers SUCCESS without
    /// running the handler again, a poison event answers DROP and is recorded with its error.
    @Test(arguments: TestDatabase.available)
    func daprDeliveriesMapFailuresToRetryAndDropAndAreIdempotent(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            try await prepare(db)
            let group = "g-\(UUID().uuidString.lowercased())"
            let handler = RecordingHandler(group: group, poison: ["test.poison"], flakyFailures: 1)
            let subscriber = DaprSubscriber(
                subscriptions: [DaprSubscription(topic: "t", group: group, handler: handler)], pubsubName: "pubsub-kafka", db: db, logger: quiet)
            func body(_ type: String, id: UUID = UUID()) -> (UUID, Data) {
                let event = OutboxEvent(id: id, topic: "t", type: type, key: "k", subject: nil, time: Date(), data: ["n": 1])
                return (id, Data(event.cloudEvent.serialized().utf8))
            }
            let (flakyID, flaky) = body("test.flaky")
            #expect(await subscriber.deliver(topic: "t", body: flaky, partition: 0, offset: 0, traceparent: nil) == .retry)
            #expect(try await effects(db, group: group).isEmpty)
            #expect(await subscriber.deliver(topic: "t", body: flaky, partition: 0, offset: 0, traceparent: nil) == .success)
            #expect(await subscriber.deliver(topic: "t", body: flaky, partition: 0, offset: 0, traceparent: nil) == .success)
            #expect(try await effects(db, group: group) == [flakyID.lowercased])
            let (poisonID, poison) = body("test.poison")
            #expect(await subscriber.deliver(topic: "t", body: poison, partition: 0, offset: 1, traceparent: nil) == .drop)
            let dead = try await deadLetters(db, group: group)
            #expect(dead.map(\.0) == [poisonID.lowercased])
        }
    }
}

/// The notification-service's handler: one in-app notification and one queued email per
/// reminder, however often `reminders` is delivered or replayed.
@Suite struct ReminderHandlerTests {
    /// The notification-service's consumer, email on, quiet.
    func notifier(_ db: any SQLDatabase) -> Consumer {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return Consumer(
            group: ReminderHandler.group, topic: Topic.reminders, handler: ReminderHandler(emailEnabled: true, logger: logger), db: db,
            logger: logger)
    }

    @Test(arguments: TestDatabase.available)
    func aReminderIsNotifiedOncePerChannelEvenWhenReplayed(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let user = try await makeUser(db, timeZone: "America/New_York")
            let due = ResolvedDue(.dateTime(LocalDateTime("2026-12-01T09:00")!, timeZone: "America/New_York"), defaultTimeZone: "America/New_York")
            let task = try await TaskStore(db: db).create(
                userID: user.id, draft: TaskDraft(title: "Standup", due: due, reminders: [ReminderSpec(trigger: .before(seconds: 900))]))
            let fired = try await ReminderStore(db: db).fireDue(now: Timestamp.parse("2026-12-01T13:45:00Z")!, catchUp: .seconds(600))
            #expect(fired.fired == 1)
            while try await EventLog(db: db).sequence() > 0 {}
            let consumer = notifier(db)
            #expect(try await consumer.drain() == 1)
            try await EventLog(db: db).reset(group: ReminderHandler.group, topic: Topic.reminders, to: .earliest)
            #expect(try await consumer.drain() == 1)
            let notifications = try await NotificationStore(db: db).list(userID: user.id, unreadOnly: false, before: nil, limit: 10)
            #expect(notifications.count == 1)
            #expect(notifications.first?.title == "Reminder: Standup")
            #expect(notifications.first?.body == "Due Tuesday, 1 December 2026 at 09:00 (America/New_York).")
            #expect(notifications.first?.taskID == task.id)
            let deliveries = try await DeliveryQueue(db: db).claim(now: Date().addingTimeInterval(1))
            #expect(deliveries.count == 1)
            #expect(deliveries.first?.channel == .email)
            #expect(deliveries.first?.event["data"]?["email"] == .string(user.email))
            #expect(try await DeliveryQueue(db: db).claim(now: Date().addingTimeInterval(1)).isEmpty)  // claimed: leased for 2 minutes
        }
    }

    /// A run of one person's reminders is handled in one batch (two statements); a malformed
    /// `reminder.due` in the middle fails the batch, which is redone one event at a time: the
    /// poison event alone goes to the dead letters, every other reminder gets exactly one
    /// notification and one email delivery, and a replay of the topic adds none. (The replay
    /// dead-letters the poison event again: it never gets a processed mark.)
    @Test(arguments: TestDatabase.available)
    func aBatchWithAPoisonEventIsRedoneOneAtATime(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let user = try await makeUser(db, timeZone: "Europe/Berlin")
            let now = Timestamp.parse("2026-12-01T08:00:00Z")!
            var tasks: [UUID] = []
            for i in 0..<6 {
                let task = try await TaskStore(db: db).create(
                    userID: user.id,
                    draft: TaskDraft(title: "Task \(i)", reminders: [ReminderSpec(trigger: .at(now.addingTimeInterval(Double(-60 + i))))]))
                tasks.append(task.id)
            }
            // Three fire, then the poison event (same partition: the person's key; no channels,
            // so it can never be delivered), then the other three.
            #expect(try await ReminderStore(db: db).fireDue(now: now.addingTimeInterval(-57.5), catchUp: .seconds(600)).fired == 3)
            let poison = OutboxEvent(
                topic: Topic.reminders, type: "reminder.due", key: user.id.lowercased, subject: nil, time: now,
                data: ["reminder_id": .string(UUID().lowercased), "user_id": .string(user.id.lowercased)])
            try await db.write { conn in try await EventOutbox.append(poison, conn: conn) }
            #expect(try await ReminderStore(db: db).fireDue(now: now, catchUp: .seconds(600)).fired == 3)
            while try await EventLog(db: db).sequence() > 0 {}
            let consumer = notifier(db)
            #expect(try await consumer.drain() == 7)
            let dead = try await DeadLetterStore(db: db).list(dlq: Topic.deadLetter(Topic.reminders))
            #expect(dead.count == 1)
            #expect(dead.first?.error.contains("without channels") == true)
            // Four more: a batch that succeeds.
            for i in 6..<10 {
                let task = try await TaskStore(db: db).create(
                    userID: user.id, draft: TaskDraft(title: "Task \(i)", reminders: [ReminderSpec(trigger: .at(now.addingTimeInterval(Double(i))))]))
                tasks.append(task.id)
            }
            #expect(try await ReminderStore(db: db).fireDue(now: now.addingTimeInterval(10), catchUp: .seconds(600)).fired == 4)
            while try await EventLog(db: db).sequence() > 0 {}
            #expect(try await consumer.drain() == 4)
            try await EventLog(db: db).reset(group: ReminderHandler.group, topic: Topic.reminders, to: .earliest)
            #expect(try await consumer.drain() == 11)
            let notifications = try await NotificationStore(db: db).list(userID: user.id, unreadOnly: false, before: nil, limit: 50)
            #expect(Set(notifications.compactMap(\.taskID)) == Set(tasks))
            #expect(notifications.count == 10)
            let deliveries = try await DeliveryQueue(db: db).claim(now: Date().addingTimeInterval(1), limit: 50)
            #expect(deliveries.count == 10)
            #expect(Set(deliveries.map(\.reminderID)).count == 10)
        }
    }
}
