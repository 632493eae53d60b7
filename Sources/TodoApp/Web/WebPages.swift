import Foundation
import TodoCore

/// The HTML of the UI. Every value from a person goes through `esc`; the page's script renders
/// tasks it adds with the same markup through DOM text nodes (`Resources/web/*.js`).
enum WebPages {
    static func esc(_ s: String) -> String { HTML.escape(s) }

    static func layout(title: String, csrf: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="csrf-token" content="\(esc(csrf))">
        <title>\(esc(title))</title>
        <link rel="icon" type="image/svg+xml" href="/static/\(WebAssets.icon.name)">
        <link rel="stylesheet" href="/static/\(WebAssets.style.name)">
        <script type="module" src="/static/\(WebAssets.script.name)"></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to the tasks</a>
        \(body)
        </body>
        </html>
        """
    }

    /// The sign-in and sign-up forms; `next` (an invitation's page) is where a session goes after.
    static func signIn(csrf: String, error: String?, email: String, next: String? = nil, note: String? = nil) -> String {
        let alert = error.map { #"<p class="error" role="alert">\#(esc($0))</p>"# } ?? ""
        let noteText = note.map { #"<p class="note">\#(esc($0))</p>"# } ?? ""
        let nextField = next.map { #"<input type="hidden" name="next" value="\#(esc($0))">"# } ?? ""
        return layout(
            title: "Sign in — Todo", csrf: csrf,
            body: """
                <header class="bar"><h1>Todo</h1></header>
                <main id="main" class="auth">
                \(noteText)
                \(alert)
                <section aria-labelledby="signin-title">
                <h2 id="signin-title">Sign in</h2>
                <form method="post" action="/session">
                <input type="hidden" name="csrf" value="\(esc(csrf))">\(nextField)
                <label for="signin-email">Email</label>
                <input id="signin-email" name="email" type="email" autocomplete="username" required value="\(esc(email))">
                <label for="signin-password">Password</label>
                <input id="signin-password" name="password" type="password" autocomplete="current-password" required>
                <button type="submit">Sign in</button>
                </form>
                </section>
                <section aria-labelledby="signup-title">
                <h2 id="signup-title">Create an account</h2>
                <form method="post" action="/session/signup">
                <input type="hidden" name="csrf" value="\(esc(csrf))">\(nextField)
                <input type="hidden" name="time_zone" value="" data-browser-zone>
                <label for="signup-name">Name</label>
                <input id="signup-name" name="display_name" autocomplete="name" required>
                <label for="signup-email">Email</label>
                <input id="signup-email" name="email" type="email" autocomplete="email" required>
                <label for="signup-password">Password (at least 8 characters)</label>
                <input id="signup-password" name="password" type="password" autocomplete="new-password" minlength="8" required>
                <button type="submit">Create account</button>
                </form>
                </section>
                </main>
                """)
    }

    static func app(
        user: User, tasks: [TodoTask], nextCursor: String?, view: WebView, projects: [ProjectSummary], filters: [SavedFilter],
        tags: [(name: String, open: Int)], unread: Int, csrf: String, sharing: WebSharing = WebSharing()
    ) -> String {
        let tree = view.parameters.contains { $0 == ("sort", "manual") }
        let items = taskItems(
            tasks, upcoming: view.isUpcoming, tree: tree, sections: tree ? view.sections : [], zone: user.timeZone, sharing: sharing)
        let readOnly = view.project?.role == .viewer
        let sectionData = view.sections.map { #"{"id":"\#($0.id.lowercased)","name":\#(JSONValue.string($0.name).serialized())}"# }.joined(
            separator: ",")
        let tagOptions = tags.map { #"<option value="\#(esc($0.name))">#\#(esc($0.name)) (\#($0.open))</option>"# }.joined()
        let filterOptions = filters.map { #"<option value="\#(esc($0.id.lowercased))">\#(esc($0.name))</option>"# }.joined()
        let more = nextCursor.map { #"<li id="more" data-cursor="\#(esc($0))" class="more">Loading more…</li>"# } ?? ""
        let params = view.parameters.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(
            separator: "&")
        let projectActions = view.project.map(projectActions) ?? ""
        let sectionForm =
            view.project == nil || readOnly
            ? ""
            : """
            <form id="new-section" class="inline-form" autocomplete="off">
            <label for="ns-name">New section</label>
            <input id="ns-name" maxlength="120" required placeholder="Section name">
            <button type="submit">Add section</button>
            </form>
            """
        return layout(
            title: "\(view.title) — Todo", csrf: csrf,
            body: """
                <header class="bar">
                <button id="menu" type="button" class="menu" aria-controls="sidebar" aria-expanded="false"><span aria-hidden="true">☰</span><span class="visually-hidden">Views and projects</span></button>
                <h1>Todo</h1>
                <button id="bell" type="button" aria-label="Notifications, \(unread) unread"><svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1z"/></svg> <span id="unread">\(unread)</span></button>
                <button id="open-settings" type="button" class="who" aria-haspopup="dialog">\(esc(user.displayName))</button>
                <form method="post" action="/session/end"><input type="hidden" name="csrf" value="\(esc(csrf))"><button type="submit">Sign out</button></form>
                </header>
                <div class="shell">
                \(sidebar(projects: projects, filters: filters, current: view.parameters))
                <main id="main">
                <div class="view-head"><h2 id="view-title">\(esc(view.title))</h2>\(projectActions)</div>
                <form id="quick-add" autocomplete="off"\(readOnly ? " hidden" : "")>
                <label for="quick">Add a task</label>
                <div class="quick">
                <div id="quick-mirror" aria-hidden="true"></div>
                <input id="quick" name="text" maxlength="500" placeholder="Pay rent every month on the 1st #bills !high +Home" aria-describedby="quick-understood">
                </div>
                <p id="quick-understood" aria-live="polite"></p>
                </form>
                <form id="filters" role="search" class="filters" aria-label="Filter the list">
                <label for="search" class="visually-hidden">Search</label>
                <input id="search" type="search" name="q" placeholder="Search tasks">
                <label for="saved-filter" class="visually-hidden">Saved filter</label>
                <select id="saved-filter" name="filter"><option value="">No saved filter</option>\(filterOptions)</select>
                <label for="sort" class="visually-hidden">Sort</label>
                <select id="sort" name="sort"><option value="">Default order</option><option value="manual">My order</option><option value="due">Due date</option><option value="-priority">Priority</option><option value="-created">Newest</option><option value="title">Title</option></select>
                <details class="more-filters"><summary>More filters</summary>
                <label for="status">Show</label>
                <select id="status" name="status"><option value="open" selected>Open</option><option value="completed">Completed</option><option value="all">All</option></select>
                <label for="priority">Priority</label>
                <select id="priority" name="priority"><option value="">Any</option><option value="urgent">Urgent</option><option value="high,urgent">High and urgent</option><option value="medium">Medium</option><option value="low">Low</option><option value="none">None</option></select>
                <label for="tag">Tag</label>
                <select id="tag" name="tag"><option value="">Any</option>\(tagOptions)</select>
                <label for="due-after">Due from</label><input id="due-after" type="date" name="due_after">
                <label for="due-before">to</label><input id="due-before" type="date" name="due_before">
                <label class="check"><input id="overdue" type="checkbox" name="overdue" value="true"> Overdue</label>
                <label for="filter-query">Save as a filter</label><input id="filter-query" placeholder="(today | overdue) &amp; #work" autocomplete="off">
                <button type="button" id="save-filter">Save filter</button>
                </details>
                </form>
                <ul id="tasks" aria-labelledby="view-title" data-params="\(esc(params))" data-zone="\(esc(user.timeZone.identifier))" data-sections="\(esc("[" + sectionData + "]"))" data-me="\(user.id.lowercased)" data-sharing="\(esc(sharing.json.serialized()))">
                \(items)
                \(more)
                </ul>
                \(sectionForm)
                </main>
                </div>
                \(Self.editor)
                \(Self.settings)
                \(Self.sharingDialogs)
                <dialog id="move-to" aria-labelledby="move-title"><h2 id="move-title">Move to project</h2><ul id="move-list"></ul><form method="dialog"><button>Cancel</button></form></dialog>
                <dialog id="inbox" aria-labelledby="inbox-title"><h2 id="inbox-title">Notifications</h2>
                <ul id="inbox-list"></ul>
                <div class="actions"><button type="button" id="read-all">Mark all read</button><button type="button" id="allow-browser">Show them as browser notifications</button><form method="dialog"><button>Close</button></form></div>
                </dialog>
                <div id="toast" role="status" aria-live="polite"></div>
                <dialog id="keys" aria-labelledby="keys-title"><h2 id="keys-title">Keyboard</h2><dl>
                <dt>n</dt><dd>new task</dd><dt>/</dt><dd>search</dd><dt>j / k</dt><dd>next / previous task</dd><dt>x</dt><dd>complete or reopen the task</dd><dt>e</dt><dd>edit the task</dd>
                <dt>Alt+↑ / Alt+↓</dt><dd>move the task up / down</dd><dt>Tab / Shift+Tab</dt><dd>make it a subtask of the one above / take it out</dd><dt>m</dt><dd>move it to another project</dd><dt>?</dt><dd>this help</dd><dt>Esc</dt><dd>close</dd>
                </dl><form method="dialog"><button>Close</button></form></dialog>
                """)
    }

    static let editor = """
        <dialog id="editor" aria-labelledby="editor-title">
        <form id="edit-form" method="dialog" novalidate>
        <h2 id="editor-title">Edit task</h2>
        <label for="e-title">Title</label><input id="e-title" name="title" required maxlength="500">
        <label for="e-description">Description (Markdown)</label><textarea id="e-description" name="description" rows="4"></textarea>
        <div id="e-description-preview" class="markdown"></div>
        <label for="e-priority">Priority</label>
        <select id="e-priority"><option value="none">None</option><option value="low">Low</option><option value="medium">Medium</option><option value="high">High</option><option value="urgent">Urgent</option></select>
        <div id="e-assignee-row" hidden><label for="e-assignee">Assigned to</label><select id="e-assignee"><option value="">Nobody</option></select></div>
        <label for="e-tags">Tags, separated by commas</label><input id="e-tags" list="tag-list" autocomplete="off"><datalist id="tag-list"></datalist>
        <fieldset><legend>Due</legend>
        <label for="e-due-date">Date</label><input id="e-due-date" type="date">
        <label for="e-due-time">Time (empty: all day)</label><input id="e-due-time" type="time">
        <label for="e-due-zone">Time zone</label><input id="e-due-zone" autocomplete="off">
        </fieldset>
        <fieldset><legend>Repeat</legend>
        <label for="e-repeat">Repeat</label>
        <select id="e-repeat"><option value="">Never</option><option value="FREQ=DAILY">Every day</option><option value="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR">Every weekday</option><option value="FREQ=WEEKLY">Every week</option><option value="FREQ=MONTHLY">Every month</option><option value="FREQ=YEARLY">Every year</option><option value="custom">Custom rule</option></select>
        <label for="e-rule">Rule (RFC 5545)</label><input id="e-rule" placeholder="FREQ=WEEKLY;BYDAY=MO,WE" autocomplete="off">
        <label class="check"><input id="e-anchor" type="checkbox"> The next one counts from completion</label>
        <p id="e-preview" aria-live="polite"></p>
        </fieldset>
        <fieldset><legend>Reminders</legend>
        <ul id="e-reminders" class="reminders"></ul>
        <div class="row"><button type="button" id="e-add-before">Add: before the due</button><button type="button" id="e-add-at">Add: at a time</button></div>
        </fieldset>
        <p id="e-error" class="error" role="alert"></p>
        <div class="actions"><button type="button" id="e-delete" class="danger">Delete</button><button type="button" id="e-skip" hidden>Skip this one</button><button type="button" id="e-cancel">Cancel</button><button type="submit" id="e-save">Save</button></div>
        </form>
        </dialog>
        """

    static let settings = """
        <dialog id="settings" aria-labelledby="settings-title">
        <form id="settings-form" method="dialog" novalidate>
        <h2 id="settings-title">Settings</h2>
        <label for="s-name">Name</label><input id="s-name" autocomplete="name" required>
        <label for="s-email">Email</label><input id="s-email" type="email" autocomplete="email" required>
        <label for="s-password">Current password (needed to change the email)</label><input id="s-password" type="password" autocomplete="current-password">
        <label for="s-zone">Time zone</label><input id="s-zone" autocomplete="off">
        <fieldset><legend>Reminders reach me</legend>
        <label class="check"><input id="s-email-channel" type="checkbox"> by email</label>
        <label class="check"><input id="s-inapp-channel" type="checkbox"> in the app</label>
        </fieldset>
        <p id="s-error" class="error" role="alert"></p>
        <div class="actions"><button type="button" id="s-cancel">Close</button><button type="submit" id="s-save">Save</button></div>
        </form>
        <section aria-labelledby="tokens-title">
        <h3 id="tokens-title">Personal API tokens</h3>
        <p>For scripts and the command line (<code>todo add</code>, <code>TODO_TOKEN</code>). A token is shown once.</p>
        <form id="token-form" class="token-form">
        <label for="t-name">Name</label><input id="t-name" maxlength="100" required>
        <label class="check"><input id="t-write" type="checkbox" checked> may change tasks</label>
        <label for="t-days">Expires after (days)</label><input id="t-days" type="number" min="1" max="365" value="90">
        <button type="submit">Create token</button>
        </form>
        <p id="t-new" class="new-token" role="status"></p>
        <ul id="token-list"></ul>
        </section>
        <section aria-labelledby="feeds-title">
        <h3 id="feeds-title">Calendar feed</h3>
        <p>Your tasks with a due in any calendar app: subscribe to the link. Anyone with the link can read the feed; a new link stops the old one.</p>
        <form id="feed-form" class="token-form">
        <label class="check"><input id="f-done" type="checkbox"> show done tasks</label>
        <button type="submit">New calendar link</button>
        </form>
        <p id="f-new" class="new-token" role="status"></p>
        <ul id="feed-list"></ul>
        </section>
        <section aria-labelledby="data-title">
        <h3 id="data-title">Export and import</h3>
        <p><button type="button" id="x-export">Download everything (JSON)</button></p>
        <form id="import-form" class="token-form">
        <label for="i-file">File</label><input id="i-file" type="file" accept=".json,.csv,application/json,text/csv" required>
        <label for="i-from">From</label><select id="i-from"><option value="todo">Todo (an export)</option><option value="todoist">Todoist (CSV)</option><option value="vikunja">Vikunja (data.json)</option></select>
        <label class="check"><input id="i-dry" type="checkbox"> only say what it would create</label>
        <button type="submit">Import</button>
        </form>
        <p id="i-result" role="status"></p>
        </section>
        </dialog>
        """

    /// One task of the list (the script builds the same markup, `dom.js` `taskItem`): the due as
    /// people read it (overdue marked), the recurrence as an icon with its description, subtask
    /// progress, priority and tags; `depth` indents a subtask.
    static func taskItem(
        _ task: JSONValue, depth: Int = 0, foldable: Bool = false, today: LocalDate, now: Date = Date(), sharing: WebSharing = WebSharing()
    ) -> String {
        let id = esc(task["id"]?.stringValue ?? "")
        let title = esc(task["title"]?.stringValue ?? "")
        var meta: [String] = []
        if let due = task["due"], due != .null {
            let local = due["date"]?.stringValue ?? due["date_time"]?.stringValue ?? ""
            let parsed: Due? =
                if let d = due["date"]?.stringValue.flatMap(LocalDate.init) { .allDay(d) } else {
                    due["date_time"]?.stringValue.flatMap(LocalDateTime.init).map { .dateTime($0, timeZone: .utc) }
                }
            let overdue: Bool = {
                guard task["completed"] != .bool(true) else { return false }
                if let at = due["at"]?.stringValue.flatMap(Timestamp.parse) { return at <= now }
                if let d = due["date"]?.stringValue.flatMap(LocalDate.init) { return d < today }
                return false
            }()
            let label = parsed.map { DueLabel.text($0, today: today) } ?? local
            meta.append(#"<time class="due\#(overdue ? " overdue" : "")" datetime="\#(esc(local))">\#(esc(label))</time>"#)
        }
        if let r = task["recurrence"], r != .null, let d = r["description"]?.stringValue {
            meta.append(
                #"<span class="repeat" tabindex="0" role="img" aria-label="Repeats: \#(esc(d))" title="\#(esc(d))" data-tip="\#(esc(d))">↻</span>"#)
        }
        if case .int(let total)? = task["subtasks"]?["total"], total > 0, case .int(let open)? = task["subtasks"]?["open"] {
            meta.append(#"<span class="progress" aria-label="\#(total - open) of \#(total) subtasks done">\#(total - open)/\#(total)</span>"#)
        }
        if let p = task["priority"]?.stringValue, p != "none" { meta.append(#"<span class="priority p-\#(esc(p))">\#(esc(p))</span>"#) }
        if case .array(let tags)? = task["tags"] {
            meta += tags.compactMap(\.stringValue).map { #"<span class="tag">#\#(esc($0))</span>"# }
        }
        let badge = sharing.badge(task)
        if !badge.isEmpty { meta.append(badge) }
        let readOnly = sharing.isReadOnly(task)
        let parent = task["parent_id"]?.stringValue.map { #" data-parent="\#(esc($0))""# } ?? ""
        let done = task["completed"] == .bool(true)
        var fold = ""
        if foldable, case .int(let total)? = task["subtasks"]?["total"], total > 0 {
            fold = #"<button type="button" class="fold" aria-expanded="true" aria-label="Fold away the subtasks of \#(title)">▾</button>"#
        }
        return """
            <li class="task\(done ? " done" : "")" data-id="\(id)" data-project="\(esc(task["project_id"]?.stringValue ?? ""))"\(parent) data-depth="\(depth)"\(readOnly ? #" data-readonly="true""# : #" draggable="true""#)>\(fold)<input type="checkbox" id="done-\(id)" aria-label="Complete: \(title)"\(done ? " checked" : "")\(readOnly ? " disabled" : "")><button type="button" class="title" aria-haspopup="dialog">\(title)</button> <span class="meta">\(meta.joined(separator: " "))</span></li>
            """
    }
}
