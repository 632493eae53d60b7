import Foundation
import TodoCore

/// Reminders live in their own table, written in the same transaction as their task. Every
/// change signals `reminders`, so the scheduler re-reads its next time at once.
extension TaskStore {
    /// The person's default channels (for reminders written without `channels`).
    static func defaultChannels(userID: UUID, conn: any SQLConnection) async throws -> [ReminderChannel] {
        let text = try await conn.first("SELECT reminder_channels FROM users WHERE id = \(userID)")?.optionalString("reminder_channels")
        let channels = (text ?? "").split(separator: ",").compactMap { ReminderChannel(rawValue: String($0)) }
        return channels.isEmpty ? ReminderChannel.allCases.sorted() : channels.sorted()
    }

    /// New reminders for `specs` on a task due at `dueAt`.
    static func resolve(_ specs: [ReminderSpec], dueAt: Date?, userID: UUID, now: Date, conn: any SQLConnection) async throws -> [Reminder] {
        guard !specs.isEmpty else { return [] }
        let defaults = specs.contains { $0.channels == nil } ? try await defaultChannels(userID: userID, conn: conn) : []
        return Reminder.ordered(
            specs.map { spec in
                var reminder = Reminder(
                    id: .v7(at: now), trigger: spec.trigger, channels: spec.channels ?? defaults,
                    remindAt: Reminder.remindAt(spec.trigger, dueAt: dueAt), recipient: spec.recipient)
                reminder.setBy = userID
                return reminder
            })
    }

    static func insertReminders(_ reminders: [Reminder], taskID: UUID, userID: UUID, now: Date, conn: any SQLConnection) async throws {
        try await insertReminders(reminders.map { (taskID, $0) }, userID: userID, now: now, conn: conn)
    }

    /// The reminders of several tasks in one statement (an import's part).
    static func insertReminders(_ reminders: [(taskID: UUID, reminder: Reminder)], userID: UUID, now: Date, conn: any SQLConnection) async throws {
        guard !reminders.isEmpty else { return }
        let rows = reminders.map { taskID, r -> SQLQuery in
            var before: Int?
            var at: Date?
            switch r.trigger {
            case .before(let seconds): before = seconds
            case .at(let instant): at = instant
            }
            return """
                (\(r.id), \(taskID), \(r.setBy ?? userID), \(before), \(at), \(r.channels.map(\.rawValue).joined(separator: ",")), \(r.remindAt),
                 \(r.state.rawValue), \(r.firedAt), \(now), \(r.recipient.rawValue))
                """
        }
        try await conn.execute(
            """
            INSERT INTO reminders (id, task_id, user_id, before_seconds, at, channels, remind_at, state, fired_at, created_at, recipient)
            VALUES \(SQLQuery(rows, separator: ", "))
            """)
        try await conn.notify(.reminders)
    }

    /// Replaces a task's reminders (a PATCH of `reminders`).
    static func replaceReminders(_ reminders: [Reminder], taskID: UUID, userID: UUID, now: Date, conn: any SQLConnection) async throws {
        try await conn.execute("DELETE FROM reminders WHERE task_id = \(taskID)")
        try await insertReminders(reminders, taskID: taskID, userID: userID, now: now, conn: conn)
        try await conn.notify(.reminders)
    }

    /// The due moved: pending relative reminders move with it (fired ones stay as they were).
    static func moveReminders(of task: TodoTask, conn: any SQLConnection) async throws -> [Reminder] {
        var moved = task.reminders
        for i in moved.indices where moved[i].state == .pending {
            guard case .before = moved[i].trigger else { continue }
            let remindAt = Reminder.remindAt(moved[i].trigger, dueAt: task.due?.at)
            guard remindAt != moved[i].remindAt else { continue }
            moved[i].remindAt = remindAt
            try await conn.execute("UPDATE reminders SET remind_at = \(remindAt) WHERE id = \(moved[i].id)")
        }
        try await conn.notify(.reminders)
        return Reminder.ordered(moved)
    }

    /// Completing or skipping cancels what has not fired; reopening brings back those still ahead.
    static func setRemindersActive(_ active: Bool, task: TodoTask, now: Date, conn: any SQLConnection) async throws -> [Reminder] {
        var reminders = task.reminders
        for i in reminders.indices {
            let r = reminders[i]
            if active, r.state == .cancelled, r.remindAt.map({ $0 > now }) ?? true {
                reminders[i].state = .pending
            } else if !active, r.state == .pending {
                reminders[i].state = .cancelled
            } else {
                continue
            }
            try await conn.execute("UPDATE reminders SET state = \(reminders[i].state.rawValue) WHERE id = \(r.id)")
        }
        if reminders != task.reminders { try await conn.notify(.reminders) }
        return reminders
    }

    /// The reminders of each task, earliest first (relative ones of tasks without a due last).
    static func loadReminders(taskIDs: [UUID], conn: any SQLConnection) async throws -> [UUID: [Reminder]] {
        guard !taskIDs.isEmpty else { return [:] }
        let rows = try await conn.query(
            """
            SELECT id, task_id, user_id, before_seconds, at, channels, remind_at, state, fired_at, recipient FROM reminders
            WHERE task_id IN \(list: taskIDs.map(SQLValue.uuid))
            """)
        var result: [UUID: [Reminder]] = [:]
        for row in rows {
            let trigger: ReminderTrigger =
                if let before = row.optionalInt("before_seconds") { .before(seconds: before) } else { .at(try row.date("at")) }
            var reminder = Reminder(
                id: try row.uuid("id"), trigger: trigger,
                channels: try row.string("channels").split(separator: ",").compactMap { ReminderChannel(rawValue: String($0)) },
                remindAt: row.optionalDate("remind_at"), state: ReminderState(rawValue: try row.string("state")) ?? .pending,
                firedAt: row.optionalDate("fired_at"), recipient: ReminderRecipient(rawValue: row.optionalString("recipient") ?? "me") ?? .me)
            reminder.setBy = row.optionalUUID("user_id")
            result[try row.uuid("task_id"), default: []].append(reminder)
        }
        for (id, list) in result { result[id] = Reminder.ordered(list) }
        return result
    }
}
