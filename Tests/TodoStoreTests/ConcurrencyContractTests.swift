import Foundation
import Testing
import TodoCore
import TodoStore
import TodoTesting

/// Races that must come out right on both databases (on PostgreSQL through separate pooled
/// connections, so the row locks and unique keys are what decides).
@Suite struct ConcurrencyContractTests {
    @Test(arguments: TestDatabase.available)
    func oneOfManyConcurrentRetriesReservesTheKey(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = IdempotencyStore(db: db)
            let user = try await makeUser(db)
            let outcomes = try await withThrowingTaskGroup(of: IdempotencyStore.Reservation.self) { group in
                for _ in 0..<12 { group.addTask { try await store.reserve(userID: user.id, key: "race", requestHash: "h") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .reserved }.count == 1)
            #expect(outcomes.filter { $0 == .inProgress }.count == 11)
        }
    }

    @Test(arguments: TestDatabase.available)
    func concurrentCompletionsChangeTheTaskOnce(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let task = try await store.create(userID: user.id, draft: TaskDraft(title: "Race"))
            let results = try await withThrowingTaskGroup(of: TodoTask.self) { group in
                for _ in 0..<10 { group.addTask { try await store.setCompleted(id: task.id, userID: user.id, completed: true) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(results.map(\.version)) == [2])
            #expect(Set(results.compactMap(\.completedAt)).count == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func concurrentPatchesAreNotLost(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let task = try await store.create(userID: user.id, draft: TaskDraft(title: "Counter"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<8 {
                    group.addTask {
                        _ = try await store.update(id: task.id, userID: user.id, patch: TaskPatch(title: "Edit \(i)"), expectedVersion: nil)
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.get(id: task.id, userID: user.id).version == 9)
            // With If-Match, exactly one of several writers holding the same version wins.
            let current = try await store.get(id: task.id, userID: user.id)
            let wins = await withTaskGroup(of: Bool.self) { group in
                for i in 0..<6 {
                    group.addTask {
                        (try? await store.update(
                            id: task.id, userID: user.id, patch: TaskPatch(description: "writer \(i)"), expectedVersion: current.version)) != nil
                    }
                }
                return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(wins == 1)
        }
    }
}
