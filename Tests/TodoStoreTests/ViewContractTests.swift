import Foundation
import Testing
import TodoCore
import TodoStore
import TodoTesting

/// Today, Upcoming and the Inbox in the person's zone, around midnight and across a DST change,
/// on both databases; and the views read the open-task index.
@Suite struct ViewContractTests {
    static let zone: TimeZoneID = "Europe/Berlin"
    /// Saturday 24 October 2026, 23:30 in Berlin; summer time ends that night (Sunday has 25 hours).
    static let now = Zones.instant(of: LocalDateTime("2026-10-24T23:30")!, in: zone.zone)

    func titles(_ store: TaskStore, _ user: User, _ parameters: [(String, String)]) async throws -> [String] {
        let query = try TaskQuery(parameters: parameters, timeZone: Self.zone, now: Self.now)
        return try await store.list(userID: user.id, query: query, now: Self.now).items.map(\.title)
    }

    @Test(arguments: TestDatabase.available)
    func todayAndUpcomingFollowThePersonsDays(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let projects = ProjectStore(db: db)
            let user = try await makeUser(db, timeZone: Self.zone)
            func add(_ title: String, _ due: Due?, project: UUID? = nil) async throws -> TodoTask {
                var draft = TaskDraft(title: title)
                draft.due = due.map { ResolvedDue($0, defaultTimeZone: Self.zone) }
                draft.move.projectID = project
                return try await store.create(userID: user.id, draft: draft, now: Self.now)
            }
            func at(_ local: String) -> Due { .dateTime(LocalDateTime(local)!, timeZone: Self.zone) }
            let shelved = try await projects.create(userID: user.id, draft: ProjectDraft(name: "Shelved"))
            let work = try await projects.create(userID: user.id, draft: ProjectDraft(name: "Work"))
            _ = try await add("Yesterday", .allDay(LocalDate("2026-10-23")!))
            _ = try await add("Late tonight", at("2026-10-24T23:45"), project: work.id)
            _ = try await add("After midnight", at("2026-10-25T00:15"))
            _ = try await add("Sunday night", at("2026-10-25T23:30"), project: work.id)
            _ = try await add("Monday", .allDay(LocalDate("2026-10-26")!))
            _ = try await add("Friday", .allDay(LocalDate("2026-10-30")!))
            _ = try await add("Next week", .allDay(LocalDate("2026-10-31")!))
            _ = try await add("Someday", nil)
            let done = try await add("Done", at("2026-10-24T20:00"))
            _ = try await store.setCompleted(id: done.id, userID: user.id, completed: true, now: Self.now)
            _ = try await add("Shelved today", at("2026-10-24T22:00"), project: shelved.id)
            var archive = ProjectPatch()
            archive.archived = true
            _ = try await projects.update(id: shelved.id, userID: user.id, patch: archive, precondition: .unconditional)

            #expect(try await titles(store, user, [("view", "today")]) == ["Yesterday", "Late tonight"])
            let upcoming = ["Yesterday", "Late tonight", "After midnight", "Sunday night", "Monday", "Friday"]
            #expect(try await titles(store, user, [("view", "upcoming")]) == upcoming)
            #expect(try await titles(store, user, [("view", "upcoming"), ("days", "8")]) == upcoming + ["Next week"])
            #expect(try await titles(store, user, [("view", "upcoming"), ("days", "1")]) == ["Yesterday", "Late tonight"])
            #expect(try await titles(store, user, [("view", "today"), ("project", work.id.lowercased)]) == ["Late tonight"])
            #expect(try await titles(store, user, [("view", "today"), ("days", "2")]) == Array(upcoming.prefix(4)))
            #expect(try await titles(store, user, [("view", "today"), ("status", "all")]) == ["Yesterday", "Done", "Late tonight"])
            // `days` alone is the same window on any list (archived projects' tasks included).
            #expect(try await titles(store, user, [("days", "1")]) == ["Yesterday", "Shelved today", "Late tonight"])
            #expect(
                try await titles(store, user, [("view", "inbox"), ("sort", "title")]) == [
                    "After midnight", "Friday", "Monday", "Next week", "Someday", "Yesterday",
                ])
            // Pages of a view follow one another.
            var seen: [String] = []
            var cursor: String?
            repeat {
                var p = [("view", "upcoming"), ("limit", "4")]
                if let cursor { p.append(("cursor", cursor)) }
                let page = try await store.list(
                    userID: user.id, query: try TaskQuery(parameters: p, timeZone: Self.zone, now: Self.now), now: Self.now)
                seen += page.items.map(\.title)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == upcoming)

