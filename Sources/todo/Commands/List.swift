import ArgumentParser
import Foundation
import TodoApp
import TodoCore

/// The options every API command shares: the server and a personal API token.
struct APIOptions: ParsableArguments {
    @Option(help: "The server (env TODO_URL, default http://127.0.0.1:8000).") var url: String?
    @Option(help: "A personal API token (env TODO_TOKEN).") var token: String?

    func client() throws -> TodoAPIClient {
        let env = ProcessInfo.processInfo.environment
        guard let token = token ?? env["TODO_TOKEN"], !token.isEmpty else {
            throw ValidationError("a personal API token is needed: --token or TODO_TOKEN (create one with POST /api/v1/tokens)")
        }
        return TodoAPIClient(baseURL: url ?? env["TODO_URL"] ?? "http://127.0.0.1:8000", token: token)
    }
}

/// Runs an API call, printing a failure the way every command does.
func reportingFailures<T>(_ command: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let failure as TodoAPIClient.Failure {
        FileHandle.standardError.write(Data("todo \(command): \(failure)\n".utf8))
        throw ExitCode(1)
    }
}

/// `todo projects`: the person's projects with their open and overdue counts.
struct ProjectsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "projects", abstract: "List your projects, through the API.")
    @OptionGroup var api: APIOptions
    @Flag(help: "Archived projects too.") var all = false

    func run() async throws {
        let client = try api.client()
        let answer = try await reportingFailures("projects") { try await client.get("/api/v1/projects?archived=\(all ? "all" : "false")") }
        guard case .array(let items)? = answer["items"] else { return }
        for p in items {
            func count(_ key: String) -> Int64 { if case .int(let n)? = p[key] { n } else { 0 } }
            let (open, overdue) = (count("open_tasks"), count("overdue_tasks"))
            var line = (p["name"]?.stringValue ?? "").padding(toLength: 24, withPad: " ", startingAt: 0) + "\(open) open"
            if overdue > 0 { line += ", \(overdue) overdue" }
            if p["archived"] == .bool(true) { line += "  (archived)" }
            if case .int(let people)? = p["member_count"], people > 1 { line += "  (shared: \(people) people, you: \(p["role"]?.stringValue ?? ""))" }
            print(line)
        }
    }
}

/// `todo ls`: tasks of a view, a project or a saved filter, subtasks indented under their parent.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List tasks (Today, Upcoming, the Inbox, a project or a saved filter), through the API.")
    @OptionGroup var api: APIOptions
    @Option(help: "A project by name (case-insensitive, or a unique prefix).") var project: String?
    @Flag(help: "Due today and overdue.") var today = false
    @Flag(help: "Due in the next --days days (default 7), overdue first.") var upcoming = false
    @Option(help: "The window of --today or --upcoming, in days.") var days: Int?
    @Flag(help: "The Inbox.") var inbox = false
    @Option(help: "A saved filter by name.") var filter: String?
    @Flag(help: "Completed tasks too.") var all = false
    @Flag(help: "Only the tasks assigned to you.") var assigned = false

    func run() async throws {
        let client = try api.client()
        var query: [(String, String)] = [("limit", "200")]
        if assigned { query.append(("assignee", "me")) }
        if today { query.append(("view", "today")) }
        if upcoming { query.append(("view", "upcoming")) }
        if inbox { query.append(("view", "inbox")) }
        if let days { query.append(("days", String(days))) }
        if all { query.append(("status", "all")) }
        if let project {
            query.append(("project", try await Self.find(project, in: "/api/v1/projects?archived=all", kind: "project", client: client)))
        }
        if let filter { query.append(("filter", try await Self.find(filter, in: "/api/v1/filters", kind: "filter", client: client))) }
        if !today && !upcoming { query.append(("sort", "manual")) }
        let path =
            "/api/v1/tasks?"
            + query.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)" }.joined(separator: "&")
        let answer = try await reportingFailures("ls") { try await client.get(path) }
        guard case .array(let tasks)? = answer["items"] else { return }
        var depth: [String: Int] = [:]
        for task in tasks {
            let id = task["id"]?.stringValue ?? ""
            let level = task["parent_id"]?.stringValue.flatMap { depth[$0].map { $0 + 1 } } ?? 0
            depth[id] = level
            print(Self.line(task, indent: level))
        }
        if tasks.isEmpty { print("No tasks.") }
    }

    /// The id of the item of `path` named `name` (exactly, case-insensitive, else a unique prefix).
    static func find(_ name: String, in path: String, kind: String, client: TodoAPIClient) async throws -> String {
        let answer = try await reportingFailures("ls") { try await client.get(path) }
        guard case .array(let items)? = answer["items"] else { throw ValidationError("no \(kind)s") }
        let key = name.lowercased()
        let named = items.filter { $0["name"]?.stringValue?.lowercased() == key }
        let matches = named.isEmpty ? items.filter { $0["name"]?.stringValue?.lowercased().hasPrefix(key) == true } : named
        guard matches.count == 1, let id = matches[0]["id"]?.stringValue else {
            throw ValidationError(matches.isEmpty ? "no \(kind) is called \(name)" : "\(name) names several \(kind)s; say more of the name")
        }
        return id
    }

    /// `[ ] Title  · Dec 4 09:00 · #tag · !high  (0193abcd)`, indented by level.
    static func line(_ task: JSONValue, indent: Int) -> String {
        var parts = [(task["completed"] == .bool(true) ? "[x] " : "[ ] ") + (task["title"]?.stringValue ?? "")]
        if let due = task["due"] {
            if let date = due["date"]?.stringValue { parts.append(date) }
            if let local = due["date_time"]?.stringValue { parts.append(local.replacingOccurrences(of: "T", with: " ")) }
        }
        if case .array(let tags)? = task["tags"], !tags.isEmpty {
            parts.append(tags.compactMap(\.stringValue).map { "#" + $0 }.joined(separator: " "))
        }
        if let p = task["priority"]?.stringValue, p != "none" { parts.append("!" + p) }
        if let subtasks = task["subtasks"], case .int(let total)? = subtasks["total"], total > 0, case .int(let open)? = subtasks["open"] {
            parts.append("\(total - open)/\(total)")
        }
        let id = String((task["id"]?.stringValue ?? "").suffix(8))
        return String(repeating: "    ", count: indent) + parts.joined(separator: " · ") + "  (\(id))"
    }
}
