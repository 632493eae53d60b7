import Foundation
import Metrics
import TodoCore

/// A closed occurrence of a series, for its history.
public struct SeriesEntry: Sendable, Equatable {
    public var task: TodoTask

    public var json: JSONValue {
        .object([
            ("task_id", .string(task.id.lowercased)), ("occurrence_index", task.occurrenceIndex.map { .int(Int64($0)) } ?? .null),
            ("title", .string(task.title)), ("due", task.due.map(\.json) ?? .null),
            ("status", .string(task.skippedAt != nil ? "skipped" : "completed")),
            ("completed_at", task.completedAt.map { .string(Timestamp.millis($0)) } ?? .null),
            ("skipped_at", task.skippedAt.map { .string(Timestamp.millis($0)) } ?? .null),
        ])
    }
}

extension TaskStore {
    /// Skips this occurrence of a recurring task: it is kept, closed, as skipped in the series'
    /// history. Its `task.updated` event (with `skipped_at` in `changes`) makes the
    /// recurring-task-service create the next occurrence, placed as the `schedule` anchor places it.
    public func skip(id: UUID, userID: UUID, expectedVersion: Int? = nil, now: Date = Date()) async throws -> TodoTask {
        let now = now.truncatedToMillis
        let dialect = db.dialect
        return try await db.write { conn in
            var task = try await Self.current(id: id, userID: userID, expectedVersion: expectedVersion, conn: conn, dialect: dialect)
            guard task.recurrence != nil else {
                throw TodoError.conflict(code: "not_recurring", detail: "Only an occurrence of a recurring task can be skipped.")
            }
            if task.skippedAt != nil { return task }
            guard task.completedAt == nil else {
                throw TodoError.conflict(code: "already_completed", detail: "This occurrence is completed; reopen it to skip it.")
            }
            let before = task
            task.skippedAt = now
            task.updatedAt = now
            task.version += 1
            try await conn.execute(
                "UPDATE tasks SET skipped_at = \(now), updated_at = \(now), version = \(task.version) WHERE id = \(id) AND user_id = \(userID)")
            task.reminders = try await Self.setRemindersActive(false, task: task, now: now, conn: conn)
            try await EventOutbox.append(.task(.updated, task, changes: OutboxEvent.changes(from: before, to: task), at: now), conn: conn)
            return task
        }
    }

    /// The completed and skipped occurrences of the task's series, oldest first.
    public func history(id: UUID, userID: UUID) async throws -> [SeriesEntry] {
        try await db.read { conn in
            guard let task = try await Self.fetch(id: id, userID: userID, conn: conn, forUpdate: nil) else {
                throw TodoError.notFound(resource: "task")
            }
            guard let series = task.seriesID else { return task.isClosed ? [SeriesEntry(task: task)] : [] }
            let rows = try await conn.query(
                """
                SELECT \(raw: Self.columns) FROM tasks t WHERE t.user_id = \(userID) AND t.series_id = \(series)
                  AND (t.completed_at IS NOT NULL OR t.skipped_at IS NOT NULL)
                ORDER BY t.occurrence_index, t.created_at LIMIT 1000
                """)
            let ids = try rows.map { try $0.uuid("id") }
            let tags = try await Self.loadTags(taskIDs: ids, conn: conn)
            return try zip(rows, ids).map { SeriesEntry(task: try Self.task($0, tags: tags[$1] ?? [])) }
        }
    }

    /// How long computing a next occurrence takes (Prometheus histogram, seconds).
    static let rruleTimer = Timer(label: "rrule_calculation_duration_seconds")

    /// The recurring-task-service's step: creates the successor of occurrence `taskID` (as it is
    /// now) inside the consumer's transaction. `skipped` places it as a skip does (`schedule`);
    /// `at` is when the completion or skip happened (the event's time, so a replay computes the
    /// same). nil when there is none (not recurring, series ended, task deleted, or already made).
    public static func createNextOccurrence(
        of taskID: UUID, userID: UUID, skipped: Bool, at time: Date, conn: any SQLConnection, dialect: SQLDialect
    ) async throws -> TodoTask? {
        guard let task = try await fetch(id: taskID, userID: userID, conn: conn, forUpdate: nil) else { return nil }
        return try await spawnNext(
            after: task, anchor: skipped ? .schedule : task.recurrence?.anchor ?? .schedule, now: time.truncatedToMillis, conn: conn,
            dialect: dialect)
    }

    /// Creates the occurrence that follows `task` in its series, unless one was created from it
    /// before: `spawned_from` is unique, so this is exactly once however often the task is
    /// completed, reopened and completed again, and whatever runs concurrently.
    ///
    /// `schedule`: the first instance after this occurrence's due that is not already in the past
    /// (missed instances are skipped; an all-day instance today is not past). `completion`: the
    /// rule applied from the day it was completed (the time of day of the due is kept).
    static func spawnNext(after task: TodoTask, anchor: RecurrenceAnchor, now: Date, conn: any SQLConnection, dialect: SQLDialect) async throws
        -> TodoTask?
    {
        guard let recurrence = task.recurrence, let due = task.due, let rule = try? RecurrenceRule(parsing: recurrence.rule),
            let zone = Zones.zone(due.timeZone)
        else { return nil }
        let index = task.occurrenceIndex ?? 0
        let (start, allDay): (LocalDateTime, Bool) =
            switch due.due {
            case .allDay(let d): (LocalDateTime(date: d, hour: 0, minute: 0)!, true)
            case .dateTime(let l, _): (l, false)
            }
        let next: Occurrence?
        let started = ContinuousClock.now
        defer { Self.rruleTimer.recordNanoseconds((ContinuousClock.now - started).nanoseconds) }
        switch anchor {
        case .schedule:
            let notPast = allDay ? Zones.startOfDay(Zones.local(at: now, in: zone).date, in: zone).addingTimeInterval(-1) : now
            next = rule.next(start: start, startIndex: index, zone: zone, after: max(due.at, notPast))
        case .completion:
            let today = Zones.local(at: now, in: zone).date
            let from = LocalDateTime(date: today, hour: start.hour, minute: start.minute, second: start.second)!
            next = rule.next(start: from, startIndex: index, zone: zone, after: Zones.instant(of: from, in: zone))
        }
        guard let next else { return nil }
        let nextDue: ResolvedDue =
            allDay
            ? ResolvedDue(.allDay(next.local.date), defaultTimeZone: due.timeZone)
            : ResolvedDue(.dateTime(next.local, timeZone: due.timeZone), defaultTimeZone: due.timeZone)
        let successor = TodoTask(
            id: .v7(at: now), userID: task.userID, title: task.title, description: task.description, priority: task.priority,
            tags: task.tags, due: nextDue, recurrence: recurrence, seriesID: task.seriesID ?? task.id, occurrenceIndex: next.index,
            createdAt: now, updatedAt: now,
            // Relative reminders carry over to the next occurrence's due; absolute ones were for
            // this occurrence only.
            reminders: Reminder.ordered(
                task.reminders.compactMap { r in
                    guard case .before = r.trigger else { return nil }
                    return Reminder(id: .v7(at: now), trigger: r.trigger, channels: r.channels, remindAt: Reminder.remindAt(r.trigger, dueAt: nextDue.at))
                }))
        guard let created = try await insert(successor, spawnedFrom: task.id, conn: conn, dialect: dialect) else { return nil }
        try await EventOutbox.append(.task(.created, created, at: now), conn: conn)
        return created
    }
}
