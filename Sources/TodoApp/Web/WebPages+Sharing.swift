import Foundation
import TodoCore

/// What a page knows of the people the person shares projects with: names by user id (for
/// assignee badges and the editor's picker), each shared project's people, and the projects the
/// person may only read (their tasks render without controls). The script gets the same as JSON
/// (`#tasks` `data-sharing`).
struct WebSharing {
    var names: [UUID: String] = [:]
    var people: [UUID: [UUID]] = [:]
    var readOnly: Set<UUID> = []

    func isReadOnly(_ task: JSONValue) -> Bool {
        task["project_id"]?.stringValue.flatMap { UUID(canonical: $0) }.map(readOnly.contains) ?? false
    }

    /// The assignee badge of a task, or "".
    func badge(_ task: JSONValue) -> String {
        guard let id = task["assignee_id"]?.stringValue.flatMap({ UUID(canonical: $0) }) else { return "" }
        let name = names[id] ?? "a former member"
        return
            #"<span class="assignee" role="img" aria-label="Assigned to \#(WebPages.esc(name))" title="Assigned to \#(WebPages.esc(name))">\#(WebPages.esc(Member.initials(name)))</span>"#
    }

    var json: JSONValue {
        func key(_ id: UUID) -> String { id.lowercased }
        return .object([
            ("names", .object(names.sorted { $0.key.lowercased < $1.key.lowercased }.map { (key($0.key), .string($0.value)) })),
            (
                "people",
                .object(people.sorted { $0.key.lowercased < $1.key.lowercased }.map { (key($0.key), .array($0.value.map { .string(key($0)) })) })
            ),
            ("read_only", .array(readOnly.map { .string(key($0)) }.sorted { $0.stringValue! < $1.stringValue! })),
        ])
    }
}

extension WebPages {
    /// The buttons of a project's heading: Share and Activity for every member; rename, colour
    /// and archive for its owners.
    static func projectActions(_ p: ProjectSummary) -> String {
        let owner = p.role == .owner
        let manage =
            owner
            ? """
            <button type="button" id="rename-project">Rename</button>
            <label for="project-color" class="visually-hidden">Colour</label>
            <select id="project-color">\(colorOptions(p.project.color))</select>
            <button type="button" id="archive-project">\(p.project.archived ? "Unarchive" : "Archive")</button>
            """ : ""
        let share =
            p.project.isInbox
            ? ""
            : """
            <button type="button" id="share-project" aria-haspopup="dialog">\(p.memberCount > 1 ? "Shared (\(p.memberCount))" : "Share")</button>
            <button type="button" id="project-activity" aria-haspopup="dialog">Activity</button>
            """
        return """
            <div class="view-actions" data-project="\(esc(p.project.id.lowercased))" data-name="\(esc(p.project.name))" data-role="\(p.role.rawValue)">
            \(manage)\(share)
            </div>
            """
    }

    /// The share dialog (members, invitations, leaving) and the activity dialog; the script fills them.
    static let sharingDialogs = """
        <dialog id="share" aria-labelledby="share-title">
        <h2 id="share-title">Share</h2>
        <form id="invite-form" class="inline-form" autocomplete="off">
        <label for="invite-email">Invite by email</label><input id="invite-email" type="email" required placeholder="name@example.com">
        <label for="invite-role">Role</label>
        <select id="invite-role"><option value="editor">Editor: adds and changes tasks</option><option value="viewer">Viewer: reads only</option><option value="owner">Owner: also manages the project and its people</option></select>
        <button type="submit">Invite</button>
        </form>
        <p id="invite-result" role="status"></p>
        <h3 id="members-title">People</h3>
        <ul id="member-list" aria-labelledby="members-title"></ul>
        <h3 id="invitations-title">Pending invitations</h3>
        <ul id="invitation-list" aria-labelledby="invitations-title"></ul>
        <p id="share-error" class="error" role="alert"></p>
        <div class="actions"><button type="button" id="leave-project" class="danger">Leave this project</button><form method="dialog"><button>Close</button></form></div>
        </dialog>
        <dialog id="activity" aria-labelledby="activity-title">
        <h2 id="activity-title">Activity</h2>
        <ul id="activity-list"></ul>
        <div class="actions"><button type="button" id="activity-more" hidden>Older</button><form method="dialog"><button>Close</button></form></div>
        </dialog>
        """

    /// The page a link from an invitation email opens (signed in): what it invites to, and Join or
    /// Decline (a form to `/invite/{token}`). Sent to another address: joining needs a tick.
    static func invitation(_ invitation: Invitation, user: User, token: String, csrf: String, error: String?) -> String {
        let alert = error.map { #"<p class="error" role="alert">\#(esc($0))</p>"# } ?? ""
        let other = invitation.email != user.email
        let body: String
        if invitation.state != .pending {
            body =
                "<p>This invitation is \(invitation.state.rawValue). Ask \(esc(invitation.inviterName)) for a new one.</p><p><a href=\"/\">Go to your tasks</a></p>"
        } else {
            let confirm =
                other
                ? """
                <p>It was sent to <strong>\(esc(invitation.email))</strong>; you are signed in as <strong>\(esc(user.email))</strong>.</p>
                <label class="check"><input type="checkbox" name="confirm" value="true" required> Join as \(esc(user.email))</label>
                """ : ""
            body = """
                <p><strong>\(esc(invitation.inviterName))</strong> invited you to <strong>\(esc(invitation.projectName))</strong> as \(invitation.role.rawValue).</p>
                <form method="post" action="/invite/\(esc(token))">
                <input type="hidden" name="csrf" value="\(esc(csrf))">
                \(confirm)
                <button type="submit" name="answer" value="accept">Join \(esc(invitation.projectName))</button>
                <button type="submit" name="answer" value="decline" formnovalidate>Decline</button>
                </form>
                """
        }
        return layout(
            title: "Invitation — Todo", csrf: csrf,
            body: """
                <header class="bar"><h1>Todo</h1></header>
                <main id="main" class="auth">
                <section aria-labelledby="invitation-title">
                <h2 id="invitation-title">Invitation</h2>
                \(alert)
                \(body)
                </section>
                </main>
                """)
    }
}
