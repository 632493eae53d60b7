import Foundation
import Testing
import TodoCore
import TodoStore
import TodoTesting

/// Migrations on a populated database: a database built and filled at the previous schema
/// version is migrated, and everything in it reads back as the new schema means it.
@Suite struct MigrationContractTests {
    @Test(arguments: TestDatabase.available)
    func projectsMigrationPutsEveryTaskInItsOwnersInboxInCreationOrder(_ kind: TestDatabase) async throws {
        try await kind.withEmpty { db in
            let migrator = Migrator(db: db)
            try await migrator.migrate(through: 10)
            let base = Date(timeIntervalSince1970: 1_790_000_000)
            let people = [UUID.v7(at: base), UUID.v7(at: base.addingTimeInterval(1))]
            var tasks: [UUID: [(UUID, Date)]] = [:]
            try await db.write { conn in
                for (n, person) in people.enumerated() {
                    try await conn.execute(
                        """
                        INSERT INTO users (id, email, password_hash, display_name, time_zone, created_at, updated_at)
                        VALUES (\(person), \("m\(n)-\(person.lowercased)@example.com"), 'x', 'M', 'Europe/Berlin', \(base), \(base))
                        """)
                    for i in 0..<25 {
                        // Created out of id order, some in the same millisecond.
                        let ms = 1_790_000_000_000 + (i * 7) % 25 + (i % 5 == 0 ? 0 : 60_000)
                        let created = Date(timeIntervalSince1970: Double(ms) / 1000)
                        let id = UUID.v7(at: created)
                        tasks[person, default: []].append((id, created))
                        try await conn.execute(
                            """
                            INSERT INTO tasks (id, user_id, title, title_key, created_at, updated_at)
                            VALUES (\(id), \(person), \("Task \(i)"), \("task \(i)"), \(created), \(created))
                            """)
                    }
                }
            }
            let applied = try await migrator.migrate()
            #expect(applied.map(\.version) == Array(11...(Migrator.all.map(\.version).max()!)))
            let store = TaskStore(db: db)
            let projects = ProjectStore(db: db)
            for person in people {
                let inbox = try await projects.list(userID: person)
                #expect(inbox.map(\.project.id) == [person] && inbox[0].project.isInbox && inbox[0].openTasks == 25)
                let query = try TaskQuery(parameters: [("sort", "manual"), ("limit", "200")], timeZone: .utc)
                let listed = try await store.list(userID: person, query: query).items
                #expect(listed.count == 25 && listed.allSatisfy { $0.projectID == person && $0.placement.parentID == nil })
                // The manual order is creation order (ties in one millisecond by id), and each
                // key is the one `Position.at` gives that millisecond (the migration's keys end in
                // a `V` of their own).
                let expected = tasks[person]!.sorted { ($0.1.truncatedToMillis, $0.0.lowercased) < ($1.1.truncatedToMillis, $1.0.lowercased) }.map(
                    \.0)
                #expect(listed.map(\.id) == expected)
                for task in listed {
                    let clock = Position.at(task.createdAt).key
                    #expect(task.placement.position.key == (clock.hasSuffix("0V") ? clock : clock + "V"), "\(task.placement.position.key)")
                }
                // New tasks go after the migrated ones, and moves work among them.
                let new = try await store.create(userID: person, draft: TaskDraft(title: "New"))
                _ = try await store.move(id: new.id, userID: person, to: TaskMove(after: .set(expected[3])), precondition: .unconditional)
                let reordered = try await store.list(userID: person, query: query).items.map(\.id)
                #expect(reordered == Array(expected[...3]) + [new.id] + Array(expected[4...]))
            }
        }
    }
}
