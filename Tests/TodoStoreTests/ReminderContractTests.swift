import Foundation
import Testing
import TodoCore
import TodoStore
import TodoTesting

@Suite struct ReminderContractTests {
    func at(_ local: String, _ zone: TimeZoneID = "Europe/Berlin") -> ResolvedDue {
        ResolvedDue(.dateTime(LocalDateTime(local)!, timeZone: zone), defaultTimeZone: zone)
    }

    func instant(_ s: String) -> Date { Timestamp.parse(s)! }

    func reminderEvents(_ db: any SQLDatabase) async throws -> [JSONValue] {
        try await EventLogReader(db: db).tail(topic: Topic.reminders, limit: 1000).compactMap { try? JSONValue.parse(Data($0.utf8)) }
    }

    @Test(arguments: TestDatabase.available)
    func relativeRemindersMoveWithTheDueAndStopWhenDone(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let absolute = instant("2026-12-01T07:00:00Z")
            var task = try await store.create(
                userID: user.id,
                draft: TaskDraft(
                    title: "Dentist", due: at("2026-12-01T09:00"),
                    reminders: [ReminderSpec(trigger: .before(seconds: 900)), ReminderSpec(trigger: .at(absolute), channels: [.inApp])]))
            #expect(task.reminders.count == 2)
            let relative = try #require(task.reminders.first { $0.trigger == .before(seconds: 900) })
            #expect(relative.remindAt == instant("2026-12-01T07:45:00Z"))  // 09:00 Berlin = 08:00Z, minus 15 min
            #expect(relative.channels == [.email, .inApp])  // the person's default
            #expect(task.reminders.first { $0.trigger == .at(absolute) }?.channels == [.inApp])
            #expect(try await store.get(id: task.id, userID: user.id).reminders == task.reminders)

            // The due moves: the relative reminder moves with it, the absolute one stays.
            task = try await store.update(
                id: task.id, userID: user.id, patch: TaskPatch(due: .set(at("2026-12-02T10:30"))), precondition: .unconditional)
            #expect(task.reminders.first { $0.id == relative.id }?.remindAt == instant("2026-12-02T09:15:00Z"))
            #expect(task.reminders.first { $0.trigger == .at(absolute) }?.remindAt == absolute)
            // No due: the relative one waits for a due.
            task = try await store.update(id: task.id, userID: user.id, patch: TaskPatch(due: .clear), precondition: .unconditional)
            #expect(task.reminders.first { $0.id == relative.id }?.remindAt == nil)

            // Completing cancels what has not fired; reopening brings back what is still ahead.
            task = try await store.setCompleted(id: task.id, userID: user.id, completed: true, now: instant("2026-11-29T12:00:00Z"))
            #expect(task.reminders.allSatisfy { $0.state == .cancelled })
            task = try await store.setCompleted(id: task.id, userID: user.id, completed: false, now: instant("2026-11-29T12:00:00Z"))
            #expect(task.reminders.allSatisfy { $0.state == .pending })
            #expect(try await store.get(id: task.id, userID: user.id).reminders == task.reminders)

            // The same list again changes nothing; null removes them.
            let same = try await store.update(
                id: task.id, userID: user.id,
                patch: TaskPatch(reminders: [ReminderSpec(trigger: .before(seconds: 900)), ReminderSpec(trigger: .at(absolute), channels: [.inApp])]),
                precondition: .unconditional)
            #expect(same.version == task.version)
            task = try await store.update(id: task.id, userID: user.id, patch: TaskPatch(reminders: []), precondition: .unconditional)
            #expect(task.reminders.isEmpty)
            #expect(try await store.get(id: task.id, userID: user.id).reminders.isEmpty)
        }
    }

    @Test(arguments: TestDatabase.available)
    func dueRemindersFireOnceMissedOnesAreRecorded(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let reminders = ReminderStore(db: db)
            let user = try await makeUser(db)
            let task = try await store.create(
                userID: user.id,
                draft: TaskDraft(
                    title: "Call the bank", due: at("2026-12-01T09:00"),
                    reminders: [
                        ReminderSpec(trigger: .before(seconds: 3600)), ReminderSpec(trigger: .before(seconds: 600)),
                        ReminderSpec(trigger: .at(instant("2026-11-01T00:00:00Z"))),
                    ]))
            #expect(try await reminders.nextDue() == instant("2026-11-01T00:00:00Z"))
            // The scheduler comes back at 07:40Z with a 10-minute catch-up: the month-old reminder and
            // the hour-before one (07:00Z, 40 minutes ago) are recorded as missed, not sent.
            let first = try await reminders.fireDue(now: instant("2026-12-01T07:40:00Z"), catchUp: .seconds(600))
            #expect(first == ReminderStore.Fired(fired: 0, missed: 2))
            // The ten-minutes-before one fires on time, once.
            let onTime = try await reminders.fireDue(now: instant("2026-12-01T07:50:00.500Z"), catchUp: .seconds(600))
            #expect(onTime.fired == 1)
            #expect(try await reminders.fireDue(now: instant("2026-12-01T07:51:00Z"), catchUp: .seconds(600)).total == 0)
            let events = try await reminderEvents(db)
            #expect(events.count == 1)
            let data = try #require(events.first?["data"])
            #expect(events.first?["type"] == "reminder.due")
            #expect(data["task_id"] == .string(task.id.lowercased))
            #expect(data["title"] == "Call the bank")
            #expect(data["remind_at"] == "2026-12-01T07:50:00.000Z")
            #expect(data["due_at"] == "2026-12-01T08:00:00.000Z")
            #expect(data["email"] == .string(user.email))
            #expect(data["time_zone"] == "Europe/Berlin")
            #expect(data["channels"] == .array(["email", "in_app"]))
            let states = try await store.get(id: task.id, userID: user.id).reminders.map(\.state)
            #expect(states.filter { $0 == .missed }.count == 2 && states.filter { $0 == .fired }.count == 1)
            #expect(try await reminders.nextDue() == nil)
        }
    }

    /// Two schedulers on one PostgreSQL: every reminder fires exactly once.
    @Test func twoSchedulersFireEachReminderOnce() async throws {
        guard TestDatabase.available.contains(.postgres) else { return }
        try await TestDatabase.postgres.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            for i in 0..<60 {
                _ = try await store.create(
                    userID: user.id,
                    draft: TaskDraft(
                        title: "R\(i)", reminders: [ReminderSpec(trigger: .at(instant("2026-12-01T07:00:00Z").addingTimeInterval(Double(i))))]))
            }
            let now = instant("2026-12-01T07:01:30Z")
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        var n = 0
                        while true {
                            let r = try await ReminderStore(db: db).fireDue(now: now, catchUp: .seconds(3600), limit: 7)
                            n += r.fired
                            if r.total == 0 { return n }
                        }
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(counts.reduce(0, +) == 60)
            let events = try await reminderEvents(db)
            #expect(events.count == 60)
            #expect(Set(events.compactMap { $0["data"]?["reminder_id"]?.stringValue }).count == 60)
        }
    }

    @Test func durationsAndValidation() throws {
        #expect(ISODuration.seconds("PT15M") == 900)
        #expect(ISODuration.seconds("P1DT2H30M") == 95400)
        #expect(ISODuration.seconds("P1W") == 604_800)
        #expect(ISODuration.seconds("PT0S") == 0)
        for bad in ["P", "PT", "15M", "P1M", "P1Y", "PT1H1H", "PT1M1H", "P1DT", "PT-5M", "P1.5D", "pt15m"] {
            #expect(ISODuration.seconds(bad) == nil, "\(bad)")
        }
        #expect(ISODuration.format(900) == "PT15M")
        #expect(ISODuration.format(86400) == "P1D")
        #expect(ISODuration.format(95400) == "P1DT2H30M")
        #expect(ISODuration.format(0) == "PT0S")
        let bad: JSONValue = .array([
            ["before": "15 minutes"], ["at": "tomorrow"], ["before": "PT5M", "at": "2026-12-01T08:00:00Z"], [:],
            ["before": "PT5M", "channels": ["sms"]], ["before": "P29D"], ["before": "PT5M", "sound": true],
        ])
        #expect {
            try ReminderSpec.parseList(bad)
        } throws: { error in
            guard case TodoError.validation(let errors) = error else { return false }
            let fields = Set(errors.map(\.field))
            return fields == [
                "reminders[0].before", "reminders[1].at", "reminders[2]", "reminders[3]", "reminders[4].channels", "reminders[5].before",
                "reminders[6].sound",
            ]
        }
        #expect(throws: TodoError.self) { try ReminderSpec.parseList(.array(Array(repeating: ["before": "PT5M"], count: 11))) }
    }
}
