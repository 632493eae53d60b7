import Foundation
import Logging
import Testing
import TodoCore
import TodoEvents
import TodoStore
import TodoTesting

/// Lets the recurring-task-service catch up: sequences the log and drains its consumer group
/// (what its service does in the background).
func settle(_ db: any SQLDatabase) async throws {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    while try await EventLog(db: db).sequence() > 0 {}
    let consumer = Consumer(
        group: RecurringTaskHandler.group, topic: Topic.taskEvents, handler: RecurringTaskHandler(logger: logger), db: db, logger: logger)
    try await consumer.drain()
    while try await EventLog(db: db).sequence() > 0 {}
}

/// Completing or skipping an occurrence of a series makes the recurring-task-service create the
/// next one, once, on both databases.
@Suite struct RecurringTaskServiceTests {
    func at(_ local: String, _ zone: TimeZoneID = "Europe/Berlin") -> ResolvedDue {
        ResolvedDue(.dateTime(LocalDateTime(local)!, timeZone: zone), defaultTimeZone: zone)
    }

    func instant(_ s: String) -> Date { Timestamp.parse(s)! }

    func openTasks(_ store: TaskStore, _ user: User) async throws -> [TodoTask] {
        try await store.list(userID: user.id, query: TaskQuery()).items
    }

