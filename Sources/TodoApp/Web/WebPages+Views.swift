import Foundation
import TodoCore

/// What the page shows: which list (a view, a project, a saved filter, everything or a search),
/// read from the page's URL with the API's own parameter names, so a view can be bookmarked.
struct WebView {
    /// The list's parameters as the URL gave them (view, project, filter, q, sort, …).
    var parameters: [(String, String)]
    var title: String
    var project: ProjectSummary?
    /// A project's sections (its view shows its tasks under them).
    var sections: [Section] = []

    var isUpcoming: Bool { parameters.contains { $0 == ("view", "upcoming") } }

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
        func link(_ href: String, _ label: String, count: Int? = nil, dot: String? = nil, id: String? = nil, shared: Bool = false) -> String {
            let here =
                href == "/?" + current.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
                || (href == "/" && current.map(\.0) == ["view"] && current[0].1 == "today")
            let countText =
                (shared ? #" <span class="shared" role="img" aria-label="shared" title="Shared">👥</span>"# : "")
                + (count.map { #" <span class="count" aria-label="\#($0) open">\#($0)</span>"# } ?? "")
            let dotText = dot.map { #"<span class="dot c-\#(esc($0))" aria-hidden="true"></span>"# } ?? ""
            let idText = id.map { #" data-project="\#(esc($0))""# + (dot != nil ? #" draggable="true""# : "") } ?? ""
            return
                #"<li\#(idText)><a href="\#(esc(href))"\#(here ? #" aria-current="page""# : "")>\#(dotText)<span class="name">\#(esc(label))</span>\#(countText)</a></li>"#
        }
        let inbox = projects.first { $0.project.isInbox }
        let views = [
            link("/?view=inbox&sort=manual", "Inbox", count: inbox?.openTasks, id: inbox?.project.id.lowercased),
            link("/", "Today"), link("/?view=upcoming", "Upcoming"), link("/?assignee=me", "Assigned to me"), link("/?status=open", "All tasks"),
        ].joined()
        let filterLinks = filters.map { link("/?filter=\($0.id.lowercased)", $0.name, dot: $0.color.rawValue) }.joined()
        let projectLinks = projects.filter { !$0.project.isInbox }.map {
            link(
                "/?project=\($0.project.id.lowercased)&sort=manual", $0.project.name, count: $0.openTasks, dot: $0.project.color.rawValue,
                id: $0.project.id.lowercased, shared: $0.memberCount > 1)
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
            <label for="np-color" class="visually-hidden">Colour of the new project</label>
            <select id="np-color">\(colorOptions(.charcoal))</select>
            </form>
            </nav>
            """
    }

    /// The palette as options, `selected` chosen.
    static func colorOptions(_ selected: ProjectColor) -> String {
        ProjectColor.allCases.map { c in
            let name = c.rawValue.replacingOccurrences(of: "_", with: " ")
            return #"<option value="\#(c.rawValue)"\#(c == selected ? " selected" : "")>\#(name.prefix(1).uppercased() + name.dropFirst())</option>"#
        }.joined()
    }

    /// The tasks of a page: in the person's order (`tree`) subtasks indented under their parent
    /// (`data-depth`), with a button that folds them away; the upcoming view's days as headings.
    static func taskItems(
        _ tasks: [TodoTask], upcoming: Bool, tree: Bool, sections: [Section] = [], zone: TimeZoneID, now: Date = Date(),
        sharing: WebSharing = WebSharing()
    ) -> String {
        let today = Zones.local(at: now, in: zone.zone).date
        if !sections.isEmpty {
            // A project's view: its tasks without a section, then each section's under its heading.
            let bySection = Dictionary(grouping: tasks, by: \.placement.sectionID)
            var out = [taskItems(bySection[nil] ?? [], upcoming: false, tree: tree, zone: zone, now: now, sharing: sharing)]
            for section in sections {
                out.append(
                    #"<li class="section" data-section="\#(section.id.lowercased)"><h3>\#(esc(section.name))</h3></li>"#)
                if let inside = bySection[section.id] {
                    out.append(taskItems(inside, upcoming: false, tree: tree, zone: zone, now: now, sharing: sharing))
                }
            }
            return out.filter { $0 != emptyItem }.joined(separator: "\n")
        }
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
            let level = tree ? task.placement.parentID.flatMap { depth[$0].map { $0 + 1 } } ?? 0 : 0
            depth[task.id] = level
            out.append(taskItem(TaskResponse(task).json, depth: level, foldable: tree, today: today, now: now, sharing: sharing))
        }
        if out.isEmpty { out.append(emptyItem) }
        return out.joined(separator: "\n")
    }

    /// What an empty list says (the script shows the same).
    static let emptyItem = #"<li class="empty">No tasks here.</li>"#
}
