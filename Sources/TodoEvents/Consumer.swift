import Foundation
import Logging
import ServiceLifecycle
import TodoCore
import TodoStore

/// An event as a consumer receives it: where it was in the log, the original document (kept
/// whole for the dead letters), and what it says, decoded once by `CloudEventCodec` — a typed
/// event, or a typed reason it cannot be read (dead-lettered with that reason, never retried).
public struct ConsumedEvent: Sendable {
    public let id: UUID
    public let type: String
    public let topic: Topic
    public let partition: Int
    public let offset: Int
    public let cloudEvent: JSONValue
    public let decoded: Result<DomainEvent, EventDecodingFailure>

    /// The event in a CloudEvent document, or nil when it has no UUID `id`.
    public init?(cloudEvent json: JSONValue, topic: Topic, partition: Int, offset: Int) {
        guard let idText = json["id"]?.stringValue, let id = UUID(uuidString: idText) else { return nil }
        self.id = id
        type = json["type"]?.stringValue ?? ""
        self.topic = topic
        self.partition = partition
        self.offset = offset
        cloudEvent = json
        decoded = CloudEventCodec.decode(json)
    }

    /// The ids the event is about (`task_id`, `user_id`, `reminder_id`), for the log lines.
    var subjects: [String: String] {
        switch decoded {
        case .success(.task(let e)): ["task_id": e.task.id.lowercased, "user_id": e.task.userID.lowercased]
        case .success(.reminderDue(let r)):
            ["reminder_id": r.reminderID.lowercased, "task_id": r.taskID.lowercased, "user_id": r.userID.lowercased]
        default: [:]
        }
    }

    /// What every log line of this event's handling carries (`LogContext`).
    func logFields(group: String) -> [String: String] {
        ["event_type": type, "event_id": id.lowercased, "topic": topic.rawValue, "partition": String(partition), "group": group]
            .merging(subjects) { a, _ in a }
    }
}

/// What a consumer group does with each event. `handle` runs inside the transaction that also
/// records the event as processed and commits the group's offset: its writes happen exactly once
/// per event id, however often the event is delivered or replayed. It receives the decoded event
/// (an undecodable one never reaches it: it is dead-lettered with the reason), and the event as
/// received — its id, place in the log, and the document for a handler that keeps it whole (the
/// email delivery, whose dead letter holds it).
public protocol EventHandler: Sendable {
    func handle(_ event: DomainEvent, received: ConsumedEvent, conn: any SQLConnection) async throws
}

/// A handler that can take a run of consecutive events of a partition at once — the same
/// transaction and exactly-once guarantee, its writes in a few statements instead of a few per
/// event (each statement is a round trip to the database; on SQLite a hop to its one writer
/// while every other writer waits). Its `handle(batch:)` must do what `handle` would for each
/// event in turn; if it throws, the consumer redoes the events one at a time through `handle`,
/// so a poison event still goes to the dead letters alone. It runs without a per-event trace
/// or log context: a handler that publishes events or logs per event sets them per event itself
/// (as `RecurringTaskHandler` does).
public protocol BatchEventHandler: EventHandler {
    func handle(batch events: [ConsumedEvent], conn: any SQLConnection) async throws
}

/// Thrown by a handler for an event that can never succeed: no retries, straight to the DLQ.
public struct PermanentFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A consumer group on one topic of the database log: reads each partition from the group's
/// committed offset, in order, at least once; idempotent by event id; a poison event goes to the
/// dead letters (table `dead_letters` and topic `<topic>-dlq`) after its retries, and the
/// partition moves on.
public struct Consumer: Sendable {
    public let group: String
    public let topic: Topic
    let handler: any EventHandler
    let db: any SQLDatabase
    let policy: RetryPolicy
    let logger: Logger
    let log: EventLog

    public init(group: String, topic: Topic, handler: any EventHandler, db: any SQLDatabase, policy: RetryPolicy = .consumer, logger: Logger) {
        self.group = group
        self.topic = topic
        self.handler = handler
        self.db = db
        self.policy = policy
        self.logger = logger
        log = EventLog(db: db)
    }

    /// Handles everything available now on the partitions this process owns (all of them unless
    /// `owns` says otherwise); returns how many events it took (handled, skipped as already
    /// processed, or dead-lettered). Ownership is checked before every event, so a partition
    /// given up in a rebalance is left at once.
    @discardableResult
    public func drain(batch: Int = 100, owns: @escaping @Sendable (Int) -> Bool = { _ in true }) async throws -> Int {
        let (group, topic) = (self.group, self.topic)
        let behind = try await db.read { conn in try await EventLog.behind(group: group, topic: topic, conn: conn) }
            .filter { owns($0.partition) }
        // Partitions are independent (order is per partition): on PostgreSQL several are worked
        // at once, each on its own connection; SQLite has one writer, so one at a time.
        let parallel = db.hasOneWriter ? 1 : Self.partitionsAtOnce
        return try await withThrowingTaskGroup(of: Int.self) { tasks in
            var total = 0
            var queue = behind[...]
            func startNext() {
                guard let (partition, committed) = queue.popFirst() else { return }
                tasks.addTask { try await drain(partition: partition, from: committed, batch: batch, owns: owns) }
            }
            for _ in 0..<parallel { startNext() }
            while let n = try await tasks.next() {
                total += n
                startNext()
            }
            return total
        }
    }

