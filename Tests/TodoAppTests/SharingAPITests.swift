import Foundation
import HTTPTypes
import Testing
import TodoApp
import TodoCore
import TodoTesting

/// Sharing through the HTTP API: invitations, accepting by link, roles, and what each role gets.
@Suite struct SharingAPITests {
    @Test(arguments: TestDatabase.available)
    func invitedPeopleJoinByLinkAndGetWhatTheirRoleAllows(_ kind: TestDatabase) async throws {
        try await TestApp.run(kind) { api in
            let owner = try await api.signIn()
            let project = try await api.send(.post, "/api/v1/projects", token: owner, json: ["name": "Household"])["id"]!.stringValue!
            let milk = try await api.createTask(owner, ["title": "Milk", "project_id": .string(project)])["id"]!.stringValue!

            // The answer is the same for an address with an account and one without (no enumeration).
            let viewerEmail = "viewer-\(UUID().uuidString.lowercased())@example.com"
            let viewer = try await api.signIn(email: viewerEmail)
            let editorEmail = "editor-\(UUID().uuidString.lowercased())@example.com"
            let known = try await api.send(
                .post, "/api/v1/projects/\(project)/invitations", token: owner, json: ["email": .string(viewerEmail), "role": "viewer"])
            let unknown = try await api.send(
                .post, "/api/v1/projects/\(project)/invitations", token: owner, json: ["email": .string(editorEmail), "role": "editor"])
            #expect(known.status == .created && unknown.status == .created)
            func keys(_ r: APIResponse) -> [String] {
                guard case .object(let members) = r.json else { return [] }
                return members.map(\.0)
            }
            #expect(keys(known) == keys(unknown) && !keys(known).isEmpty)
            #expect(known["state"] == "pending" && known["role"] == "viewer" && known["project_name"] == "Household")
            // No email channel here: the owner gets the link to pass on.
            let viewerLink = known["link"]!.stringValue!
            #expect(viewerLink.hasPrefix("http://localhost:8000/invite/todo_inv_"))
            let bad = try await api.send(
                .post, "/api/v1/projects/\(project)/invitations", token: owner, json: ["email": "nope", "role": "boss", "x": 1])
            #expect(bad.status == .unprocessableContent && bad.errorFields == ["x"])
            let bad2 = try await api.send(.post, "/api/v1/projects/\(project)/invitations", token: owner, json: ["email": "nope", "role": "boss"])
            #expect(bad2.status == .unprocessableContent && bad2.errorFields == ["email", "role"])

            // The invited account sees it in the app (and a notification), and joins by the link.
            let received = try await api.send(.get, "/api/v1/invitations", token: viewer)["items"]!.arrayValue!
            #expect(received.map { $0["project_name"] } == ["Household"])
            let notes = try await api.send(.get, "/api/v1/notifications", token: viewer)["items"]!.arrayValue!
            #expect(notes.first?["title"]?.stringValue?.hasSuffix("invited you to Household") == true)
            let token = String(viewerLink.split(separator: "/").last!)
            #expect(try await api.send(.post, "/api/v1/invitations/lookup", token: viewer, json: ["token": .string(token)])["state"] == "pending")
            let joined = try await api.send(.post, "/api/v1/invitations/accept", token: viewer, json: ["token": .string(token)])
            #expect(joined.status == .ok && joined["role"] == "viewer" && joined["member_count"] == 2)
            let again = try await api.send(.post, "/api/v1/invitations/accept", token: viewer, json: ["token": .string(token)])
            #expect(again.status == .conflict && again["code"] == "invitation_accepted")

            // The one invited by an address without an account signs up with it and accepts.
            let editor = try await api.signIn(email: editorEmail)
            let editorInvitation = try await api.send(.get, "/api/v1/invitations", token: editor)["items"]!.arrayValue![0]["id"]!.stringValue!
            #expect(try await api.send(.post, "/api/v1/invitations/\(editorInvitation)/accept", token: editor).status == .ok)

            // A viewer reads but cannot change; an editor can; a stranger cannot tell it exists.
            #expect(try await api.send(.get, "/api/v1/tasks/\(milk)", token: viewer).status == .ok)
            let refused = try await api.send(.patch, "/api/v1/tasks/\(milk)", token: viewer, json: ["title": "Oat milk"])
            #expect(refused.status == .forbidden && refused["code"] == "read_only")
            #expect(try await api.send(.patch, "/api/v1/tasks/\(milk)", token: editor, json: ["title": "Oat milk"]).status == .ok)
            let stranger = try await api.signIn()
            #expect(try await api.send(.get, "/api/v1/projects/\(project)", token: stranger).status == .notFound)
            #expect(try await api.send(.get, "/api/v1/projects/\(project)/members", token: stranger).status == .notFound)
            #expect(try await api.send(.get, "/api/v1/tasks/\(milk)", token: stranger).status == .notFound)

            // A personal token acts with its owner's role.
            let pat = try await api.send(
                .post, "/api/v1/tokens", token: viewer, json: ["name": "cli", "scopes": ["tasks:read", "tasks:write"], "expires_in_days": 1])[
                    "token"]!
                .stringValue!
            #expect(try await api.send(.post, "/api/v1/tasks/\(milk)/complete", token: pat).status == .forbidden)
            #expect(try await api.send(.get, "/api/v1/tasks?project=\(project)", token: pat)["items"]!.arrayValue!.count == 1)

            // Members, roles, assignees.
            let members = try await api.send(.get, "/api/v1/projects/\(project)/members", token: viewer)["items"]!.arrayValue!
            #expect(members.map { $0["role"] } == ["owner", "viewer", "editor"])
            let editorID = members[2]["user_id"]!.stringValue!
            let assigned = try await api.send(.patch, "/api/v1/tasks/\(milk)", token: editor, json: ["assignee_id": .string(editorID)])
            #expect(assigned["assignee_id"] == .string(editorID))
            #expect(try await api.send(.get, "/api/v1/tasks?assignee=me", token: editor)["items"]!.arrayValue!.count == 1)
            let promote = try await api.send(.patch, "/api/v1/projects/\(project)/members/\(editorID)", token: editor, json: ["role": "owner"])
            #expect(promote.status == .forbidden && promote["code"] == "owner_only")
            #expect(
                try await api.send(.patch, "/api/v1/projects/\(project)/members/\(editorID)", token: owner, json: ["role": "owner"])["role"]
                    == "owner")
            // Leaving: the viewer goes; then cannot see the project any more.
            #expect(try await api.send(.delete, "/api/v1/projects/\(project)/members/me", token: viewer).status == .noContent)
            #expect(try await api.send(.get, "/api/v1/projects/\(project)", token: viewer).status == .notFound)
            let ownerID = members[0]["user_id"]!.stringValue!
            let removeHolder = try await api.send(.delete, "/api/v1/projects/\(project)/members/\(ownerID)", token: editor)
            #expect(removeHolder.status == .conflict && removeHolder["code"] == "holder")
        }
    }

    /// Every project, section and task route × who the caller is to the project: what the role
    /// allows answers 2xx, a change it does not allow 403, and anyone not in the project 404 —
    /// the former member, the invited one who has not accepted and the stranger alike.
    @Test(arguments: TestDatabase.available)
    func everyRouteAnswersByRole(_ kind: TestDatabase) async throws {
        try await TestApp.run(kind) { api in
            let holder = try await api.signIn()
            let project = try await api.send(.post, "/api/v1/projects", token: holder, json: ["name": "Team"])["id"]!.stringValue!
            var people: [(String, String)] = [("holder", holder)]
            for (name, role) in [("co-owner", "owner"), ("editor", "editor"), ("viewer", "viewer"), ("former", "editor"), ("invited", "editor")] {
                let email = "\(name)-\(UUID().uuidString.lowercased())@example.com"
                let token = try await api.signIn(email: email)
                let invited = try await api.send(
                    .post, "/api/v1/projects/\(project)/invitations", token: holder, json: ["email": .string(email), "role": .string(role)])
                if name != "invited" {
                    let link = invited["link"]!.stringValue!
                    let joined = try await api.send(
                        .post, "/api/v1/invitations/accept", token: token, json: ["token": .string(String(link.split(separator: "/").last!))])
                    #expect(joined.status == .ok)
                }
                if name == "former" {
                    #expect(try await api.send(.delete, "/api/v1/projects/\(project)/members/me", token: token).status == .noContent)
                }
                people.append((name, token))
            }
            people.append(("stranger", try await api.signIn()))
            let viewerID = try await api.send(.get, "/api/v1/projects/\(project)/members", token: holder)["items"]!.arrayValue![3]["user_id"]!
                .stringValue!
            for (name, token) in people {
                // Fresh things per caller, so what one deletes the next still finds.
                let task = try await api.createTask(holder, ["title": .string("Plan \(name)"), "project_id": .string(project)])["id"]!.stringValue!
                let doomed = try await api.createTask(holder, ["title": .string("Doomed \(name)"), "project_id": .string(project)])["id"]!
                    .stringValue!
                let section = try await api.send(.post, "/api/v1/projects/\(project)/sections", token: holder, json: ["name": "S"])["id"]!
                    .stringValue!
                let gone = try await api.send(.post, "/api/v1/projects/\(project)/sections", token: holder, json: ["name": "G"])["id"]!.stringValue!
                let read: [(HTTPRequest.Method, String, JSONValue?)] = [
                    (.get, "/api/v1/projects/\(project)", nil), (.get, "/api/v1/projects/\(project)/members", nil),
                    (.get, "/api/v1/projects/\(project)/sections", nil), (.get, "/api/v1/projects/\(project)/activity", nil),
                    (.get, "/api/v1/tasks/\(task)", nil), (.get, "/api/v1/tasks/\(task)/history", nil),
                ]
                let edit: [(HTTPRequest.Method, String, JSONValue?)] = [
                    (.post, "/api/v1/tasks", ["title": "New", "project_id": .string(project)]),
                    (.post, "/api/v1/tasks", ["title": "Sub", "parent_id": .string(task)]),
                    (.patch, "/api/v1/tasks/\(task)", ["title": "Changed"]), (.post, "/api/v1/tasks/\(task)/complete", nil),
                    (.post, "/api/v1/tasks/\(task)/reopen", nil), (.post, "/api/v1/tasks/\(task)/move", ["section_id": .string(section)]),
                    (.delete, "/api/v1/tasks/\(doomed)", nil), (.post, "/api/v1/projects/\(project)/sections", ["name": "Mine"]),
                    (.patch, "/api/v1/sections/\(section)", ["name": "Renamed"]), (.delete, "/api/v1/sections/\(gone)", nil),
                ]
                let manage: [(HTTPRequest.Method, String, JSONValue?)] = [
                    (.patch, "/api/v1/projects/\(project)", ["description": .string("by \(name)")]),
                    (.get, "/api/v1/projects/\(project)/invitations", nil),
                    (.post, "/api/v1/projects/\(project)/invitations", ["email": .string("x-\(name)@example.com"), "role": "viewer"]),
                    (.patch, "/api/v1/projects/\(project)/members/\(viewerID)", ["role": "viewer"]),
                ]
                let (canRead, canEdit, canManage) =
                    switch name {
                    case "holder", "co-owner": (true, true, true)
                    case "editor": (true, true, false)
                    case "viewer": (true, false, false)
                    default: (false, false, false)
                    }
                for (probes, allowed) in [(read, canRead), (edit, canEdit), (manage, canManage)] {
                    for (method, uri, body) in probes {
                        let r = try await api.send(method, uri, token: token, json: body)
                        let expected = allowed ? "2xx" : canRead ? "403" : "404"
                        let got = r.status.code < 300 ? "2xx" : String(r.status.code)
                        #expect(got == expected, "\(name): \(method) \(uri) → \(r.status.code) \(r.text.prefix(120))")
                        if !canRead { #expect(!r.text.contains("Team") && !r.text.contains("Plan"), "\(name): \(method) \(uri) told something") }
                    }
                }
                // Lists: a person outside sees none of it; inside, all of it.
                let listed = try await api.send(.get, "/api/v1/tasks?project=\(project)&status=all&limit=200", token: token)["items"]!.arrayValue!
                #expect(listed.contains { $0["id"] == .string(task) } == canRead, "\(name): the project's list")
                let everything = try await api.send(.get, "/api/v1/tasks?status=all&limit=200", token: token)["items"]!.arrayValue!
                #expect(everything.contains { $0["id"] == .string(task) } == canRead, "\(name): the list of everything")
            }
        }
    }
}
