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
        _ = Self.created  // exported at 0 from the start, not from the first occurrence
    }

    public func handle(_ event: ConsumedEvent, conn: any SQLConnection, dialect: SQLDialect) async throws {
        let data = event.data
        let skipped: Bool
        switch event.type {
        case TaskEventType.completed.rawValue: skipped = false
        case TaskEventType.updated.rawValue:
            guard case .string? = data["changes"]?["skipped_at"]?["new"] else { return }
            skipped = true
        default: return
        }
        guard let recurrence = data["task_data"]?["recurrence"], recurrence != .null else { return }
        guard let taskID = data["task_id"]?.stringValue.flatMap(UUID.init(uuidString:)),
            let userID = data["user_id"]?.stringValue.flatMap(UUID.init(uuidString:)),
            let time = data["timestamp"]?.stringValue.flatMap(Timestamp.parse)
        else { throw PermanentFailure("the event lacks task_id, user_id or timestamp") }
        if let next = try await TaskStore.createNextOccurrence(of: taskID, userID: userID, skipped: skipped, at: time, conn: conn, dialect: dialect) {
            Self.created.increment()
            logger.info(
                "Next occurrence created",
                metadata: ["next_task_id": .string(next.id.lowercased), "occurrence_index": "\(next.occurrenceIndex ?? 0)"])
        }
    }
}
