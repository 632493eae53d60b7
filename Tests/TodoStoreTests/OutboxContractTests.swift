import Foundation
import Testing
import TodoCore
import TodoStore
import TodoTesting

/// Every task change writes exactly its event, in the same transaction; a refused change writes
/// none. Both databases.
@Suite struct OutboxContractTests {
    func events(_ db: any SQLDatabase, for user: User) async throws -> [JSONValue] {
        try await EventLogReader(db: db).tail(topic: Topic.taskEvents, limit: 10_000)
            .map { try JSONValue.parse(Data($0.utf8)) }
            .filter { $0["data"]?["user_id"] == .string(user.id.lowercased) }
    }

    @Test(arguments: TestDatabase.available)
    func eachChangeWritesItsCloudEvent(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let task = try await store.create(userID: user.id, draft: TaskDraft(title: "Write", tags: ["work"]))
            _ = try await store.update(id: task.id, userID: user.id, patch: TaskPatch(title: "Write more"), precondition: .unconditional)
            // no change, no event
            _ = try await store.update(id: task.id, userID: user.id, patch: TaskPatch(title: "Write more"), precondition: .unconditional)
            _ = try await store.setCompleted(id: task.id, userID: user.id, completed: true)
            _ = try await store.setCompleted(id: task.id, userID: user.id, completed: true)  // idempotent, no event
            _ = try await store.setCompleted(id: task.id, userID: user.id, completed: false)
            _ = try await store.renameTag(userID: user.id, from: "work", to: "job")
            try await store.delete(id: task.id, userID: user.id, precondition: .unconditional)
            let log = try await events(db, for: user)
            #expect(log.map { $0["type"] } == ["task.created", "task.updated", "task.completed", "task.reopened", "task.updated", "task.deleted"])
            let first = try #require(log.first)
            #expect(first["specversion"] == "1.0")
            #expect(first["source"] == "/todo/tasks")
            #expect(first["datacontenttype"] == "application/json")
            #expect(first["partitionkey"] == .string(user.id.lowercased))
            #expect(first["subject"] == .string(task.id.lowercased))
            #expect(first["data"]?["event_type"] == "task.created")
            #expect(first["data"]?["task_id"] == .string(task.id.lowercased))
            #expect(first["data"]?["task_data"]?["title"] == "Write")
            #expect(first["data"]?["timestamp"] != nil)
            #expect(log[1]["data"]?["changes"] == ["title": ["old": "Write", "new": "Write more"]])
            #expect(log[4]["data"]?["changes"] == ["tags": ["old": ["work"], "new": ["job"]]])
            #expect(Set(log.compactMap { $0["id"]?.stringValue }).count == log.count)
        }
    }

    @Test(arguments: TestDatabase.available)
    func refusedChangesWriteNoEvent(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let task = try await store.create(userID: user.id, draft: TaskDraft(title: "Guarded"))
            await #expect(throws: TodoError.self) {
                try await store.update(id: task.id, userID: user.id, patch: TaskPatch(title: "Lost"), precondition: VersionPrecondition(expecting: 7))
            }
            await #expect(throws: TodoError.self) {
                try await store.delete(id: task.id, userID: user.id, precondition: VersionPrecondition(expecting: 7))
            }
            let other = try await makeUser(db)
            await #expect(throws: TodoError.self) { try await store.setCompleted(id: task.id, userID: other.id, completed: true) }
            #expect(try await events(db, for: user).map { $0["type"] } == ["task.created"])
        }
    }

    /// Retention never deletes what a group has not read, nor (in Dapr mode) what the sidecar has
    /// not accepted; it deletes old events every group has moved past, with their processed marks.
    @Test(arguments: TestDatabase.available)
    func retentionDeletesOnlyOldEventsEveryGroupHasRead(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let user = try await makeUser(db)
            let store = TaskStore(db: db)
            for i in 0..<4 { _ = try await store.create(userID: user.id, draft: TaskDraft(title: "T\(i)")) }
            let log = EventLog(db: db)
            _ = try await log.sequence()
            let partition = Topic.partition(forKey: user.id.lowercased)
            let offsets = try await log.read(topic: Topic.taskEvents, partition: partition, from: 0, limit: 100).map(\.offset)
            #expect(offsets.count == 4)
            // Group "fast" read everything, group "slow" only the first two.
            try await log.commit(group: "fast", topic: Topic.taskEvents, partition: partition, nextOffset: offsets[3] + 1)
            try await log.commit(group: "slow", topic: Topic.taskEvents, partition: partition, nextOffset: offsets[2])
            let count = { try await db.read { conn in try await conn.first("SELECT COUNT(*) AS n FROM events")!.int("n") } }
            let later = Date().addingTimeInterval(8 * 86400)
            // Young events stay whatever was read.
            _ = try await Housekeeping(db: db).sweep()
            #expect(try await count() == 4)
            // Dapr mode: nothing was published yet, so nothing goes.
            _ = try await Housekeeping(db: db, requirePublished: true).sweep(now: later)
            #expect(try await count() == 4)
            // Old: the two both groups read go; the two "slow" has not read stay.
            while try await Housekeeping(db: db).sweep(now: later) > 0 {}
            let left = try await log.read(topic: Topic.taskEvents, partition: partition, from: 0, limit: 100).map(\.offset)
            #expect(left == Array(offsets[2...]))
            // A reset to earliest starts at what is still there.
            let reset = try await log.reset(group: "slow", topic: Topic.taskEvents, to: .earliest)
            #expect(reset[partition] == offsets[2])
        }
    }
}