    /// Dead letters an operator put back (`todo dlq retry`), taken by the member that owns their
    /// partition: the same exactly-once step; done, or dead again with the new error. Called on
    /// the heartbeat (once a second), not on every wake-up of the hot path.
    @discardableResult
    public func retryRequeued(owns: @Sendable (Int) -> Bool) async throws -> Int {
        let letters = try await DeadLetterStore(db: db).requeued(group: group, topic: topic)
        var taken = 0
        for letter in letters {
            let key = letter.event["partitionkey"]?.stringValue ?? ""
            guard owns(Topic.partition(forKey: key)) else { continue }
            let (group, handler) = (self.group, self.handler)
            let now = Date()
            guard let event = ConsumedEvent(cloudEvent: letter.event, topic: topic, partition: Topic.partition(forKey: key), offset: -1) else {
                try await db.write { conn in try await DeadLetterStore.settle(letter.id, error: "not a CloudEvent", now: now, conn: conn) }
                continue
            }
            do {
                try await db.write { conn in
                    try await Self.handleOnce(event, group: group, handler: handler, conn: conn)
                    try await DeadLetterStore.settle(letter.id, error: nil, now: now, conn: conn)
                }
                logger.info("Requeued dead letter processed", metadata: ["event_id": .string(event.id.lowercased)])
            } catch {
                try await db.write { conn in try await DeadLetterStore.settle(letter.id, error: "\(error)", now: now, conn: conn) }
                logger.error("Requeued dead letter failed again", metadata: ["event_id": .string(event.id.lowercased), "error": "\(error)"])
            }
            taken += 1
        }
        return taken
    }

    /// How many partitions one consumer process works at once on PostgreSQL.
    static let partitionsAtOnce = 4

    func drain(partition: Int, from committed: Int, batch: Int, owns: @Sendable (Int) -> Bool) async throws -> Int {
        var (total, start) = (0, committed)
        while true {
            let (n, next) = try await consume(partition: partition, from: start, batch: batch, owns: owns)
            total += n
            start = next
            if n < batch { return total }
        }
    }

    /// Up to this many events share one transaction (fewer waits for the write lock on SQLite,
    /// fewer commits on PostgreSQL); a batch that fails is redone one event at a time.
    static let eventsPerTransaction = 50

    /// Takes up to `batch` events of `partition` from `start`; returns how many, and where the
    /// next read starts (0 taken when the partition was given up meanwhile).
    func consume(partition: Int, from start: Int, batch: Int, owns: @Sendable (Int) -> Bool) async throws -> (Int, Int) {
        let events = try await log.read(topic: topic, partition: partition, from: start, limit: batch)
        var run: [ConsumedEvent] = []
        for (offset, text) in events {
            guard let json = try? JSONValue.parse(Data(text.utf8)),
                let event = ConsumedEvent(cloudEvent: json, topic: topic, partition: partition, offset: offset)
            else {
                guard try await processRun(run, owns: owns) else { return (0, start) }
                run = []
                guard owns(partition) else { return (0, start) }
                try await deadLetter(nil, text: text, partition: partition, offset: offset, error: "not a CloudEvent", attempts: 0)
                continue
            }
            run.append(event)
            if run.count == Self.eventsPerTransaction {
                guard try await processRun(run, owns: owns) else { return (0, start) }
                run = []
            }
        }
        guard try await processRun(run, owns: owns) else { return (0, start) }
        return (events.count, (events.last?.offset).map { $0 + 1 } ?? start)
    }

    /// Processes consecutive events of one partition in one transaction; if that fails, one at a
    /// time (with retries and dead letters). Returns false when the partition is no longer ours.
    func processRun(_ run: [ConsumedEvent], owns: @Sendable (Int) -> Bool) async throws -> Bool {
        guard let last = run.last else { return true }
        guard owns(last.partition) else { return false }
        if run.count > 1 {
            let (group, topic, handler) = (self.group, self.topic, self.handler)
            do {
                try await db.write { conn in
                    try await Self.handleOnce(run, group: group, handler: handler, conn: conn)
                    try await EventLog.commit(
                        group: group, topic: topic, partition: last.partition, nextOffset: last.offset + 1, forwardOnly: true, conn: conn)
                }
                return true
            } catch {
                logger.debug("A batch failed; processing its events one at a time", metadata: ["error": "\(error)"])
            }
        }
        for event in run {
            guard owns(event.partition) else { return false }
            try await process(event)
        }
        return true
    }

