import Foundation
import Logging
import Metrics
import TodoCore
import TodoStore

/// The recurring-task-service: on `task.completed` of a recurring task, or its skip (a
/// `task.updated` whose `changes` set `skipped_at`), creates the next occurrence — with its
/// `task.created` event — in the consumer's transaction. Exactly once per occurrence: the
/// successor's `spawned_from` is unique, and the event id is recorded as processed.
public struct RecurringTaskHandler: EventHandler {
    public static let group = "recurring-task-service"
    /// Next occurrences created (counted in the handler's transaction; a batch that is redone one
    /// event at a time may count one twice).
    static let created = Counter(label: "recurring_task_created_total")
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
        _ = (Self.created, Self.rruleTimer)  // exported at 0 from the start, not from the first occurrence
    }

    /// How long computing a next occurrence takes (Prometheus histogram, seconds).
    static let rruleTimer = Metrics.Timer(label: "rrule_calculation_duration_seconds")

    /// Decode (done by the consumer) → the domain rule (`Series.successor`) → the store's insert.
    /// The successor is computed from the task as it is now (a task deleted meanwhile has none);
    /// `timestamp` is when the completion or skip happened, so a replay computes the same.
    public func handle(_ event: DomainEvent, received: ConsumedEvent, conn: any SQLConnection) async throws {
        try await handle(batch: [received], conn: conn)
    }

    func created(_ next: TodoTask) {
        Self.created.increment()
        logger.info(
            "Next occurrence created", metadata: ["next_task_id": .string(next.id.lowercased), "occurrence_index": "\(next.occurrenceIndex ?? 0)"])
    }
}

/// A consumer's run of events at once (one event is a run of one): the completed tasks read in
/// one query, their successors and `task.created` events written in a few statements instead of
/// a few per event — the same rule and the same exactly-once insert for each, each event's trace
/// (the one in effect, else its own) on the event it causes and its fields on the log line.
extension RecurringTaskHandler: BatchEventHandler {
    public func handle(batch events: [ConsumedEvent], conn: any SQLConnection) async throws {
        let relevant = events.compactMap { received -> (TaskEvent, ConsumedEvent)? in
            guard case .success(.task(let event)) = received.decoded, event.task.recurrence != nil, event.type == .completed || event.isSkip
            else { return nil }
            return (event, received)
        }
        guard !relevant.isEmpty else { return }
        let current = Dictionary(
            try await TaskStore.load(ids: relevant.map(\.0.task.id), conn: conn).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var successors: [TaskStore.Successor] = []
        var causes: [UUID: ConsumedEvent] = [:]
        for (event, received) in relevant {
            guard let task = current[event.task.id], task.userID == event.task.userID else { continue }
            let now = event.timestamp.truncatedToMillis
            let started = ContinuousClock.now
            let successor = Series.successor(of: task, skipped: event.isSkip, at: now, id: .v7(at: now))
            Self.rruleTimer.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
            guard let successor else { continue }
            let trace = TraceContext.traceparent ?? TraceContext.valid(received.cloudEvent["traceparent"]?.stringValue)
            let actor = received.cloudEvent["actorid"]?.stringValue.flatMap { UUID(canonical: $0) }
            successors.append(TaskStore.Successor(task: successor, predecessor: task.id, traceparent: trace, actor: actor))
            causes[successor.id] = received
        }
        for next in try await TaskStore.insertSuccessors(successors, conn: conn) {
            LogContext.$fields.withValue(causes[next.id]?.logFields(group: Self.group) ?? LogContext.fields) { created(next) }
        }
    }
}
