import Foundation

/// A task list request: filters that combine (AND), an order with a stable tie-break on `id`, and
/// keyset pagination.
public struct TaskQuery: Sendable, Equatable {
    public enum Status: String, Sendable { case open, completed, all }

    public enum SortField: String, Sendable, CaseIterable {
        case due, priority, created, updated, title
        /// Full-text relevance; the default order when `q` is given.
        case rank
        /// The person's own order: projects' tasks as they were dragged, subtasks under their
        /// parent (`position_path`).
        case manual
    }

    /// A view people live in (`view=`).
    public enum View: Sendable, Equatable {
        /// Tasks due before tomorrow in the person's zone (or the end of `days`): today's and the
        /// overdue; open ones unless `status` says otherwise.
        case today
        /// Open tasks due before the start of the day `days` days from today (overdue included),
        /// grouped by local date.
        case upcoming(days: Int)
        /// The open tasks of the Inbox.
        case inbox
    }

    /// Whose child a listed task must be: a given task's, or none (top level).
    public enum ParentFilter: Sendable, Equatable {
        case task(UUID)
        case none
    }

    public struct Sort: Sendable, Equatable, CustomStringConvertible {
        public var field: SortField
        public var descending: Bool

        public init(_ field: SortField, descending: Bool = false) {
            self.field = field
            self.descending = descending
        }

        public var description: String { (descending ? "-" : "") + field.rawValue }
    }

    public static let maxLimit = 200
    public static let defaultLimit = 50

    public var status: Status = .open
    public var priorities: [Priority] = []
    /// Tag keys (lowercased); a task must carry all of them.
    public var tags: [String] = []
    public var dueBefore: Date?
    public var dueAfter: Date?
    /// true: only open tasks past their due; false: only tasks that are not; nil: no filter.
    public var overdue: Bool?
    /// Search words, already split; every word must match (as a prefix).
    public var searchTerms: [String] = []
    public var sort: Sort = Sort(.due)
    public var limit: Int = TaskQuery.defaultLimit
    public var after: Cursor?
    /// Tasks of any of these projects (none: every project).
    public var projects: [UUID] = []
    /// Tasks of this section (`section=none`: of none).
    public var section: ParentFilter?
    public var parent: ParentFilter?
    public var view: View?
    /// With a view: the day boundary it ends at, in the person's zone (`due_at` before it).
    public var dueUntil: Date?
    /// Leave out the tasks of archived projects (the views do).
    public var activeProjectsOnly = false
    /// `filter=`: a saved filter's id; the caller loads it and sets `filter`.
    public var savedFilterID: UUID?
    /// A saved filter's query, on top of the other filters.
    public var filter: TaskFilter?
    /// `assignee=me` or `assignee=<user id>`: tasks assigned to that person.
    public var assignee: Assignee?

    public enum Assignee: Sendable, Equatable {
        case me
        case user(UUID)
    }

    public init() {}

    /// The names of the list's parameters.
    public static let parameterNames: Set<String> = [
        "status", "priority", "tag", "due_before", "due_after", "overdue", "q", "sort", "limit", "cursor", "project", "section", "parent",
        "view", "days", "filter", "assignee",
    ]