            let page = try await store.list(
                userID: user.id, query: try TaskQuery(parameters: [("view", "upcoming")], timeZone: Self.zone, now: Self.now), now: Self.now)
            let groups = DayGroup.upcoming(page.items, zone: Self.zone, now: Self.now)
            #expect(groups.map(\.date) == [nil, LocalDate("2026-10-24"), LocalDate("2026-10-25"), LocalDate("2026-10-26"), LocalDate("2026-10-30")])
            #expect(groups.map(\.ids.count) == [1, 1, 2, 1, 1])
        }
    }

    /// A saved filter's query narrows a list the same way on both databases.
    @Test(arguments: TestDatabase.available)
    func filterQueriesSelectTheSameTasksOnBothDatabases(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let projects = ProjectStore(db: db)
            let user = try await makeUser(db, timeZone: Self.zone)
            let home = try await projects.create(userID: user.id, draft: ProjectDraft(name: "Home"))
            func add(_ title: String, due: String? = nil, tags: [String] = [], priority: Priority = .none, project: UUID? = nil) async throws {
                var draft = TaskDraft(title: title, priority: priority, tags: tags)
                draft.due = due.map { ResolvedDue(.allDay(LocalDate($0)!), defaultTimeZone: Self.zone) }
                draft.move.projectID = project
                _ = try await store.create(userID: user.id, draft: draft, now: Self.now)
            }
            try await add("Report", due: "2026-10-24", tags: ["work"], priority: .high)
            try await add("Old bug", due: "2026-10-01", tags: ["work"], priority: .low)
            try await add("Slides", due: "2026-10-20", tags: ["work"])
            try await add("Garden", project: home.id)
            try await add("Paint fence", due: "2026-10-25", project: home.id)
            try await add("Milk run", tags: ["errand"])
            func matching(_ text: String) async throws -> [String] {
                var query = try TaskQuery(parameters: [("sort", "title")], timeZone: Self.zone, now: Self.now)
                query.filter = try TaskFilter.parse(text, zone: Self.zone, now: Self.now)
                return try await store.list(userID: user.id, query: query, now: Self.now).items.map(\.title)
            }
            #expect(try await matching("(today | overdue) & #work & !low") == ["Report", "Slides"])
            #expect(try await matching("p:home & no due") == ["Garden"])
            #expect(try await matching("p:HOME | #errand") == ["Garden", "Milk run", "Paint fence"])
            #expect(try await matching("tomorrow") == ["Paint fence"])
            #expect(try await matching("search:milk | high") == ["Milk run", "Report"])
            #expect(try await matching("p:nowhere") == [])
        }
    }

    @Test func viewParametersAreChecked() throws {
        for bad in [[("view", "tomorrow")], [("days", "0")], [("view", "upcoming"), ("days", "367")], [("view", "today"), ("days", "x")]] {
            #expect(throws: TodoError.self) { _ = try TaskQuery(parameters: bad, timeZone: Self.zone) }
        }
        #expect(throws: TodoError.self) { _ = try TaskQuery(parameters: [("project", "inbox")], timeZone: .utc) }
        #expect(throws: TodoError.self) { _ = try TaskQuery(parameters: [("parent", "x")], timeZone: .utc) }
    }

    /// The views read the open-task index in order and stop after a page, whatever the number of
    /// tasks (`EXPLAIN` on PostgreSQL, with the planner kept off sequential scans as it would be on
    /// a populated table).
    @Test func viewsReadTheOpenTaskIndex() async throws {
        guard TestDatabase.available.contains(.postgres) else { return }
        try await TestDatabase.postgres.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db, timeZone: Self.zone)
            for i in 0..<30 {
                var draft = TaskDraft(title: "t\(i)")
                draft.due = ResolvedDue(.allDay(LocalDate("2026-10-20")!.adding(days: i)), defaultTimeZone: Self.zone)
                _ = try await store.create(userID: user.id, draft: draft)
            }
            try await db.write { conn in try await conn.execute("ANALYZE tasks") }
            for view in [
                [("view", "today")], [("view", "upcoming"), ("days", "14")], [("view", "inbox")],
                [("sort", "manual"), ("project", user.id.lowercased)],
            ] {
                let query = try TaskQuery(parameters: view, timeZone: Self.zone, now: Self.now)
                let plan = try await store.explainList(userID: user.id, query: query, now: Self.now, settings: ["enable_seqscan = off"])
                let index = view[0].1 == "manual" ? "tasks_project_path" : "tasks_open_due_asc"
                #expect(plan.contains(index), "\(view): \(plan)")
                #expect(!plan.contains("Sort "), "\(view) sorts instead of reading in index order: \(plan)")
            }
        }
    }
}
