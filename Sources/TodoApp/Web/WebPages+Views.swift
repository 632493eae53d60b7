import Foundation
import TodoCore

/// What the page shows: which list (a view, a project, a saved filter, everything or a search),
/// read from the page's URL with the API's own parameter names, so a view can be bookmarked.
struct WebView {
    /// The list's parameters as the URL gave them (view, project, filter, q, sort, …).
    var parameters: [(String, String)]
    var title: String
    var project: ProjectSummary?
    var isUpcoming: Bool

    /// No parameters: Today, the start view.
    static let start: [(String, String)] = [("view", "today")]

    /// The URL's list parameters (unknown ones dropped; none: Today), and the order a project or
    /// the Inbox is read in when the URL names none (the person's own).
    static func parameters(_ query: [(String, String)]) -> [(String, String)] {
        var list = query.filter { TaskQuery.parameterNames.contains($0.0) && !["limit", "cursor"].contains($0.0) }
        if list.isEmpty { list = start }
        let placed = list.contains { $0.0 == "project" || ($0.0 == "view" && $0.1 == "inbox") }
        if placed && !list.contains(where: { $0.0 == "sort" }) { list.append(("sort", "manual")) }
        return list
    }
}

/// The sidebar and the list's pieces (the script builds the same markup for what it adds).
extension WebPages {
    /// Inbox, Today, Upcoming, All; saved filters; projects with colours and open counts.
    static func sidebar(projects: [ProjectSummary], filters: [SavedFilter], current: [(String, String)]) -> String {
        func link(_ href: String, _ label: String, count: Int? = nil, dot: String? = nil, id: String? = nil) -> String {
            let here =
                href == "/?" + current.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
                || (href == "/" && current.map(\.0) == ["view"] && current[0].1 == "today")
            let countText = count.map { #" <span class="count" aria-label="\#($0) open">\#($0)</span>"# } ?? ""
            let dotText = dot.map { #"<span class="dot c-\#(esc($0))" aria-hidden="true"></span>"# } ?? ""
            let idText = id.map { #" data-project="\#(esc($0))""# } ?? ""
            return
                #"<li\#(idText)><a href="\#(esc(href))"\#(here ? #" aria-current="page""# : "")>\#(dotText)<span class="name">\#(esc(label))</span>\#(countText)</a></li>"#
        }
        let inbox = projects.first { $0.project.isInbox }
        let views = [
            link("/?view=inbox&sort=manual", "Inbox", count: inbox?.openTasks, id: inbox?.project.id.lowercased),
            link("/", "Today"), link("/?view=upcoming", "Upcoming"), link("/?status=open", "All tasks"),
        ].joined()
        let filterLinks = filters.map { link("/?filter=\($0.id.lowercased)", $0.name, dot: $0.color.rawValue) }.joined()
        let projectLinks = projects.filter { !$0.project.isInbox }.map {
            link(
                "/?project=\($0.project.id.lowercased)&sort=manual", $0.project.name, count: $0.openTasks, dot: $0.project.color.rawValue,
                id: $0.project.id.lowercased)
        }.joined()
        return """
            <nav id="sidebar" aria-label="Views and projects">
            <ul class="views">\(views)</ul>
            <h2 id="filters-heading">Filters</h2>
            <ul id="filter-list" aria-labelledby="filters-heading">\(filterLinks)</ul>
            <h2 id="projects-heading">Projects</h2>
            <ul id="project-list" aria-labelledby="projects-heading">\(projectLinks)</ul>
            <form id="new-project" class="inline-form" autocomplete="off">
            <label for="np-name">New project</label>
            <input id="np-name" maxlength="120" required placeholder="Project name">
            <button type="submit">Add</button>
            </form>
            </nav>
            """
    }

    /// The tasks of a page: subtasks indented under their parent (`data-depth`), the upcoming
    /// view's days as headings.
    static func taskItems(_ tasks: [TodoTask], upcoming: Bool, zone: TimeZoneID, now: Date = Date()) -> String {
        let today = Zones.local(at: now, in: zone.zone).date
        var depth: [UUID: Int] = [:]
        var groups: [UUID: LocalDate?] = [:]
        if upcoming { for g in DayGroup.upcoming(tasks, zone: zone, now: now) { for id in g.ids { groups[id] = .some(g.date) } } }
        var out: [String] = []
        var lastGroup: LocalDate?? = nil
        for task in tasks {
            if upcoming, let group = groups[task.id], lastGroup != .some(group) {
                lastGroup = .some(group)
                let label = group.map { DueLabel.day($0, today: today) } ?? "Overdue"
                out.append(#"<li class="day" data-day="\#(group?.description ?? "overdue")"><h3>\#(esc(label))</h3></li>"#)
            }
            let level = task.placement.parentID.flatMap { depth[$0].map { $0 + 1 } } ?? 0
            depth[task.id] = level
            out.append(taskItem(TaskResponse(task).json, depth: level, today: today, now: now))
        }
        if out.isEmpty { out.append(emptyItem) }
        return out.joined(separator: "\n")
    }

    /// What an empty list says (the script shows the same).
    static let emptyItem = #"<li class="empty">No tasks here.</li>"#
}
