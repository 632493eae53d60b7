import Foundation
import Logging
import Testing
import TodoCore
import TodoStore
import TodoTesting

/// Sharing: members and roles, invitations, assignees; one contract, both databases.
@Suite struct SharingContractTests {
    /// Who someone is to the shared project.
    enum Relation: String, CaseIterable {
        case holder, coOwner, editor, viewer, former, invited, stranger
    }

    /// What an attempt came to.
    enum Outcome: Equatable, CustomStringConvertible {
        case ok, forbidden, notFound
        case other(String)
        var description: String {
            switch self {
            case .ok: "ok"
            case .forbidden: "403"
            case .notFound: "404"
            case .other(let s): s
            }
        }
    }

    static func outcome(_ body: () async throws -> Void) async -> Outcome {
        do {
            try await body()
            return .ok
        } catch TodoError.forbidden {
            return .forbidden
        } catch TodoError.notFound {
            return .notFound
        } catch {
            return .other("\(error)")
        }
    }

    struct World {
        var project: Project
        var task: TodoTask
        var people: [Relation: User]
    }

    /// A project held by `holder` with a task, and one person of every relation to it.
    static func world(_ db: any SQLDatabase) async throws -> World {
        let projects = ProjectStore(db: db)
        let members = MemberStore(db: db)
        var people: [Relation: User] = [:]
        for relation in Relation.allCases { people[relation] = try await makeUser(db) }
        let holder = people[.holder]!
        let project = try await projects.create(userID: holder.id, draft: ProjectDraft(name: "Household"))
        var draft = TaskDraft(title: "Milk")
        draft.move.projectID = project.id
        let task = try await TaskStore(db: db).create(userID: holder.id, draft: draft)
        for (relation, role) in [(Relation.coOwner, MemberRole.owner), (.editor, .editor), (.viewer, .viewer), (.former, .editor)] {
            try await join(db, project: project.id, inviter: holder, person: people[relation]!, role: role)
        }
        try await members.remove(projectID: project.id, memberID: people[.former]!.id, userID: holder.id)
        _ = try await members.invite(
            projectID: project.id, userID: holder.id, email: people[.invited]!.email, role: .editor, tokenHash: "hash-\(UUID())")
        return World(project: project, task: task, people: people)
    }

    static func join(_ db: any SQLDatabase, project: UUID, inviter: User, person: User, role: MemberRole) async throws {
        let hash = "hash-\(UUID())"
        let members = MemberStore(db: db)
        _ = try await members.invite(projectID: project, userID: inviter.id, email: person.email, role: role, tokenHash: hash)
        try await members.answer(.token(hash: hash), accept: true, userID: person.id)
    }