    /// Reads the query string of `GET /api/v1/tasks`. Dates without a time, and the views' days,
    /// are read in `timeZone`, today being `now`'s day there.
    public init(parameters: [(String, String)], timeZone: TimeZoneID, now: Date = Date()) throws {
        var errors = FieldErrors()
        let zone = timeZone.zone
        var sortText: String?
        var cursorText: String?
        var viewText: String?
        var daysText: String?
        for (name, value) in parameters {
            switch name {
            case "project":
                for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                    if let id = UUID(canonical: String(part)) { projects.append(id) } else { errors.add("project", "must be a project id") }
                }
            case "section", "parent":
                let filter: ParentFilter? = value == "none" ? ParentFilter.none : UUID(canonical: value).map(ParentFilter.task)
                if filter == nil { errors.add(name, "must be an id or none") }
                if name == "section" { section = filter } else { parent = filter }
            case "view": viewText = value
            case "assignee":
                if value == "me" {
                    assignee = .me
                } else if let id = UUID(canonical: value) {
                    assignee = .user(id)
                } else {
                    errors.add("assignee", "must be me or a user id")
                }
            case "filter":
                if let id = UUID(canonical: value) { savedFilterID = id } else { errors.add("filter", "must be a saved filter's id") }
            case "days": daysText = value
            case "status":
                if let s = Status(rawValue: value) { status = s } else { errors.add("status", "must be open, completed or all") }
            case "priority":
                for part in value.split(separator: ",") {
                    if let p = Priority(rawValue: String(part)) {
                        priorities.append(p)
                    } else {
                        errors.add("priority", "must be one of none, low, medium, high, urgent")
                    }
                }
            case "tag":
                if let t = errors.collect({ try TaskRules.tag(value, field: "tag") }) { tags.append(TaskRules.tagKey(t)) }
            case "due_before":
                dueBefore = errors.collect { try TaskQuery.instant(value, field: name, zone: zone) }
            case "due_after":
                dueAfter = errors.collect { try TaskQuery.instant(value, field: name, zone: zone) }
            case "overdue":
                if value == "true" {
                    overdue = true
                } else if value == "false" {
                    overdue = false
                } else {
                    errors.add("overdue", "must be true or false")
                }
            case "q":
                searchTerms = TaskQuery.words(value)
            case "sort": sortText = value
            case "limit":
                if let n = Int(value), (1...TaskQuery.maxLimit).contains(n) {
                    limit = n
                } else {
                    errors.add("limit", "must be a whole number from 1 to \(TaskQuery.maxLimit)")
                }
            case "cursor": cursorText = value
            default:
                if !TaskQuery.parameterNames.contains(name) { errors.add(name, "is not a parameter of this list") }
            }
        }
        // A view sets a window of days (today: 1, upcoming: 7) that `days` changes; `days` alone is
        // the same window on any list: due before the start of the day `days` days from today,
        // overdue included.
        var window: Int?
        if let viewText {
            switch viewText {
            case "today": (view, window) = (.today, 1)
            case "upcoming": (view, window) = (.upcoming(days: 7), 7)
            case "inbox": view = .inbox
            default: errors.add("view", "must be today, upcoming or inbox")
            }
            activeProjectsOnly = view != nil && view != .inbox
        }
        if let daysText {
            if let n = Int(daysText), (1...366).contains(n) { window = n } else { errors.add("days", "must be a whole number from 1 to 366") }
        }
        if let window {
            if case .upcoming = view { view = .upcoming(days: window) }
            let today = Zones.local(at: now, in: zone).date
            dueUntil = Zones.startOfDay(today.adding(days: window), in: zone)
        }
        var seenTags = Set<String>()
        tags = tags.filter { seenTags.insert($0).inserted }
        if let sortText {
            let desc = sortText.hasPrefix("-")
            if let f = SortField(rawValue: String(sortText.dropFirst(desc ? 1 : 0))), f != .rank || !searchTerms.isEmpty {
                sort = Sort(f, descending: desc)
            } else {
                errors.add("sort", "must be one of due, priority, created, updated, title, manual (with - for descending)")
            }
        } else if !searchTerms.isEmpty {
            sort = Sort(.rank, descending: true)
        }
        if let cursorText {
            if let c = Cursor(encoded: cursorText), c.sort == sort.description {
                after = c
            } else {
                errors.add("cursor", "is not a cursor of this list and order")
            }
        }
        try errors.check()
    }

    static func instant(_ text: String, field: String, zone: TimeZone) throws -> Date {
        if let d = Timestamp.parse(text) { return d }
        if let date = LocalDate(text) { return Zones.startOfDay(date, in: zone) }
        throw TodoError.invalid(field, "must be a date YYYY-MM-DD or an RFC 3339 timestamp")
    }

    /// Splits a search into words of letters and digits (anything else separates words).
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for scalar in text.unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return Array(words.prefix(16))
    }
}

/// Where the previous page ended: the order it was taken in, the last row's sort value and id.
/// Opaque to clients (base64url of a small JSON object).
public struct Cursor: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case null
        case int(Int64)
        case double(Double)
        case string(String)
        case date(Date)
    }

    public var sort: String
    public var value: Value
    public var id: UUID

    public init(sort: String, value: Value, id: UUID) {
        self.sort = sort
        self.value = value
        self.id = id
    }

    public init?(encoded: String) {
        guard encoded.count <= 1024, let data = Data(base64URL: encoded), let json = try? JSONValue.parse(data),
            let sort = json["s"]?.stringValue, let idText = json["i"]?.stringValue, let id = UUID(uuidString: idText)
        else { return nil }
        self.sort = sort
        self.id = id
        switch (json["k"]?.stringValue, json["v"]) {
        case ("n", _): value = .null
        case ("i", .int(let i)?): value = .int(i)
        case ("f", .double(let d)?): value = .double(d)
        case ("f", .int(let i)?): value = .double(Double(i))
        case ("s", .string(let s)?): value = .string(s)
        case ("d", .double(let d)?): value = .date(Date(timeIntervalSince1970: d))
        case ("d", .int(let i)?): value = .date(Date(timeIntervalSince1970: Double(i)))
        default: return nil
        }
    }

    public var encoded: String {
        let (kind, v): (String, JSONValue) =
            switch value {
            case .null: ("n", .null)
            case .int(let i): ("i", .int(i))
            case .double(let d): ("f", .double(d))
            case .string(let s): ("s", .string(s))
            case .date(let d): ("d", .double(d.timeIntervalSince1970))
            }
        let json: JSONValue = .object([("s", .string(sort)), ("k", .string(kind)), ("v", v), ("i", .string(id.lowercased))])
        return Data(json.serialized().utf8).base64URLEncoded
    }
}

/// One page of a list.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// Tasks of a page by the local day they are due on in the person's zone; the overdue ones form a
/// group of their own (`date` nil). Consecutive tasks of one day share a group, so a page in due
/// order gives the overdue first, then one group per day.
public struct DayGroup: Sendable, Equatable {
    public var date: LocalDate?
    public var ids: [UUID]

    public init(date: LocalDate?, ids: [UUID]) {
        self.date = date
        self.ids = ids
    }

    public static func upcoming(_ tasks: [TodoTask], zone: TimeZoneID, now: Date) -> [DayGroup] {
        var groups: [DayGroup] = []
        for task in tasks {
            guard let due = task.due else { continue }
            var date: LocalDate?
            if due.overdueAt > now {
                if case .allDay(let day) = due.due { date = day } else { date = Zones.local(at: due.at, in: zone.zone).date }
            }
            if let last = groups.indices.last, groups[last].date == date {
                groups[last].ids.append(task.id)
            } else {
                groups.append(DayGroup(date: date, ids: [task.id]))
            }
        }
        return groups
    }
}
