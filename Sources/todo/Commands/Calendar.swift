import ArgumentParser
import Foundation
import TodoApp
import TodoCore

/// `todo calendar [--project P | --filter F] [--completed] [--name N]`: makes a calendar feed and
/// prints its secret URL; `--list` shows the feeds, `--rotate ID` replaces a URL, `--delete ID`.
struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar", abstract: "Make a calendar feed URL (iCalendar) to subscribe to, list, rotate or delete feeds, through the API.")
    @OptionGroup var api: APIOptions
    @Option(help: "Only this project's tasks (by name, case-insensitive, or a unique prefix).") var project: String?
    @Option(help: "Only the tasks of this saved filter (by name).") var filter: String?
    @Option(help: "The calendar's name.") var name: String?
    @Flag(help: "Show done tasks, marked ✓ (else they are left out).") var completed = false
    @Flag(help: "List the feeds.") var list = false
    @Option(help: "Give the feed with this id a new URL (the old one stops working).") var rotate: String?
    @Option(help: "Delete the feed with this id (its URL stops working).") var delete: String?

    func validate() throws {
        if project != nil && filter != nil { throw ValidationError("give --project or --filter, not both") }
        if [list, rotate != nil, delete != nil].filter({ $0 }).count > 1 { throw ValidationError("give one of --list, --rotate, --delete") }
    }

    func run() async throws {
        let client = try api.client()
        if list {
            let feeds = try await reportingFailures("calendar") { try await client.get("/api/v1/calendar-feeds") }
            guard case .array(let items)? = feeds["items"] else { return }
            for f in items {
                let scope = f["scope"]?.stringValue ?? ""
                let read = f["last_read_at"]?.stringValue.map { "last read \($0.prefix(16))" } ?? "never read"
                print(
                    "\(f["id"]?.stringValue ?? "")  \(f["name"]?.stringValue ?? "")  (\(scope)\(f["include_completed"] == true ? ", done shown" : ""), \(read))"
                )
            }
            return
        }
        if let delete {
            try await reportingFailures("calendar") { try await client.delete("/api/v1/calendar-feeds/\(delete)") }
            print("Deleted the feed; its URL no longer works.")
            return
        }
        let feed: JSONValue
        if let rotate {
            feed = try await reportingFailures("calendar") { try await client.post("/api/v1/calendar-feeds/\(rotate)/rotate", .object([])) }
        } else {
            var body: [(String, JSONValue)] = [("include_completed", .bool(completed)), ("name", .string(name ?? project ?? filter ?? "Todo"))]
            if let project {
                let id = try await ListCommand.find(project, in: "/api/v1/projects", kind: "project", client: client)
                body += [("scope", "project"), ("project_id", .string(id))]
            } else if let filter {
                let id = try await ListCommand.find(filter, in: "/api/v1/filters", kind: "filter", client: client)
                body += [("scope", "filter"), ("filter_id", .string(id))]
            }
            feed = try await reportingFailures("calendar") { try await client.post("/api/v1/calendar-feeds", .object(body)) }
        }
        print(
            "Subscribe to this URL in your calendar app (it is the only key to the feed; `todo calendar --rotate \(feed["id"]?.stringValue ?? "")` replaces it):"
        )
        print(feed["url"]?.stringValue ?? "")
    }
}
