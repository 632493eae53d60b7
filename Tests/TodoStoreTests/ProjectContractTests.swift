import Foundation
import Testing
import TodoCore
import TodoStore
import TodoTesting

/// Projects, sections, subtasks and the manual order: one contract, both databases.
@Suite struct ProjectContractTests {
    func events(_ db: any SQLDatabase, for user: User) async throws -> [JSONValue] {
        try await EventLogReader(db: db).tail(topic: Topic.taskEvents, limit: 10_000)
            .map { try JSONValue.parse(Data($0.utf8)) }
            .filter { $0["data"]?["user_id"] == .string(user.id.lowercased) }
    }

    func task(_ title: String, project: UUID? = nil, section: UUID? = nil, parent: UUID? = nil) -> TaskDraft {
        var d = TaskDraft(title: title)
        d.move.projectID = project
        if let section { d.move.sectionID = .set(section) }
        if let parent { d.move.parentID = .set(parent) }
        return d
    }

    func manual(_ store: TaskStore, _ user: User, _ extra: [(String, String)] = []) async throws -> [String] {
        let query = try TaskQuery(parameters: [("sort", "manual"), ("status", "all")] + extra, timeZone: .utc)
        return try await store.list(userID: user.id, query: query).items.map(\.title)
    }

    @Test(arguments: TestDatabase.available)
    func everyPersonHasAnInboxThatStays(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let projects = ProjectStore(db: db)
            let user = try await makeUser(db)
            let list = try await projects.list(userID: user.id)
            #expect(list.map(\.project.name) == ["Inbox"] && list[0].project.id == user.id && list[0].project.isInbox)
            let task = try await TaskStore(db: db).create(userID: user.id, draft: TaskDraft(title: "Loose end"))
            #expect(task.projectID == user.id)
            await #expect(throws: TodoError.conflict(code: "inbox", detail: "The Inbox cannot be deleted.")) {
                try await projects.delete(id: user.id, userID: user.id, tasks: .delete, precondition: .unconditional)
            }
            var archive = ProjectPatch()
            archive.archived = true
            archive.name = "Other"
            do {
                _ = try await projects.update(id: user.id, userID: user.id, patch: archive, precondition: .unconditional)
                Issue.record("the Inbox was archived")
            } catch let TodoError.validation(errors) {
                #expect(Set(errors.map(\.field)) == ["archived", "name"])
            }
            #expect(try await projects.get(id: user.id, userID: user.id).openTasks == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func projectsKeepTheirOrderAndCountOpenAndOverdueTasks(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let projects = ProjectStore(db: db)
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let work = try await projects.create(userID: user.id, draft: ProjectDraft(name: "Work", color: .blue))
            let home = try await projects.create(userID: user.id, draft: ProjectDraft(name: "Home"))
            let errands = try await projects.create(userID: user.id, draft: ProjectDraft(name: "Errands"))
            var patch = ProjectPatch()
            patch.after = .set(work.id)
            _ = try await projects.update(id: errands.id, userID: user.id, patch: patch, precondition: .unconditional)
            patch.after = .clear
            _ = try await projects.update(id: home.id, userID: user.id, patch: patch, precondition: .oneOf([1]))
            #expect(try await projects.list(userID: user.id).map(\.project.name) == ["Inbox", "Home", "Work", "Errands"])
            var late = task("Late report", project: work.id)
            late.due = ResolvedDue(.allDay(LocalDate("2020-01-01")!), defaultTimeZone: "UTC")
            _ = try await store.create(userID: user.id, draft: late)
            let done = try await store.create(userID: user.id, draft: task("Done", project: work.id))
            _ = try await store.setCompleted(id: done.id, userID: user.id, completed: true)
            _ = try await store.create(userID: user.id, draft: task("Open", project: work.id))
            let summary = try await projects.get(id: work.id, userID: user.id)
            #expect(summary.openTasks == 2 && summary.overdueTasks == 1 && summary.project.color == .blue)
            patch = ProjectPatch()
            patch.archived = true
            _ = try await projects.update(id: home.id, userID: user.id, patch: patch, precondition: .unconditional)
            #expect(try await projects.list(userID: user.id).map(\.project.name) == ["Inbox", "Work", "Errands"])
            #expect(try await projects.list(userID: user.id, archived: true).map(\.project.name) == ["Home"])
            // A stale version is refused and changes nothing.
            await #expect(throws: TodoError.self) {
                _ = try await projects.update(id: home.id, userID: user.id, patch: patch, precondition: .oneOf([1]))
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func deletingAProjectSaysWhatBecomesOfItsTasks(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let projects = ProjectStore(db: db)
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let old = try await projects.create(userID: user.id, draft: ProjectDraft(name: "Old"))
            let parent = try await store.create(userID: user.id, draft: task("Parent", project: old.id))
            let child = try await store.create(userID: user.id, draft: task("Child", parent: parent.id))
            #expect(child.projectID == old.id && child.placement.parentID == parent.id)
            do {
                try await projects.delete(id: old.id, userID: user.id, tasks: nil, precondition: .unconditional)
                Issue.record("deleted without saying what becomes of its tasks")
            } catch let TodoError.validation(errors) {
                #expect(errors.map(\.field) == ["tasks"])
            }
            #expect(try await store.get(id: child.id, userID: user.id).projectID == old.id)
            let before = try await events(db, for: user).count
            try await projects.delete(id: old.id, userID: user.id, tasks: .move(to: nil), precondition: .unconditional)
            let moved = try await store.get(id: child.id, userID: user.id)
            #expect(moved.projectID == user.id && moved.placement.parentID == parent.id && moved.version == 2)
            let log = try await events(db, for: user).dropFirst(before)
            #expect(log.map { $0["type"] } == ["task.updated", "task.updated"])
            #expect(log.allSatisfy { $0["data"]?["changes"]?["project_id"]?["new"] == .string(user.id.lowercased) })
            await #expect(throws: TodoError.notFound(resource: "project")) { _ = try await projects.get(id: old.id, userID: user.id) }

            let doomed = try await projects.create(userID: user.id, draft: ProjectDraft(name: "Doomed"))
            let top = try await store.create(userID: user.id, draft: task("Top", project: doomed.id))
            _ = try await store.create(userID: user.id, draft: task("Below", parent: top.id))
            let count = try await events(db, for: user).count
            try await projects.delete(id: doomed.id, userID: user.id, tasks: .delete, precondition: .unconditional)
            #expect(try await events(db, for: user).dropFirst(count).map { $0["type"] } == ["task.deleted", "task.deleted"])
            #expect(try await manual(store, user) == ["Parent", "Child"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func sectionsGroupTasksAndGoOnlyAsAsked(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let projects = ProjectStore(db: db)
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let work = try await projects.create(userID: user.id, draft: ProjectDraft(name: "Work"))
            let doing = try await projects.createSection(projectID: work.id, userID: user.id, name: "Doing")
            let done = try await projects.createSection(projectID: work.id, userID: user.id, name: "Done")
            _ = try await projects.updateSection(id: done.id, userID: user.id, name: nil, after: .clear)
            #expect(try await projects.sections(projectID: work.id, userID: user.id).map(\.name) == ["Done", "Doing"])
            let a = try await store.create(userID: user.id, draft: task("A", section: doing.id))
            #expect(a.projectID == work.id && a.placement.sectionID == doing.id)
            let sub = try await store.create(userID: user.id, draft: task("A.1", parent: a.id))
            #expect(sub.placement.sectionID == doing.id)
            // A section of another project, or a subtask in another section than its parent's.
            await #expect(throws: TodoError.self) {
                _ = try await store.create(userID: user.id, draft: task("X", project: user.id, section: doing.id))
            }
            await #expect(throws: TodoError.self) { _ = try await store.create(userID: user.id, draft: task("Y", section: done.id, parent: a.id)) }
            let onlyDoing = try await manual(store, user, [("section", doing.id.lowercased)])
            #expect(onlyDoing == ["A", "A.1"])
            await #expect(throws: TodoError.self) { try await projects.deleteSection(id: doing.id, userID: user.id, tasks: nil) }
            try await projects.deleteSection(id: doing.id, userID: user.id, tasks: .move(to: nil))
            let after = try await store.get(id: sub.id, userID: user.id)
            #expect(after.projectID == work.id && after.placement.sectionID == nil && after.placement.parentID == a.id)
        }
    }

    @Test(arguments: TestDatabase.available)
    func subtasksNestFourLevelsWithoutCyclesOrCrossingProjects(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let projects = ProjectStore(db: db)
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let l1 = try await store.create(userID: user.id, draft: task("L1"))
            let l2 = try await store.create(userID: user.id, draft: task("L2", parent: l1.id))
            let l3 = try await store.create(userID: user.id, draft: task("L3", parent: l2.id))
            let l4 = try await store.create(userID: user.id, draft: task("L4", parent: l3.id))
            func refused(_ field: String, _ body: () async throws -> Void) async {
                do {
                    try await body()
                    Issue.record("not refused: \(field)")
                } catch let TodoError.validation(errors) {
                    #expect(errors.map(\.field).contains(field), "\(errors)")
                } catch { Issue.record("\(error)") }
            }
            await refused("parent_id") { _ = try await store.create(userID: user.id, draft: self.task("L5", parent: l4.id)) }
            await refused("parent_id") {
                _ = try await store.move(id: l1.id, userID: user.id, to: TaskMove(parentID: .set(l3.id)), precondition: .unconditional)
            }
            await refused("parent_id") {
                _ = try await store.move(id: l2.id, userID: user.id, to: TaskMove(parentID: .set(l2.id)), precondition: .unconditional)
            }
            let other = try await projects.create(userID: user.id, draft: ProjectDraft(name: "Other"))
            await refused("parent_id") { _ = try await store.create(userID: user.id, draft: self.task("X", project: other.id, parent: l1.id)) }
            // Moving L3 (with L4) under a sibling of L1 at depth 2 would make L4 depth 4: allowed.
            let side = try await store.create(userID: user.id, draft: task("Side"))
            let sideChild = try await store.create(userID: user.id, draft: task("Side.1", parent: side.id))
            _ = try await store.move(id: l3.id, userID: user.id, to: TaskMove(parentID: .set(sideChild.id)), precondition: .unconditional)
            #expect(try await manual(store, user) == ["L1", "L2", "Side", "Side.1", "L3", "L4"])
            // One level deeper would not be.
            let deep = try await store.create(userID: user.id, draft: task("Deep", parent: l2.id))
            await refused("parent_id") {
                _ = try await store.move(id: sideChild.id, userID: user.id, to: TaskMove(parentID: .set(deep.id)), precondition: .unconditional)
            }
            let parent = try await store.get(id: side.id, userID: user.id)
            #expect(parent.subtasks == SubtaskCount(open: 1, total: 1))
        }
    }

    @Test(arguments: TestDatabase.available)
    func completingDeletingAndMovingTakeTheSubtreeOnlyWhenTheyShould(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let projects = ProjectStore(db: db)
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let trip = try await store.create(userID: user.id, draft: task("Trip"))
            let pack = try await store.create(userID: user.id, draft: task("Pack", parent: trip.id))
            let socks = try await store.create(userID: user.id, draft: task("Socks", parent: pack.id))
            let book = try await store.create(userID: user.id, draft: task("Book", parent: trip.id))
            _ = try await store.setCompleted(id: book.id, userID: user.id, completed: true)
            #expect(try await store.get(id: trip.id, userID: user.id).subtasks == SubtaskCount(open: 1, total: 2))
            _ = try await store.setCompleted(id: trip.id, userID: user.id, completed: true)
            #expect(try await store.get(id: socks.id, userID: user.id).completedAt == nil)
            _ = try await store.setCompleted(id: trip.id, userID: user.id, completed: false)
            _ = try await store.setCompleted(id: trip.id, userID: user.id, completed: true, withSubtasks: true)
            #expect(try await store.get(id: socks.id, userID: user.id).isCompleted)
            #expect(try await store.get(id: trip.id, userID: user.id).subtasks == SubtaskCount(open: 0, total: 2))
            // Reopening a child reopens nothing else.
            _ = try await store.setCompleted(id: socks.id, userID: user.id, completed: false)
            #expect(try await store.get(id: pack.id, userID: user.id).isCompleted)

            let away = try await projects.create(userID: user.id, draft: ProjectDraft(name: "Away"))
            var before = try await events(db, for: user).count
            let moved = try await store.move(id: pack.id, userID: user.id, to: TaskMove(projectID: away.id), precondition: .unconditional)
            #expect(moved.projectID == away.id && moved.placement.parentID == nil)
            #expect(try await store.get(id: socks.id, userID: user.id).projectID == away.id)
            #expect(
                try await events(db, for: user).dropFirst(before).map { $0["data"]?["task_id"] } == [
                    .string(pack.id.lowercased), .string(socks.id.lowercased),
                ])
            #expect(try await manual(store, user, [("project", away.id.lowercased)]) == ["Pack", "Socks"])

            before = try await events(db, for: user).count
            try await store.delete(id: pack.id, userID: user.id, precondition: .unconditional)
            let deleted = try await events(db, for: user).dropFirst(before)
            #expect(deleted.map { $0["type"] } == ["task.deleted", "task.deleted"])
            await #expect(throws: TodoError.notFound(resource: "task")) { _ = try await store.get(id: socks.id, userID: user.id) }
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRecurringParentsNextOccurrenceGetsItsSubtasksAgainOnce(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            var draft = task("Weekly review")
            draft.due = ResolvedDue(.allDay(LocalDate("2026-11-30")!), defaultTimeZone: "Europe/Berlin")
            draft.recurrence = Recurrence(rule: "FREQ=WEEKLY", anchor: .schedule)
            let parent = try await store.create(userID: user.id, draft: draft)
            let inbox = try await store.create(userID: user.id, draft: task("Empty the inbox", parent: parent.id))
            _ = try await store.create(userID: user.id, draft: task("Archive mail", parent: inbox.id))
            _ = try await store.create(userID: user.id, draft: task("Plan the week", parent: parent.id))
            let done = try await store.setCompleted(id: parent.id, userID: user.id, completed: true, withSubtasks: true)
            let next = try #require(Series.successor(of: done, skipped: false, at: Date(), id: .v7()))
            for _ in 0..<2 {
                _ = try await db.write { conn in
                    try await TaskStore.insertSuccessors([.init(task: next, predecessor: parent.id, traceparent: nil)], conn: conn)
                }
            }
            let open = try await store.list(userID: user.id, query: try TaskQuery(parameters: [("sort", "manual")], timeZone: .utc)).items
            #expect(open.map(\.title) == ["Weekly review", "Empty the inbox", "Archive mail", "Plan the week"])
            #expect(open[0].id == next.id && open[0].subtasks == SubtaskCount(open: 2, total: 2))
            #expect(open[2].placement.parentID == open[1].id && open[1].placement.parentID == next.id)
            #expect(open.dropFirst().allSatisfy { $0.due == nil && $0.recurrence == nil })
        }
    }

    @Test(arguments: TestDatabase.available)
    func manualOrderMovesOneRowAndRebalancesEqualKeys(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let store = TaskStore(db: db)
            let user = try await makeUser(db)
            let now = Date()
            // Created in one millisecond: equal keys, so their order is their ids' (random within
            // a millisecond) and every move next to them has to rebalance.
            var byTitle: [String: UUID] = [:]
            for title in ["A", "B", "C", "D"] { byTitle[title] = try await store.create(userID: user.id, draft: task(title), now: now).id }
            let o = try await manual(store, user)
            #expect(Set(o) == ["A", "B", "C", "D"])
            let id = { (title: String) in byTitle[title]! }
            let moved = try await store.move(id: id(o[3]), userID: user.id, to: TaskMove(after: .set(id(o[0]))), precondition: .unconditional)
            #expect(moved.version == 2)
            #expect(try await manual(store, user) == [o[0], o[3], o[1], o[2]])
            _ = try await store.move(id: id(o[2]), userID: user.id, to: TaskMove(after: .clear), precondition: .unconditional)
            _ = try await store.move(id: id(o[0]), userID: user.id, to: TaskMove(), precondition: .unconditional)
            #expect(try await manual(store, user) == [o[2], o[3], o[1], o[0]])
            _ = try await store.create(userID: user.id, draft: task("E"))
            #expect(try await manual(store, user) == [o[2], o[3], o[1], o[0], "E"])
            // Many moves into one gap keep their order (and rebalance when keys grow long).
            for i in 0..<40 {
                let t = try await store.create(userID: user.id, draft: task("n\(i)"))
                _ = try await store.move(id: t.id, userID: user.id, to: TaskMove(after: .set(id(o[2]))), precondition: .unconditional)
            }
            let order = try await store.list(
                userID: user.id, query: try TaskQuery(parameters: [("sort", "manual"), ("limit", "200")], timeZone: .utc)
            ).items.map(\.title)
            #expect(order == [o[2]] + (0..<40).reversed().map { "n\($0)" } + [o[3], o[1], o[0], "E"])
            // Pages of the manual order follow one another.
            var seen: [String] = []
            var cursor: String?
            repeat {
                var p = [("sort", "manual"), ("limit", "7")]
                if let cursor { p.append(("cursor", cursor)) }
                let page = try await store.list(userID: user.id, query: try TaskQuery(parameters: p, timeZone: .utc))
                seen += page.items.map(\.title)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == order)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anotherPersonsIdsAreNotFound(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let projects = ProjectStore(db: db)
            let store = TaskStore(db: db)
            let me = try await makeUser(db)
            let them = try await makeUser(db)
            let theirs = try await projects.create(userID: them.id, draft: ProjectDraft(name: "Theirs"))
            let theirSection = try await projects.createSection(projectID: theirs.id, userID: them.id, name: "S")
            let theirTask = try await store.create(userID: them.id, draft: task("T", project: theirs.id))
            let mine = try await store.create(userID: me.id, draft: task("Mine"))
            let myProject = try await projects.create(userID: me.id, draft: ProjectDraft(name: "Mine"))
            _ = try await store.create(userID: me.id, draft: task("In mine", project: myProject.id))
            let notFound: [(String, () async throws -> Void)] = [
                ("project", { _ = try await projects.get(id: theirs.id, userID: me.id) }),
                ("project", { _ = try await projects.get(id: them.id, userID: me.id) }),  // their Inbox
                ("project", { _ = try await projects.sections(projectID: theirs.id, userID: me.id) }),
                ("project", { _ = try await projects.createSection(projectID: theirs.id, userID: me.id, name: "x") }),
                ("project", { try await projects.delete(id: theirs.id, userID: me.id, tasks: .delete, precondition: .unconditional) }),
                ("section", { _ = try await projects.updateSection(id: theirSection.id, userID: me.id, name: "x", after: .unchanged) }),
                ("section", { try await projects.deleteSection(id: theirSection.id, userID: me.id, tasks: .delete) }),
                ("project", { _ = try await store.create(userID: me.id, draft: self.task("x", project: theirs.id)) }),
                ("section", { _ = try await store.create(userID: me.id, draft: self.task("x", section: theirSection.id)) }),
                ("task", { _ = try await store.create(userID: me.id, draft: self.task("x", parent: theirTask.id)) }),
                (
                    "project",
                    { _ = try await store.move(id: mine.id, userID: me.id, to: TaskMove(projectID: theirs.id), precondition: .unconditional) }
                ),
                (
                    "task",
                    { _ = try await store.move(id: mine.id, userID: me.id, to: TaskMove(after: .set(theirTask.id)), precondition: .unconditional) }
                ),
                ("task", { _ = try await store.move(id: theirTask.id, userID: me.id, to: TaskMove(after: .clear), precondition: .unconditional) }),
                (
                    "project",
                    { try await projects.delete(id: myProject.id, userID: me.id, tasks: .move(to: theirs.id), precondition: .unconditional) }
                ),
            ]
            for (resource, call) in notFound {
                do {
                    try await call()
                    Issue.record("another person's \(resource) was reachable")
                } catch TodoError.notFound(let r) {
                    #expect(r == resource)
                } catch { Issue.record("\(resource): \(error)") }
            }
            #expect(try await store.get(id: theirTask.id, userID: them.id).version == 1)
        }
    }
}
