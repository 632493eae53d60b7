import Foundation
import Logging
import Testing
import TodoCore
import TodoStore
import TodoTesting

@Suite struct ConsumerGroupContractTests {
    /// A member; the TTL is long enough that a slow (loaded) test machine never lets a member
    /// expire between two of its heartbeats here — expiry is tested on purpose, by ageing rows.
    func member(_ name: String, _ db: any SQLDatabase) -> GroupMembership {
        GroupMembership(group: "g", topic: Topic.taskEvents, member: name, db: db, memberTTL: .seconds(120), leaseTTL: .seconds(120))
    }

    /// Heartbeats every member `rounds` times, in order; returns what each owns after the last.
    func rounds(_ members: [GroupMembership], _ n: Int = 2) async throws -> [String: Set<Int>] {
        var owned: [String: Set<Int>] = [:]
        for _ in 0..<n {
            for m in members { owned[m.member] = try await m.heartbeat() }
        }
        return owned
    }

    func expectDisjointCover(_ owned: [String: Set<Int>]) {
        let all = owned.values.flatMap { $0 }
        #expect(all.count == Set(all).count, "a partition has two owners: \(owned)")
        #expect(Set(all) == Set(0..<Topic.partitions), "a partition has no owner: \(owned)")
    }

    @Test(arguments: TestDatabase.available)
    func partitionsAreSplitAndRebalancedWhenMembersComeAndGo(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let a = member("a", db)
            let b = member("b", db)
            let c = member("c", db)
            // Alone, a owns everything.
            #expect(try await a.heartbeat() == Set(0..<Topic.partitions))
            // b joins: it gets nothing until a gives its half up, never two owners meanwhile.
            #expect(try await b.heartbeat() == [])
            var owned = try await rounds([a, b])
            expectDisjointCover(owned)
            #expect(owned["a"]!.count == 6 && owned["b"]!.count == 6)
            // c joins: 4 each within two heartbeats of everyone (partitions move one way at a
            // time: released by the old owner, then claimed by the new).
            owned = try await rounds([c, a, b], 2)
            expectDisjointCover(owned)
            #expect(owned.values.map(\.count).sorted() == [4, 4, 4])
            // a leaves cleanly: b and c take its partitions on their next heartbeats.
            try await a.leave()
            owned = try await rounds([b, c])
            owned["a"] = nil
            expectDisjointCover(owned)
            #expect(owned.values.map(\.count).sorted() == [6, 6])
        }
    }

    @Test(arguments: TestDatabase.available)
    func aDeadMembersPartitionsAreTakenOverAfterItsLeasesExpire(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let a = member("a", db)
            let b = member("b", db)
            var owned = try await rounds([a, b])
            expectDisjointCover(owned)
            // a stops heartbeating (kill -9). While its leases are fresh, b does not take them.
            #expect(try await b.heartbeat() == owned["b"])
            // Its heartbeat and leases age past the TTL (as after 7 s without a heartbeat).
            let past = Date().addingTimeInterval(-121).truncatedToMillis
            try await db.write { conn in
                try await conn.execute("UPDATE consumer_members SET heartbeat_at = \(past) WHERE member_id = 'a'")
                try await conn.execute("UPDATE consumer_leases SET expires_at = \(past) WHERE owner = 'a'")
            }
            owned = try await rounds([b])
            #expect(owned["b"] == Set(0..<Topic.partitions))
            let members = try await GroupMembership.members(db: db).map(\.member)
            #expect(!members.contains("a"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func moreMembersThanPartitionsStandBy(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let members = (0..<14).map { member(String(format: "m%02d", $0), db) }
            let owned = try await rounds(members, 3)
            expectDisjointCover(owned)
            #expect(owned.values.filter { $0.count == 1 }.count == 12)
            #expect(owned.values.filter(\.isEmpty).count == 2)
        }
    }

    @Test(arguments: TestDatabase.available)
    func resetRefusesWhileTheGroupHasLiveMembersAndLagShowsOwners(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let log = EventLog(db: db)
            let user = try await makeUser(db)
            _ = try await TaskStore(db: db).create(userID: user.id, draft: TaskDraft(title: "x"))
            _ = try await log.sequence()
            try await log.commit(group: "g", topic: Topic.taskEvents, partition: 0, nextOffset: 0)
            let a = member("a", db)
            _ = try await a.heartbeat()
            await #expect(throws: EventLog.GroupActive.self) {
                try await log.reset(group: "g", topic: Topic.taskEvents, to: .earliest)
            }
            let lag = try await log.lag(group: "g")
            #expect(!lag.isEmpty && lag.allSatisfy { $0.owner == "a" })
            try await a.leave()
            try await log.reset(group: "g", topic: Topic.taskEvents, to: .earliest)
            let after = try await log.lag(group: "g")
            #expect(after.allSatisfy { $0.owner == nil })
        }
    }

    /// The consumer's commit never moves an offset back (a member that lost its lease while busy
    /// cannot undo the new owner's progress); an operator's reset can.
    @Test(arguments: TestDatabase.available)
    func consumerCommitsOnlyMoveForward(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            try await db.write { conn in
                try await EventLog.commit(group: "g", topic: "t", partition: 0, nextOffset: 10, forwardOnly: true, conn: conn)
                try await EventLog.commit(group: "g", topic: "t", partition: 0, nextOffset: 7, forwardOnly: true, conn: conn)
            }
            let offset = try await db.read { conn in
                try await conn.first("SELECT next_offset FROM consumer_offsets WHERE group_name = 'g' AND topic = 't'")!.int("next_offset")
            }
            #expect(offset == 10)
        }
    }

    @Test func aWakeupIsNeverLostAndTimesOut() async throws {
        let wakeup = Wakeup()
        let seen = wakeup.generation
        wakeup.signal()  // signalled while the caller was busy: the wait returns at once
        let clock = ContinuousClock()
        var elapsed = await clock.measure { await wakeup.wait(since: seen, timeout: .seconds(30)) }
        #expect(elapsed < .seconds(5))
        elapsed = await clock.measure { await wakeup.wait(since: wakeup.generation, timeout: .milliseconds(100)) }
        #expect(elapsed >= .milliseconds(100))
        let current = wakeup.generation
        let start = clock.now
        let waiter = Task { await wakeup.wait(since: current, timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(50))
        wakeup.signal()
        await waiter.value
        #expect(clock.now - start < .seconds(5))
    }

    /// On PostgreSQL a commit wakes the waiting services through the server: the writer's NOTIFY
    /// reaches the listener's own connection, as it reaches every other process's. (Nothing else
    /// bumps a PostgreSQL database's wake-ups, so this cannot pass by polling.)
    @Test func aCommitOnPostgreSQLWakesOtherProcesses() async throws {
        guard TestDatabase.available.contains(.postgres) else { return }
        try await TestDatabase.postgres.with { db in
            let pg = try #require(db as? PostgresDatabase)
            let listener = PostgresSignalListener(db: pg, logger: Logger(label: "test"))
            let listening = Task { try await listener.run() }
            defer { listening.cancel() }
            // The listener signals every channel once it is listening.
            let outbox = pg.signals[.outbox]
            await outbox.wait(since: 0, timeout: .seconds(10))
            #expect(outbox.generation > 0)
            let seen = outbox.generation
            let user = try await makeUser(db)
            _ = try await TaskStore(db: db).create(userID: user.id, draft: TaskDraft(title: "wake up"))
            await outbox.wait(since: seen, timeout: .seconds(10))
            #expect(outbox.generation > seen)
            let log = pg.signals[.log]
            let logSeen = log.generation
            #expect(try await EventLog(db: db).sequence() > 0)
            await log.wait(since: logSeen, timeout: .seconds(10))
            #expect(log.generation > logSeen)
        }
    }
}