    @Test(arguments: TestDatabase.available)
    func everyRelationGetsWhatItsRoleAllows(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let w = try await Self.world(db)
            let tasks = TaskStore(db: db)
            let projects = ProjectStore(db: db)
            let members = MemberStore(db: db)
            let query = try TaskQuery(parameters: [("project", w.project.id.lowercased)], timeZone: .utc)
            var table: [String] = []
            for relation in Relation.allCases {
                let me = w.people[relation]!.id
                var draft = TaskDraft(title: "Bread")
                draft.move.projectID = w.project.id
                var rename = ProjectPatch()
                rename.description = "by \(relation)"
                let row: [(String, Outcome)] = [
                    ("get", await Self.outcome { _ = try await tasks.get(id: w.task.id, userID: me) }),
                    (
                        "list",
                        await Self.outcome {
                            if try await tasks.list(userID: me, query: query).items.isEmpty { throw TodoError.notFound(resource: "list") }
                        }
                    ),
                    ("project", await Self.outcome { _ = try await projects.get(id: w.project.id, userID: me) }),
                    ("members", await Self.outcome { _ = try await members.members(projectID: w.project.id, userID: me) }),
                    ("create", await Self.outcome { _ = try await tasks.create(userID: me, draft: draft) }),
                    (
                        "update",
                        await Self.outcome {
                            _ = try await tasks.update(
                                id: w.task.id, userID: me, patch: TaskPatch(description: "\(relation)"), precondition: .unconditional)
                        }
                    ),
                    ("complete", await Self.outcome { _ = try await tasks.setCompleted(id: w.task.id, userID: me, completed: false) }),
                    (
                        "section",
                        await Self.outcome { _ = try await projects.createSection(projectID: w.project.id, userID: me, name: "\(relation)") }
                    ),
                    (
                        "rename",
                        await Self.outcome {
                            _ = try await projects.update(id: w.project.id, userID: me, patch: rename, precondition: .unconditional)
                        }
                    ),
                    (
                        "invite",
                        await Self.outcome {
                            _ = try await members.invite(
                                projectID: w.project.id, userID: me, email: "x-\(relation)@example.com", role: .viewer, tokenHash: "h-\(relation)")
                        }
                    ),
                ]
                table.append("\(relation): " + row.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
            }
            let see = "get=ok list=ok project=ok members=ok"
            let edit = "create=ok update=ok complete=ok section=ok"
            let none = "get=404 list=404 project=404 members=404 create=404 update=404 complete=404 section=404 rename=404 invite=404"
            #expect(
                table == [
                    "holder: \(see) \(edit) rename=ok invite=ok",
                    "coOwner: \(see) \(edit) rename=ok invite=ok",
                    "editor: \(see) \(edit) rename=403 invite=403",
                    "viewer: \(see) create=403 update=403 complete=403 section=403 rename=403 invite=403",
                    "former: \(none)", "invited: \(none)", "stranger: \(none)",
                ])
        }
    }

    @Test(arguments: TestDatabase.available)
    func aSharedProjectsTasksAreInEveryMembersListsAndHeldByTheHolder(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let w = try await Self.world(db)
            let tasks = TaskStore(db: db)
            let editor = w.people[.editor]!
            var draft = TaskDraft(title: "Eggs", tags: ["shop"])
            draft.move.projectID = w.project.id
            draft.assigneeID = editor.id
            let eggs = try await tasks.create(userID: editor.id, draft: draft)
            #expect(eggs.userID == w.people[.holder]!.id && eggs.assigneeID == editor.id)
            _ = try await tasks.create(userID: editor.id, draft: TaskDraft(title: "Private"))
            let all = try TaskQuery(parameters: [("sort", "title")], timeZone: .utc)
            #expect(try await tasks.list(userID: editor.id, query: all).items.map(\.title) == ["Eggs", "Milk", "Private"])
            #expect(try await tasks.list(userID: w.people[.holder]!.id, query: all).items.map(\.title) == ["Eggs", "Milk"])
            #expect(try await tasks.list(userID: w.people[.stranger]!.id, query: all).items.isEmpty)
            let mine = try TaskQuery(parameters: [("assignee", "me")], timeZone: .utc)
            #expect(try await tasks.list(userID: editor.id, query: mine).items.map(\.title) == ["Eggs"])
            #expect(try await tasks.list(userID: w.people[.viewer]!.id, query: mine).items.isEmpty)
            // Only a member can be assigned.
            var patch = TaskPatch()
            patch.assignee = .set(w.people[.stranger]!.id)
            await #expect(throws: TodoError.invalid("assignee_id", "is not a member of the task's project")) {
                _ = try await tasks.update(id: eggs.id, userID: editor.id, patch: patch, precondition: .unconditional)
            }
            // The project lists for the member with their role.
            let listed = try await ProjectStore(db: db).list(userID: editor.id)
            #expect(listed.map(\.project.name) == ["Inbox", "Household"])
            #expect(listed[1].role == .editor && listed[1].memberCount == 4 && listed[1].openTasks == 2)
        }
    }

    @Test(arguments: TestDatabase.available)
    func removingAMemberUnassignsTheirTasksWithAnEventEach(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let w = try await Self.world(db)
            let tasks = TaskStore(db: db)
            let editor = w.people[.editor]!
            var patch = TaskPatch()
            patch.assignee = .set(editor.id)
            let assigned = try await tasks.update(id: w.task.id, userID: w.people[.holder]!.id, patch: patch, precondition: .unconditional)
            #expect(assigned.assigneeID == editor.id)
            try await MemberStore(db: db).remove(projectID: w.project.id, memberID: editor.id, userID: w.people[.coOwner]!.id)
            let after = try await tasks.get(id: w.task.id, userID: w.people[.holder]!.id)
            #expect(after.assigneeID == nil && after.version == assigned.version + 1)
            let last = try await EventLogReader(db: db).tail(topic: Topic.taskEvents, limit: 1).map { try JSONValue.parse(Data($0.utf8)) }
            #expect(last.first?["data"]?["changes"]?["assignee_id"] == .object([("old", .string(editor.id.lowercased)), ("new", .null)]))
            await #expect(throws: TodoError.notFound(resource: "task")) { _ = try await tasks.get(id: w.task.id, userID: editor.id) }
        }
    }

    @Test(arguments: TestDatabase.available)
    func invitationLinksAreSingleUseExpireAndBelongToTheirAddress(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let members = MemberStore(db: db)
            let holder = try await makeUser(db)
            let invitee = try await makeUser(db)
            let other = try await makeUser(db)
            let project = try await ProjectStore(db: db).create(userID: holder.id, draft: ProjectDraft(name: "Sprint"))
            let now = Date()
            let invited = try await members.invite(
                projectID: project.id, userID: holder.id, email: invitee.email, role: .viewer, tokenHash: "link-1", now: now)
            #expect(invited.existingUserID == invitee.id && invited.invitation.expiresAt == now.truncatedToMillis + .days(7))
            #expect(try await members.received(userID: invitee.id).map(\.id) == [invited.invitation.id])
            // Another account needs to confirm.
            await #expect(throws: TodoError.self) { try await members.answer(.token(hash: "link-1"), accept: true, userID: other.id) }
            // By id only the invited account may answer, and for the others it does not exist.
            await #expect(throws: TodoError.notFound(resource: "invitation")) {
                try await members.answer(.id(invited.invitation.id), accept: true, userID: other.id)
            }
            try await members.answer(.token(hash: "link-1"), accept: true, userID: invitee.id)
            #expect(try await members.members(projectID: project.id, userID: invitee.id).map(\.role) == [.owner, .viewer])
            await #expect(throws: TodoError.conflict(code: "invitation_accepted", detail: "The invitation is accepted.")) {
                try await members.answer(.token(hash: "link-1"), accept: true, userID: other.id, confirm: true)
            }
            // Expired after 7 days; unknown links are 404; a revoked one is refused.
            _ = try await members.invite(
                projectID: project.id, userID: holder.id, email: "late@example.com", role: .editor, tokenHash: "link-2", now: now)
            await #expect(throws: TodoError.conflict(code: "invitation_expired", detail: "The invitation is expired.")) {
                try await members.answer(.token(hash: "link-2"), accept: true, userID: other.id, confirm: true, now: now + .days(7) + .seconds(1))
            }
            await #expect(throws: TodoError.notFound(resource: "invitation")) {
                try await members.answer(.token(hash: "nope"), accept: true, userID: other.id)
            }
            let third = try await members.invite(projectID: project.id, userID: holder.id, email: other.email, role: .editor, tokenHash: "link-3")
            try await members.revoke(id: third.invitation.id, userID: holder.id)
            await #expect(throws: TodoError.conflict(code: "invitation_revoked", detail: "The invitation is revoked.")) {
                try await members.answer(.token(hash: "link-3"), accept: true, userID: other.id)
            }
            // Another account that confirms joins as itself.
            _ = try await members.invite(projectID: project.id, userID: holder.id, email: "alias@example.com", role: .editor, tokenHash: "link-4")
            try await members.answer(.token(hash: "link-4"), accept: true, userID: other.id, confirm: true)
            #expect(try await members.members(projectID: project.id, userID: other.id).map(\.userID) == [holder.id, invitee.id, other.id])
            // The Inbox is never shared; members are not invited twice.
            await #expect(throws: TodoError.conflict(code: "inbox", detail: "The Inbox cannot be shared.")) {
                _ = try await members.invite(projectID: holder.id, userID: holder.id, email: "x@example.com", role: .editor, tokenHash: "link-5")
            }
            await #expect(throws: TodoError.conflict(code: "already_member", detail: "This address belongs to a member of the project already.")) {
                _ = try await members.invite(projectID: project.id, userID: holder.id, email: invitee.email, role: .editor, tokenHash: "link-6")
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func invitationsAreLimitedPerAddressAndPerInviter(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let members = MemberStore(db: db)
            let holder = try await makeUser(db)
            let project = try await ProjectStore(db: db).create(userID: holder.id, draft: ProjectDraft(name: "Spam"))
            for i in 0..<SharingRules.invitationsPerAddressPerDay {
                _ = try await members.invite(projectID: project.id, userID: holder.id, email: "target@example.com", role: .viewer, tokenHash: "a\(i)")
            }
            await #expect(throws: TodoError.rateLimited(retryAfterSeconds: 86_400)) {
                _ = try await members.invite(
                    projectID: project.id, userID: holder.id, email: "target@example.com", role: .viewer, tokenHash: "a-last")
            }
            for i in SharingRules.invitationsPerAddressPerDay..<SharingRules.invitationsPerInviterPerHour {
                _ = try await members.invite(projectID: project.id, userID: holder.id, email: "p\(i)@example.com", role: .viewer, tokenHash: "b\(i)")
            }
            await #expect(throws: TodoError.rateLimited(retryAfterSeconds: 3600)) {
                _ = try await members.invite(projectID: project.id, userID: holder.id, email: "fresh@example.com", role: .viewer, tokenHash: "b-last")
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func theLastOwnerCannotLeaveAndTheHolderHandsOverWhenLeaving(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let members = MemberStore(db: db)
            let tasks = TaskStore(db: db)
            let holder = try await makeUser(db)
            let editor = try await makeUser(db)
            let project = try await ProjectStore(db: db).create(userID: holder.id, draft: ProjectDraft(name: "Trip"))
            var draft = TaskDraft(title: "Tickets")
            draft.move.projectID = project.id
            let task = try await tasks.create(userID: holder.id, draft: draft)
            try await Self.join(db, project: project.id, inviter: holder, person: editor, role: .editor)
            await #expect(throws: TodoError.self) { try await members.remove(projectID: project.id, memberID: holder.id, userID: holder.id) }
            await #expect(throws: TodoError.forbidden(code: "owner_only", detail: "Only an owner of the project can do this (your role: editor).")) {
                _ = try await members.setRole(projectID: project.id, memberID: editor.id, role: .owner, userID: editor.id)
            }
            _ = try await members.setRole(projectID: project.id, memberID: editor.id, role: .owner, userID: holder.id)
            try await members.remove(projectID: project.id, memberID: holder.id, userID: holder.id)
            // The heir holds the project and its tasks; the one who left sees none of it.
            #expect(try await tasks.get(id: task.id, userID: editor.id).userID == editor.id)
            await #expect(throws: TodoError.notFound(resource: "task")) { _ = try await tasks.get(id: task.id, userID: holder.id) }
            #expect(try await members.members(projectID: project.id, userID: editor.id).map(\.userID) == [editor.id])
            // Transfer back: the other becomes the holder and the giver stays an owner.
            try await Self.join(db, project: project.id, inviter: editor, person: holder, role: .editor)
            try await members.transfer(projectID: project.id, to: holder.id, userID: editor.id)
            let after = try await members.members(projectID: project.id, userID: holder.id)
            #expect(after.map(\.userID) == [holder.id, editor.id] && after.map(\.role) == [.owner, .owner])
            #expect(try await tasks.get(id: task.id, userID: holder.id).userID == holder.id)
        }
    }

    @Test(arguments: TestDatabase.available)
    func activityIsReadFromTheEventLogWithWhoDidIt(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let w = try await Self.world(db)
            let editor = w.people[.editor]!
            try await EventActor.$id.withValue(editor.id) {
                _ = try await TaskStore(db: db).setCompleted(id: w.task.id, userID: editor.id, completed: true)
            }
            // Another project of the same holder stays out of this one's activity.
            let elsewhere = try await ProjectStore(db: db).create(userID: w.people[.holder]!.id, draft: ProjectDraft(name: "Private"))
            var draft = TaskDraft(title: "Secret")
            draft.move.projectID = elsewhere.id
            _ = try await TaskStore(db: db).create(userID: w.people[.holder]!.id, draft: draft)
            let activity = ActivityStore(db: db)
            let page = try await activity.activity(projectID: w.project.id, userID: w.people[.viewer]!.id, before: nil, limit: 3)
            #expect(page.entries.map(\.type) == ["task.completed", "member.removed", "member.joined"])
            #expect(page.entries[0].actor == editor.id && page.entries[0].title == "Milk")
            #expect(page.entries[1].memberID == w.people[.former]!.id)
            let rest = try await activity.activity(projectID: w.project.id, userID: w.people[.viewer]!.id, before: page.next, limit: 50)
            #expect(rest.entries.map(\.type) == ["member.joined", "member.joined", "member.joined", "task.created"] && rest.next == nil)
            await #expect(throws: TodoError.notFound(resource: "project")) {
                _ = try await activity.activity(projectID: w.project.id, userID: w.people[.stranger]!.id, before: nil, limit: 10)
            }
        }
    }

    // (A time limit: the stream has no end of its own, and a change it missed hung the whole suite.)
    @Test(.timeLimit(.minutes(2)), arguments: TestDatabase.available)
    func theChangeFeedAnnouncesChangesAsTheyCommit(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let user = try await makeUser(db)
            // Without the signal it would look only after a minute: a change within the test's
            // time came through the outbox's wake-up (LISTEN/NOTIFY on PostgreSQL, as in every process).
            let feed = ChangeFeed(db: db, fallback: .seconds(60))
            let listening = Task {
                if let pg = db as? PostgresDatabase {
                    var quiet = Logger(label: "test")
                    quiet.logLevel = .critical
                    try await PostgresSignalListener(db: pg, logger: quiet).run()
                }
            }
            defer { listening.cancel() }
            var changes = feed.subscribe().makeAsyncIterator()
            // What follows is new once the tail has its starting point (a fixed 500 ms was not
            // always enough on a loaded machine: the change fell before it and the test waited
            // forever), and the listener has had a moment to LISTEN (if not, the minute's fallback
            // still finds it).
            let deadline = ContinuousClock.now + .seconds(30)
            while !feed.isTailing && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(feed.isTailing)
            try await Task.sleep(for: .milliseconds(200))
            let task = try await EventActor.$id.withValue(user.id) {
                try await TaskStore(db: db).create(userID: user.id, draft: TaskDraft(title: "Live"))
            }
            let batch = try #require(await changes.next())
            #expect(batch.map(\.type) == ["task.created"] && batch[0].taskID == task.id && batch[0].actor == user.id)
            #expect(batch[0].holder == user.id.lowercased && batch[0].projectID == user.id)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aReminderForTheAssigneeReachesWhoeverIsAssignedWhenItFires(_ kind: TestDatabase) async throws {
        try await kind.with { db in
            let w = try await Self.world(db)
            let tasks = TaskStore(db: db)
            let (holder, editor) = (w.people[.holder]!, w.people[.editor]!)
            let soon = Date().truncatedToMillis + .seconds(1)
            var draft = TaskDraft(
                title: "Water the plants",
                reminders: [
                    ReminderSpec(trigger: .at(soon), channels: [.inApp], recipient: .assignee),
                    ReminderSpec(trigger: .at(soon), channels: [.inApp]),
                ])
            draft.move.projectID = w.project.id
            draft.assigneeID = editor.id
            let task = try await tasks.create(userID: holder.id, draft: draft)
            #expect(Set(task.reminders.map(\.recipient)) == [.me, .assignee])
            // Assigned by someone else: the editor hears of it in the app.
            let told = try await NotificationStore(db: db).list(userID: editor.id, unreadOnly: true, before: nil, limit: 10).filter {
                $0.taskID != nil
            }
            #expect(told.map(\.title) == ["Test assigned you “Water the plants”"] && told[0].taskID == task.id)
            #expect(try await ReminderStore(db: db).fireDue(now: soon, catchUp: .seconds(60)).fired == 2)
            let due = try await EventLogReader(db: db).tail(topic: Topic.reminders, limit: 10).map { try JSONValue.parse(Data($0.utf8)) }
            #expect(Set(due.compactMap { $0["data"]?["user_id"]?.stringValue }) == [editor.id.lowercased, holder.id.lowercased])
            // The event carries the choice, and the API's reminder too.
            #expect(try await tasks.get(id: task.id, userID: editor.id).reminders.map(\.recipient).contains(.assignee))
        }
    }
}