    @Test(arguments: TestDatabase.available)
    func completingCreatesTheNextOccurrenceExactlyOnce(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let first = try await store.create(
                userID: user.id,
                draft: TaskDraft(
                    title: "Standup", tags: ["work"], due: at("2026-11-02T09:00"),
                    recurrence: Recurrence(rule: "FREQ=WEEKLY;BYDAY=MO,WE", anchor: .schedule)))
            #expect(first.seriesID == first.id)
            #expect(first.occurrenceIndex == 0)
            let now = instant("2026-11-02T10:00:00Z")
            _ = try await store.setCompleted(id: first.id, userID: user.id, completed: true, now: now)
            try await settle(db)
            _ = try await store.setCompleted(id: first.id, userID: user.id, completed: true, now: now)
            try await settle(db)
            _ = try await store.setCompleted(id: first.id, userID: user.id, completed: false, now: now)
            try await settle(db)
            _ = try await store.setCompleted(id: first.id, userID: user.id, completed: true, now: instant("2026-11-12T10:00:00Z"))
            try await settle(db)
            let open = try await openTasks(store, user)
            #expect(open.count == 1)
            let next = try #require(open.first)
            #expect(next.due.map(dueJSON) == ["date_time": "2026-11-04T09:00", "time_zone": "Europe/Berlin", "at": "2026-11-04T08:00:00Z"])
            #expect(next.seriesID == first.id)
            #expect(next.occurrenceIndex == 1)
            #expect(next.tags == ["work"])
            #expect(next.recurrence == first.recurrence)
        }
    }

    @Test(arguments: TestDatabase.available)
    func concurrentCompletionsCreateOneSuccessor(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let first = try await store.create(
                userID: user.id,
                draft: TaskDraft(title: "Race", due: at("2026-11-02T09:00"), recurrence: Recurrence(rule: "FREQ=DAILY", anchor: .schedule)))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<8 {
                    group.addTask {
                        // Complete and reopen in a race: whatever interleaves, one successor.
                        _ = try await store.setCompleted(
                            id: first.id, userID: user.id, completed: i % 2 == 0, now: self.instant("2026-11-02T10:00:00Z"))
                        try await settle(db)
                    }
                }
                try await group.waitForAll()
            }
            _ = try await store.setCompleted(id: first.id, userID: user.id, completed: true, now: instant("2026-11-02T10:00:00Z"))
            try await settle(db)
            try await settle(db)
            let all = try await store.list(userID: user.id, query: try TaskQuery(parameters: [("status", "all")], timeZone: "UTC")).items
            #expect(all.count == 2)
        }
    }

    @Test(arguments: TestDatabase.available)
    func scheduleAnchorSkipsMissedInstances(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let first = try await store.create(
                userID: user.id,
                draft: TaskDraft(
                    title: "Gym", due: at("2026-11-02T09:00"), recurrence: Recurrence(rule: "FREQ=WEEKLY;BYDAY=MO,WE", anchor: .schedule)))
            _ = try await store.setCompleted(id: first.id, userID: user.id, completed: true, now: instant("2026-11-20T12:00:00Z"))
            try await settle(db)
            let next = try #require(try await openTasks(store, user).first)
            #expect(next.due?.at == instant("2026-11-23T08:00:00Z"))
            #expect(next.occurrenceIndex == 6)
        }
    }

    @Test(arguments: TestDatabase.available)
    func completionAnchorCountsFromTheDayItWasDone(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let first = try await store.create(
                userID: user.id,
                draft: TaskDraft(
                    title: "Water plants", due: at("2026-11-02T09:00"), recurrence: Recurrence(rule: "FREQ=DAILY;INTERVAL=3", anchor: .completion)))
            _ = try await store.setCompleted(id: first.id, userID: user.id, completed: true, now: instant("2026-11-10T14:00:00Z"))
            try await settle(db)
            let next = try #require(try await openTasks(store, user).first)
            #expect(next.due.map(dueJSON) == ["date_time": "2026-11-13T09:00", "time_zone": "Europe/Berlin", "at": "2026-11-13T08:00:00Z"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func countEndsTheSeriesAndAllDayKeepsDates(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db, timeZone: "America/New_York")
            let due = ResolvedDue(.allDay(LocalDate("2026-11-17")!), defaultTimeZone: "America/New_York")
            let first = try await store.create(
                userID: user.id, draft: TaskDraft(title: "Pills", due: due, recurrence: Recurrence(rule: "FREQ=DAILY;COUNT=2", anchor: .schedule)))
            // Three days late, at noon in New York: the next all-day occurrence is today, not in the past.
            _ = try await store.setCompleted(id: first.id, userID: user.id, completed: true, now: instant("2026-11-20T17:00:00Z"))
            try await settle(db)
            let open = try await openTasks(store, user)
            #expect(open.count == 0)  // COUNT=2: the only other instance (Nov 18) is in the past
            let second = try await store.create(
                userID: user.id, draft: TaskDraft(title: "Vitamins", due: due, recurrence: Recurrence(rule: "FREQ=DAILY;COUNT=5", anchor: .schedule)))
            _ = try await store.setCompleted(id: second.id, userID: user.id, completed: true, now: instant("2026-11-20T17:00:00Z"))
            try await settle(db)
            let next = try #require(try await openTasks(store, user).first)
            #expect(next.due.map(dueJSON) == ["date": "2026-11-20"])
            #expect(next.occurrenceIndex == 3)
            _ = try await store.setCompleted(id: next.id, userID: user.id, completed: true, now: instant("2026-11-20T17:00:00Z"))
            try await settle(db)
            let last = try #require(try await openTasks(store, user).first)
            #expect(last.due.map(dueJSON) == ["date": "2026-11-21"])
            #expect(last.occurrenceIndex == 4)
            _ = try await store.setCompleted(id: last.id, userID: user.id, completed: true, now: instant("2026-11-21T17:00:00Z"))
            try await settle(db)
            #expect(try await openTasks(store, user).isEmpty)
        }
    }

    @Test(arguments: TestDatabase.available)
    func wallClockTimeSurvivesTheDSTChange(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let first = try await store.create(
                userID: user.id,
                draft: TaskDraft(title: "Review", due: at("2026-10-19T09:00"), recurrence: Recurrence(rule: "FREQ=WEEKLY", anchor: .schedule)))
            #expect(first.due?.at == instant("2026-10-19T07:00:00Z"))
            _ = try await store.setCompleted(id: first.id, userID: user.id, completed: true, now: instant("2026-10-19T08:00:00Z"))
            try await settle(db)
            let next = try #require(try await openTasks(store, user).first)
            #expect(next.due?.at == instant("2026-10-26T08:00:00Z"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func skippingKeepsTheOccurrenceInTheHistory(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let first = try await store.create(
                userID: user.id,
                draft: TaskDraft(title: "Report", due: at("2026-11-02T09:00"), recurrence: Recurrence(rule: "FREQ=DAILY", anchor: .schedule)))
            let skipped = try await store.skip(id: first.id, userID: user.id, now: instant("2026-11-02T07:00:00Z"))
            try await settle(db)
            #expect(skipped.skippedAt != nil)
            let second = try #require(try await openTasks(store, user).first)
            #expect(second.occurrenceIndex == 1)
            _ = try await store.setCompleted(id: second.id, userID: user.id, completed: true, now: instant("2026-11-03T07:00:00Z"))
            try await settle(db)
            let history = try await store.history(id: second.id, userID: user.id)
            #expect(history.map(\.task.id) == [first.id, second.id])
            #expect(history.map(\.status.rawValue) == ["skipped", "completed"])
            let plain = try await store.create(userID: user.id, draft: TaskDraft(title: "Once"))
            await #expect(throws: TodoError.self) { try await store.skip(id: plain.id, userID: user.id) }
            let other = try await makeUser(db)
            await #expect(throws: TodoError.notFound(resource: "task")) { try await store.history(id: first.id, userID: other.id) }
            await #expect(throws: TodoError.notFound(resource: "task")) { try await store.skip(id: second.id, userID: other.id) }
        }
    }

    @Test(arguments: TestDatabase.available)
    func theNextOccurrenceComesWithItsEventAndAReplayChangesNothing(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let due = ResolvedDue(.dateTime(LocalDateTime("2030-01-07T09:00")!, timeZone: "UTC"), defaultTimeZone: "UTC")
            let task = try await store.create(
                userID: user.id, draft: TaskDraft(title: "Daily", due: due, recurrence: Recurrence(rule: "FREQ=DAILY", anchor: .schedule)))
            _ = try await store.setCompleted(id: task.id, userID: user.id, completed: true, now: Timestamp.parse("2030-01-07T10:00:00Z")!)
            try await settle(db)
            let log = try await EventLogReader(db: db).tail(topic: Topic.taskEvents, limit: 100_000).map { try JSONValue.parse(Data($0.utf8)) }
                .filter { $0["partitionkey"] == .string(user.id.lowercased) }
            #expect(log.map { $0["type"] } == ["task.created", "task.completed", "task.created"])
            #expect(log[2]["data"]?["task_data"]?["occurrence_index"] == 1)
            // The runbook's emergency reset: replay the whole topic. Nothing is created twice.
            try await EventLog(db: db).reset(group: RecurringTaskHandler.group, topic: Topic.taskEvents, to: .earliest)
            try await settle(db)
            let all = try await store.list(userID: user.id, query: try TaskQuery(parameters: [("status", "all")], timeZone: "UTC")).items
            #expect(all.count == 2)
        }
    }

    /// The trace of the request that completed an occurrence continues into the next
    /// occurrence's `task.created` (W3C `traceparent`, CloudEvents' tracing extension).
    @Test(arguments: TestDatabase.available)
    func theTraceContinuesFromTheCompletionToTheNextOccurrence(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let first = try await store.create(
                userID: user.id,
                draft: TaskDraft(title: "Trace", due: at("2026-11-02T09:00"), recurrence: Recurrence(rule: "FREQ=DAILY", anchor: .schedule)))
            let trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            _ = try await TraceContext.$traceparent.withValue(trace) {
                try await store.setCompleted(id: first.id, userID: user.id, completed: true, now: instant("2026-11-02T10:00:00Z"))
            }
            try await settle(db)
            let events = try await EventLogReader(db: db).tail(topic: Topic.taskEvents, limit: 10).compactMap { try? JSONValue.parse(Data($0.utf8)) }
            let created = events.filter { $0["type"] == "task.created" }
            #expect(created.count == 2)
            #expect(created.first?["traceparent"] == nil)  // the first create had no trace
            #expect(created.last?["traceparent"] == .string(trace))
            #expect(events.first { $0["type"] == "task.completed" }?["traceparent"] == .string(trace))
            #expect(TraceContext.valid("00-00000000000000000000000000000000-00f067aa0ba902b7-01") == nil)
            #expect(TraceContext.valid("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01") == nil)
            let roots = (0..<100).map { _ in TraceContext.newRoot() }
            #expect(roots.allSatisfy { TraceContext.valid($0) == $0 && $0.hasSuffix("-00") })
            #expect(Set(roots).count == 100)
        }
    }

    /// Relative reminders carry over to the next occurrence (moved to its due); absolute ones
    /// belonged to the completed occurrence only.
    @Test(arguments: TestDatabase.available)
    func theNextOccurrenceGetsItsOwnRelativeReminders(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let first = try await store.create(
                userID: user.id,
                draft: TaskDraft(
                    title: "Pills", due: at("2026-11-02T09:00"), recurrence: Recurrence(rule: "FREQ=DAILY", anchor: .schedule),
                    reminders: [
                        ReminderSpec(trigger: .before(seconds: 300), channels: [.inApp]), ReminderSpec(trigger: .at(instant("2026-11-02T07:00:00Z"))),
                    ]))
            _ = try await store.setCompleted(id: first.id, userID: user.id, completed: true, now: instant("2026-11-02T08:30:00Z"))
            try await settle(db)
            let next = try #require(try await openTasks(store, user).first)
            #expect(next.reminders.count == 1)
            #expect(next.reminders.first?.trigger == .before(seconds: 300))
            #expect(next.reminders.first?.channels == [.inApp])
            #expect(next.reminders.first?.remindAt == instant("2026-11-03T07:55:00Z"))  // 09:00 Berlin − 5 min
            #expect(next.reminders.first?.state == .pending)
            #expect(try await store.get(id: first.id, userID: user.id).reminders.allSatisfy { $0.state == .cancelled })
        }
    }

    /// Many completions consumed in one run go through the batch path (`handle(batch:)`): each
    /// series gets its one successor with its tags and reminders, a task deleted before the
    /// consumer ran gets none, each successor's event is written once, and running the same
    /// events again (a replay from offset 0) creates nothing.
    @Test(arguments: TestDatabase.available)
    func aBatchOfCompletionsCreatesEachSuccessorOnce(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            var series: [TodoTask] = []
            for i in 0..<6 {
                series.append(
                    try await store.create(
                        userID: user.id,
                        draft: TaskDraft(
                            title: "Series \(i)", tags: i % 2 == 0 ? ["daily", "s\(i)"] : [], due: at("2026-11-02T09:00"),
                            recurrence: Recurrence(rule: "FREQ=DAILY", anchor: .schedule),
                            reminders: i == 1 ? [ReminderSpec(trigger: .before(seconds: 600), channels: [.inApp])] : [])))
            }
            for task in series {
                _ = try await store.setCompleted(id: task.id, userID: user.id, completed: true, now: instant("2026-11-02T10:00:00Z"))
            }
            try await store.delete(id: series[5].id, userID: user.id, precondition: .unconditional)
            try await settle(db)
            let open = try await openTasks(store, user).sorted { $0.title < $1.title }
            #expect(open.map(\.title) == (0..<5).map { "Series \($0)" })
            #expect(open.map(\.occurrenceIndex) == Array(repeating: 1, count: 5))
            #expect(open[0].tags == ["daily", "s0"] && open[1].tags.isEmpty && open[4].tags == ["daily", "s4"])
            #expect(open[1].reminders.map(\.remindAt) == [instant("2026-11-03T07:50:00Z")])
            #expect(Set(open.map(\.seriesID)) == Set(series.prefix(5).map(\.id)))
            let created = try await EventLogReader(db: db).tail(topic: Topic.taskEvents, limit: 100)
                .compactMap { try? JSONValue.parse(Data($0.utf8)) }.filter { $0["type"] == "task.created" }
            #expect(created.count == 6 + 5)
            // A replay, as after a reset of the group's offsets: the processed marks skip every
            // event; without them too, the handler runs again and the unique `spawned_from`
            // refuses every successor.
            try await db.write { conn in try await conn.execute("DELETE FROM consumer_offsets") }
            try await settle(db)
            try await db.write { conn in
                try await conn.execute("DELETE FROM consumer_offsets")
                try await conn.execute("DELETE FROM processed_events")
            }
            try await settle(db)
            #expect(try await openTasks(store, user).count == 5)
            let again = try await EventLogReader(db: db).tail(topic: Topic.taskEvents, limit: 100)
                .compactMap { try? JSONValue.parse(Data($0.utf8)) }.filter { $0["type"] == "task.created" }
            #expect(again.count == 6 + 5)
        }
    }
}

/// A due as the events carry it (`task_data.due`).
private func dueJSON(_ due: ResolvedDue) -> JSONValue {
    var task = TodoTask(id: UUID(), userID: UUID(), title: "", createdAt: Date(), updatedAt: Date())
    task.due = due
    return CloudEventCodec.taskData(TaskSnapshot(task))["due"] ?? .null
}
