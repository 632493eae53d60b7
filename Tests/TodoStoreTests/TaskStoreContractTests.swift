import Foundation
import Testing
import TodoCore
import TodoStore
import TodoTesting

/// One contract, both databases: every behaviour of the task store must be the same on SQLite and
/// PostgreSQL.
@Suite struct TaskStoreContractTests {
    func draft(_ title: String, _ f: (inout TaskDraft) -> Void = { _ in }) -> TaskDraft {
        var d = TaskDraft(title: title)
        f(&d)
        return d
    }

    @Test(arguments: TestDatabase.available)
    func createGetRoundTrip(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let due = ResolvedDue(.dateTime(LocalDateTime("2026-12-01T09:00")!, timeZone: "Europe/Berlin"), defaultTimeZone: "UTC")
            let created = try await store.create(
                userID: user.id,
                draft: draft("Buy milk") {
                    $0.description = "two litres"
                    $0.priority = .high
                    $0.tags = ["home", "Errands"]
                    $0.due = due
                })
            let read = try await store.get(id: created.id, userID: user.id)
            #expect(read == created)
            #expect(read.due?.at == Timestamp.parse("2026-12-01T08:00:00Z"))
            #expect(read.tags == ["home", "Errands"])
        }
    }

    /// A read is one query that brings each task's tags along (and its reminders only where it has
    /// some): the tags keep the order they were given, past position 9 too, in every kind of read.
    @Test(arguments: TestDatabase.available)
    func readsKeepTagOrderAndReminders(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let tags = (0..<12).map { "t\(11 - $0)" } + ["a.b/c:d"]
            let due = ResolvedDue(.dateTime(LocalDateTime("2030-12-01T09:00")!, timeZone: "Europe/Berlin"), defaultTimeZone: "UTC")
            let tagged = try await store.create(
                userID: user.id,
                draft: draft("Tagged") {
                    $0.tags = tags
                    $0.due = due
                    $0.reminders = [ReminderSpec(trigger: .before(seconds: 600))]
                })
            let plain = try await store.create(userID: user.id, draft: draft("Plain"))
            #expect(tagged.tags == tags && tagged.reminders.count == 1)
            #expect(try await store.get(id: tagged.id, userID: user.id) == tagged)
            #expect(try await store.get(id: plain.id, userID: user.id) == plain)
            let page = try await store.list(userID: user.id, query: try TaskQuery(parameters: [("sort", "title")], timeZone: .utc))
            #expect(page.items == [plain, tagged])
        }
    }

    @Test(arguments: TestDatabase.available)
    func anotherUsersTaskIsNotFound(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let owner = try await makeUser(db)
            let other = try await makeUser(db)
            let task = try await store.create(userID: owner.id, draft: draft("Private"))
            await #expect(throws: TodoError.notFound(resource: "task")) { try await store.get(id: task.id, userID: other.id) }
            await #expect(throws: TodoError.notFound(resource: "task")) {
                try await store.update(id: task.id, userID: other.id, patch: TaskPatch(title: "hacked"), precondition: .unconditional)
            }
            await #expect(throws: TodoError.notFound(resource: "task")) {
                try await store.setCompleted(id: task.id, userID: other.id, completed: true)
            }
            await #expect(throws: TodoError.notFound(resource: "task")) {
                try await store.delete(id: task.id, userID: other.id, precondition: .unconditional)
            }
            let page = try await store.list(userID: other.id, query: TaskQuery())
            #expect(page.items.isEmpty)
            #expect(try await store.get(id: task.id, userID: owner.id).title == "Private")
        }
    }

    @Test(arguments: TestDatabase.available)
    func updateBumpsVersionAndChecksIt(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let task = try await store.create(userID: user.id, draft: draft("Draft") { $0.tags = ["a"] })
            let same = try await store.update(
                id: task.id, userID: user.id, patch: TaskPatch(title: "Draft"), precondition: VersionPrecondition(expecting: 1))
            #expect(same.version == 1)
            let changed = try await store.update(
                id: task.id, userID: user.id, patch: TaskPatch(title: "Final", tags: ["b", "c"]), precondition: VersionPrecondition(expecting: 1))
            #expect(changed.version == 2)
            #expect(changed.tags == ["b", "c"])
            await #expect(throws: TodoError.self) {
                try await store.update(id: task.id, userID: user.id, patch: TaskPatch(title: "Lost"), precondition: VersionPrecondition(expecting: 1))
            }
            let read = try await store.get(id: task.id, userID: user.id)
            #expect(read.title == "Final")
            #expect(read.version == 2)
            let cleared = try await store.update(id: task.id, userID: user.id, patch: TaskPatch(tags: []), precondition: .unconditional)
            #expect(cleared.tags.isEmpty)
        }
    }

    @Test(arguments: TestDatabase.available)
    func completeAndReopenAreIdempotent(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let task = try await store.create(userID: user.id, draft: draft("Once"))
            let done = try await store.setCompleted(id: task.id, userID: user.id, completed: true)
            let again = try await store.setCompleted(id: task.id, userID: user.id, completed: true)
            #expect(done.completedAt != nil)
            #expect(again == done)
            let reopened = try await store.setCompleted(id: task.id, userID: user.id, completed: false)
            #expect(reopened.completedAt == nil)
            #expect(reopened.version == 3)
        }
    }

    @Test(arguments: TestDatabase.available)
    func filtersCombine(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db, timeZone: "UTC")
            let now = Timestamp.parse("2026-11-29T12:00:00Z")!
            func at(_ s: String) -> ResolvedDue { ResolvedDue(.dateTime(LocalDateTime(s)!, timeZone: "UTC"), defaultTimeZone: "UTC") }
            let overdueHigh = try await store.create(
                userID: user.id,
                draft: draft("Overdue high") {
                    $0.priority = .high
                    $0.tags = ["work"]
                    $0.due = at("2026-11-28T09:00")
                })
            let futureHigh = try await store.create(
                userID: user.id,
                draft: draft("Future high") {
                    $0.priority = .high
                    $0.tags = ["work", "q4"]
                    $0.due = at("2026-12-05T09:00")
                })
            let lowNoDue = try await store.create(
                userID: user.id,
                draft: draft("Low") {
                    $0.priority = .low
                    $0.tags = ["home"]
                })
            let allDayToday = try await store.create(
                userID: user.id, draft: draft("All day today") { $0.due = ResolvedDue(.allDay(LocalDate("2026-11-29")!), defaultTimeZone: "UTC") })
            let completed = try await store.create(
                userID: user.id,
                draft: draft("Done") {
                    $0.priority = .high
                    $0.tags = ["work"]
                })
            _ = try await store.setCompleted(id: completed.id, userID: user.id, completed: true)

            func ids(_ params: [(String, String)]) async throws -> Set<UUID> {
                Set(try await store.list(userID: user.id, query: try TaskQuery(parameters: params, timeZone: "UTC"), now: now).items.map(\.id))
            }
            #expect(try await ids([]) == [overdueHigh.id, futureHigh.id, lowNoDue.id, allDayToday.id])
            #expect(try await ids([("status", "completed")]) == [completed.id])
            #expect(try await ids([("status", "all"), ("priority", "high")]) == [overdueHigh.id, futureHigh.id, completed.id])
            #expect(try await ids([("priority", "high"), ("priority", "low")]) == [overdueHigh.id, futureHigh.id, lowNoDue.id])
            #expect(try await ids([("tag", "work"), ("tag", "Q4")]) == [futureHigh.id])
            #expect(try await ids([("tag", "work"), ("status", "all")]) == [overdueHigh.id, futureHigh.id, completed.id])
            #expect(try await ids([("overdue", "true")]) == [overdueHigh.id])
            #expect(try await ids([("overdue", "false")]) == [futureHigh.id, lowNoDue.id, allDayToday.id])
            #expect(try await ids([("due_before", "2026-12-01")]) == [overdueHigh.id, allDayToday.id])
            #expect(try await ids([("due_after", "2026-11-29"), ("due_before", "2026-11-30T00:00:00Z")]) == [allDayToday.id])
            #expect(try await ids([("priority", "high"), ("overdue", "true"), ("tag", "work")]) == [overdueHigh.id])
        }
    }

    @Test(arguments: TestDatabase.available)
    func sortsArePagedStablyWithoutGapsOrRepeats(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db, timeZone: "UTC")
            var created: [TodoTask] = []
            for i in 0..<23 {
                let due: ResolvedDue? =
                    i % 3 == 0 ? nil : ResolvedDue(.allDay(LocalDate(year: 2026, month: 12, day: 1 + i % 4)!), defaultTimeZone: "UTC")
                created.append(
                    try await store.create(
                        userID: user.id,
                        draft: draft("Task \(i % 5)") {
                            $0.priority = Priority(rank: i % 5)!
                            $0.due = due
                        }))
            }
            for sort in ["due", "-due", "priority", "-priority", "created", "-created", "updated", "title", "-title"] {
                var seen: [TodoTask] = []
                var cursor: String?
                repeat {
                    var params = [("sort", sort), ("limit", "4")]
                    if let cursor { params.append(("cursor", cursor)) }
                    let page = try await store.list(userID: user.id, query: try TaskQuery(parameters: params, timeZone: "UTC"))
                    seen += page.items
                    cursor = page.nextCursor
                } while cursor != nil
                #expect(seen.count == 23, "sort \(sort)")
                #expect(Set(seen.map(\.id)).count == 23, "sort \(sort)")
                let full = try await store.list(
                    userID: user.id, query: try TaskQuery(parameters: [("sort", sort), ("limit", "200")], timeZone: "UTC"))
                #expect(full.items.map(\.id) == seen.map(\.id), "sort \(sort)")
                if sort == "due" {
                    // Tasks without a due come last.
                    #expect(seen.suffix(8).allSatisfy { $0.due == nil })
                    #expect(seen.prefix(15).allSatisfy { $0.due != nil })
                }
                if sort == "-priority" {
                    #expect(seen.map(\.priority.rank) == seen.map(\.priority.rank).sorted(by: >))
                }
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func fullTextSearchMatchesPrefixesAndRanksTitlesFirst(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let inTitle = try await store.create(userID: user.id, draft: draft("Prepare budget meeting"))
            let inDescription = try await store.create(userID: user.id, draft: draft("Call Bob") { $0.description = "about the budget" })
            _ = try await store.create(userID: user.id, draft: draft("Walk the dog"))
            let other = try await makeUser(db)
            _ = try await store.create(userID: other.id, draft: draft("budget of someone else"))
            let page = try await store.list(userID: user.id, query: try TaskQuery(parameters: [("q", "budg")], timeZone: "UTC"))
            #expect(page.items.map(\.id) == [inTitle.id, inDescription.id])
            let both = try await store.list(userID: user.id, query: try TaskQuery(parameters: [("q", "budget meetings")], timeZone: "UTC"))
            #expect(both.items.map(\.id) == [inTitle.id])
            let renamed = try await store.update(
                id: inTitle.id, userID: user.id, patch: TaskPatch(title: "Plan offsite"), precondition: .unconditional)
            #expect(renamed.title == "Plan offsite")
            let after = try await store.list(userID: user.id, query: try TaskQuery(parameters: [("q", "budget")], timeZone: "UTC"))
            #expect(after.items.map(\.id) == [inDescription.id])
            let paged = try await store.list(userID: user.id, query: try TaskQuery(parameters: [("q", "budget"), ("limit", "1")], timeZone: "UTC"))
            #expect(paged.nextCursor == nil)
        }
    }

    @Test(arguments: TestDatabase.available)
    func tagsCountRenameAndDelete(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let a = try await store.create(userID: user.id, draft: draft("A") { $0.tags = ["Work", "home"] })
            let b = try await store.create(userID: user.id, draft: draft("B") { $0.tags = ["work"] })
            _ = try await store.setCompleted(id: b.id, userID: user.id, completed: true)
            var tags = try await store.tags(userID: user.id)
            #expect(tags == [TagSummary(name: "home", openCount: 1, totalCount: 1), TagSummary(name: "Work", openCount: 1, totalCount: 2)])
            await #expect(throws: TodoError.self) { try await store.renameTag(userID: user.id, from: "work", to: "HOME") }
            _ = try await store.renameTag(userID: user.id, from: "work", to: "job")
            #expect(try await store.get(id: a.id, userID: user.id).tags == ["job", "home"])
            #expect(try await store.get(id: a.id, userID: user.id).version == 2)
            try await store.deleteTag(userID: user.id, name: "HOME")
            #expect(try await store.get(id: a.id, userID: user.id).tags == ["job"])
            tags = try await store.tags(userID: user.id)
            #expect(tags.map(\.name) == ["job"])
            let other = try await makeUser(db)
            await #expect(throws: TodoError.notFound(resource: "tag")) { try await store.deleteTag(userID: other.id, name: "job") }
        }
    }
}
