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
}