    func process(_ event: ConsumedEvent) async throws {
        var logger = self.logger
        logger[metadataKey: "event_type"] = .string(event.type)
        logger[metadataKey: "event_id"] = .string(event.id.lowercased)
        for (key, value) in event.subjects where key != "reminder_id" { logger[metadataKey: key] = .string(value) }
        var attempt = 0
        let (group, topic, handler) = (self.group, self.topic, self.handler)
        while true {
            attempt += 1
            do {
                try await db.write { conn in
                    try await Self.handleOnce(event, group: group, handler: handler, conn: conn)
                    try await EventLog.commit(
                        group: group, topic: topic, partition: event.partition, nextOffset: event.offset + 1, forwardOnly: true, conn: conn)
                }
                return
            } catch {
                // The database being unavailable is not the event's fault: no attempt is counted
                // (an outage must never dead-letter an event); the event stays uncommitted and the
                // service loop tries again after its backoff.
                if isTransientDatabaseFailure(error) { throw error }
                let permanent = error is PermanentFailure || error is EventDecodingFailure
                if permanent || policy.isExhausted(after: attempt) {
                    logger.error("Event failed; moved to the dead letters", metadata: ["error": "\(error)", "attempts": "\(attempt)"])
                    try await deadLetter(
                        event, text: event.cloudEvent.serialized(), partition: event.partition, offset: event.offset,
                        error: "\(error)", attempts: attempt)
                    return
                }
                logger.warning("Event failed; retrying", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                await sleepUnlessShuttingDown(for: policy.delay(afterAttempt: attempt))
                // Shutting down: leave the event uncommitted; it is delivered again after restart.
                if Task.isShuttingDownGracefully || Task.isCancelled { throw CancellationError() }
            }
        }
    }

    /// Runs `handler` for `event` unless the group has processed its id already, and records it
    /// as processed — inside the caller's transaction, so the handler's writes happen exactly
    /// once per event id whatever the transport (database log or Dapr) redelivers. Events the
    /// handler writes carry `traceparent` (else the event's own). Returns whether the handler ran.
    @discardableResult
    public static func handleOnce(
        _ event: ConsumedEvent, group: String, handler: any EventHandler, conn: any SQLConnection,
        traceparent: String? = nil
    ) async throws -> Bool {
        try await handleOnce([event], group: group, handler: handler, conn: conn, traceparent: traceparent) == 1
    }

    /// `handleOnce` for consecutive events of a partition: one statement records them all as
    /// processed, then the handler runs, in order, for those not processed before. Returns how
    /// many it ran.
    @discardableResult
    static func handleOnce(
        _ events: [ConsumedEvent], group: String, handler: any EventHandler, conn: any SQLConnection,
        traceparent: String? = nil
    ) async throws -> Int {
        guard !events.isEmpty else { return 0 }
        let fresh = try await EventLog.markProcessed(events.map(\.id), group: group, now: Date().truncatedToMillis, conn: conn)
        if let batching = handler as? any BatchEventHandler, fresh.count > 1 {
            try await batching.handle(batch: events.filter { fresh.contains($0.id) }, conn: conn)
            return fresh.count
        }
        var ran = 0
        for event in events where fresh.contains(event.id) {
            let trace = TraceContext.valid(traceparent) ?? TraceContext.valid(event.cloudEvent["traceparent"]?.stringValue)
            try await TraceContext.$traceparent.withValue(trace) {
                try await LogContext.$fields.withValue(event.logFields(group: group)) {
                    try await handler.handle(try event.decoded.get(), received: event, conn: conn)
                }
            }
            ran += 1
        }
        return ran
    }

    /// Records the event as dead (with the error and attempts), publishes the DLQ record to
    /// `<topic>-dlq`, and moves the partition past it — in one transaction.
    func deadLetter(_ event: ConsumedEvent?, text: String, partition: Int, offset: Int, error: String, attempts: Int) async throws {
        let now = Date().truncatedToMillis
        let (group, topic) = (self.group, self.topic)
        let eventID = event?.id ?? UUID.v7()
        let original = event?.cloudEvent ?? .string(text)
        let record = OutboxEvent(
            topic: Topic.deadLetter(topic), type: (event?.type ?? "unknown") + ".dead", key: event?.cloudEvent["partitionkey"]?.stringValue ?? "",
            subject: eventID.lowercased, time: now,
            data: .object([
                ("original", original), ("source_topic", .string(topic.rawValue)), ("group", .string(group)), ("error", .string(error)),
                ("retry_count", .int(Int64(attempts))), ("failed_at", .string(Timestamp.millis(now))),
            ]))
        try await db.write { conn in
            try await DeadLetterStore.record(
                group: group, topic: topic, eventID: eventID, text: text, error: error, attempts: attempts, at: now, conn: conn)
            try await EventOutbox.append(record, conn: conn)
            try await EventLog.commit(group: group, topic: topic, partition: partition, nextOffset: offset + 1, forwardOnly: true, conn: conn)
        }
    }
}
