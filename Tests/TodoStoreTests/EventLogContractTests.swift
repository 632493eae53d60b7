import Foundation
import Testing
import TodoCore
import TodoStore
import TodoTesting

@Suite struct EventLogContractTests {
    func offsets(_ db: any SQLDatabase, _ user: User) async throws -> [Int] {
        let partition = Topic.partition(forKey: user.id.lowercased)
        return try await EventLog(db: db).read(topic: Topic.taskEvents, partition: partition, from: 0, limit: 100_000)
            .filter { (try? JSONValue.parse(Data($0.cloudEvent.utf8)))?["partitionkey"] == .string(user.id.lowercased) }
            .map(\.offset)
    }

    @Test(arguments: TestDatabase.available)
    func offsetsAreContiguousPerPartitionInWriteOrder(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let log = EventLog(db: db)
            let user = try await makeUser(db)
            for i in 0..<5 { _ = try await store.create(userID: user.id, draft: TaskDraft(title: "T\(i)")) }
            while try await log.sequence(batch: 3) > 0 {}
            let mine = try await offsets(db, user)
            _ = try await log.sequence()  // sequencing again never moves what has an offset
            #expect(try await offsets(db, user) == mine)
            #expect(mine.count == 5)
            #expect(mine == mine.sorted())
            let partition = Topic.partition(forKey: user.id.lowercased)
            let all = try await log.read(topic: Topic.taskEvents, partition: partition, from: 0, limit: 100_000).map(\.offset)
            #expect(all == Array(all.indices.map { $0 + (all.first ?? 0) }))  // no gaps
        }
    }

    /// The PostgreSQL trap: a transaction that started first but commits last must not be skipped
    /// by a consumer that already read past the events committed meanwhile.
    @Test func lateCommitsAreSequencedAfterWhatWasReadAlready() async throws {
        guard TestDatabase.available.contains(.postgres) else { return }
        try await TestDatabase.postgres.with { db in
            let store = TaskStore(db: db)
            let log = EventLog(db: db)
            let user = try await makeUser(db)
            let slow = try await store.create(userID: user.id, draft: TaskDraft(title: "slow"))
            _ = try await log.sequence()
            let (gate, open) = AsyncStream<Void>.makeStream()
            let (started, didStart) = AsyncStream<Void>.makeStream()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Holds its transaction (and its outbox row) open until the gate opens.
                    _ = try await db.write { conn -> Bool in
                        try await conn.execute("UPDATE tasks SET title = 'held' WHERE id = \(slow.id)")
                        try await conn.execute(
                            """
                            INSERT INTO events (id, topic, partition_no, event_key, type, cloud_event, created_at)
                            VALUES (\(UUID.v7()), \(Topic.taskEvents), \(Topic.partition(forKey: user.id.lowercased)), \(user.id.lowercased),
                              'task.updated', \("{\"partitionkey\":\"\(user.id.lowercased)\",\"late\":true}"), \(Date()))
                            """)
                        didStart.yield()
                        for await _ in gate { break }
                        return true
                    }
                }
                for await _ in started { break }
                _ = try await store.create(userID: user.id, draft: TaskDraft(title: "fast"))
                _ = try await log.sequence()
                let before = try await offsets(db, user)
                #expect(before.count == 2)  // the slow transaction's event is not visible yet
                open.yield()
                open.finish()
                try await group.waitForAll()
            }
            _ = try await log.sequence()
            let after = try await offsets(db, user)
            #expect(after.count == 3)
            #expect(after.last! > after.dropLast().max()!)
        }
    }

    /// Appends a raw event to `topic` (a topic of the test's own, so parallel tests on the shared
    /// PostgreSQL database cannot move its offsets).
    func append(_ db: any SQLDatabase, topic: Topic, partition: Int, at time: Date) async throws {
        try await db.write { conn in
            try await conn.execute(
                """
                INSERT INTO events (id, topic, partition_no, event_key, type, cloud_event, created_at)
                VALUES (\(UUID.v7()), \(topic), \(partition), 'k', 'test.event', '{}', \(time.truncatedToMillis))
                """)
        }
    }

    @Test(arguments: TestDatabase.available)
    func lagCommitAndReset(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let log = EventLog(db: db)
            let topic = Topic(rawValue: "test-\(UUID().uuidString.lowercased())")
            let start = Date().addingTimeInterval(-600)
            for i in 0..<4 { try await append(db, topic: topic, partition: 3, at: start.addingTimeInterval(Double(i) * 60)) }
            try await append(db, topic: topic, partition: 5, at: start)
            while try await log.sequence() > 0 {}
            let group = "group-\(UUID().uuidString.lowercased())"
            try await log.commit(group: group, topic: topic, partition: 3, nextOffset: 2)
            let lag = try await log.lag(group: group).filter { $0.topic == topic }
            // every partition, as kafka-consumer-groups.sh --describe lists them: those that never
            // had an event too
            #expect(lag.map(\.partition) == Array(0..<Topic.partitions))
            let p3 = lag[3]
            #expect((p3.currentOffset, p3.logEndOffset, p3.lag) == (2, 4, 2))
            #expect((Duration.seconds(421)...Duration.seconds(539)).contains(p3.oldestUnconsumedAge ?? .zero))  // the event written at start + 2 min
            #expect(lag[5].lag == 1)  // never committed there: starts at 0
            #expect(lag.filter { ![3, 5].contains($0.partition) }.allSatisfy { ($0.currentOffset, $0.logEndOffset, $0.lag) == (0, 0, 0) })
            #expect(lag[0].oldestUnconsumedAge == nil)
            #expect(try await log.reset(group: group, topic: topic, to: .datetime(start.addingTimeInterval(90)))[3] == 2)
            #expect(try await log.reset(group: group, topic: topic, to: .earliest)[3] == 0)
            let future = try await log.reset(group: group, topic: topic, to: .datetime(Date().addingTimeInterval(3600)))
            #expect(future[3] == 4 && future[5] == 1 && future[0] == 0)
            #expect(try await log.lag(group: group).filter { $0.topic == topic }.allSatisfy { $0.lag == 0 })
        }
    }
}
