import Foundation
import Synchronization
import Testing
import TodoCore
import TodoStore
import TodoTesting

/// Races that must come out right on both databases (on PostgreSQL through separate pooled
/// connections, so the row locks and unique keys are what decides).
@Suite struct ConcurrencyContractTests {
    /// A transaction whose session the server ended fails at once, as `DatabaseUnavailable`, and the pool goes on with a
    /// new connection: it must not wait forever on a statement or ROLLBACK the dead connection
    /// never answers (that wait once stopped a consumer for good and made a process ignore
    /// SIGTERM). Two ways a session ends: idle_in_transaction_session_timeout while the process
    /// was frozen (the next statement finds the connection closed), and the server terminating
    /// the backend while a statement runs (the statement gets the FATAL error).
    @Test(arguments: TestDatabase.available.filter { $0 == .postgres })
    func aTransactionWhoseSessionTheServerEndedFailsPromptly(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let idle: @Sendable (any SQLConnection) async throws -> Void = { conn in
                try await conn.execute("SET LOCAL idle_in_transaction_session_timeout = '50ms'")
                try await Task.sleep(for: .milliseconds(500))
                try await conn.execute("SELECT 1")
            }
            let terminated: @Sendable (any SQLConnection) async throws -> Void = { conn in
                try await conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")
            }
            for body in [idle, terminated] {
                let outcome = Mutex<String?>(nil)
                // Unstructured, so that a hang fails this test instead of hanging the suite.
                Task {
                    do {
                        try await db.write(body)
                        outcome.withLock { $0 = "committed" }
                    } catch is DatabaseUnavailable {
                        outcome.withLock { $0 = "unavailable" }
                    } catch {
                        outcome.withLock { $0 = "failed: \(String(reflecting: error))" }
                    }
                }
                let deadline = ContinuousClock.now + .seconds(15)
                while outcome.withLock({ $0 }) == nil && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                // DatabaseUnavailable: what the API answers 503 for and the services retry — not a
                // fault of the work (a 500, a dead-lettered event)
                #expect(outcome.withLock { $0 } == "unavailable")
                let n = try await db.write { conn in try await conn.first("SELECT 1 AS n")!.int("n") }
                #expect(n == 1)
            }
        }
    }

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
                        _ = try await store.update(id: task.id, userID: user.id, patch: TaskPatch(title: "Edit \(i)"), precondition: .unconditional)
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
                            id: task.id, userID: user.id, patch: TaskPatch(description: "writer \(i)"),
                            precondition: VersionPrecondition(expecting: current.version))) != nil
                    }
                }
                return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(wins == 1)
        }
    }

    /// Two transactions create the same new tag at once. On PostgreSQL a create links its tags
    /// in one statement, which cannot see a tag another transaction committed after it began
    /// (its insert waits for that transaction, then does nothing): the create must notice and
    /// link it anyway, never drop it.
    @Test(arguments: TestDatabase.available)
    func aTagCreatedConcurrentlyIsStillLinked(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let inserted = AsyncStream<Void>.makeStream()
            async let holder: Void = db.write { conn in
                try await conn.execute(
                    "INSERT INTO tags (id, user_id, name, key, created_at) VALUES (\(UUID()), \(user.id), \("Fresh"), \("fresh"), \(Date()))")
                inserted.continuation.yield()
                try await Task.sleep(for: .milliseconds(300))
            }
            for await _ in inserted.stream { break }
            let task = try await store.create(userID: user.id, draft: TaskDraft(title: "Tagged", tags: ["fresh", "other"]))
            try await holder
            #expect(task.tags == ["Fresh", "other"])
            #expect(try await store.get(id: task.id, userID: user.id).tags == ["Fresh", "other"])
        }
    }

}
