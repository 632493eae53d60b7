import Foundation

/// Other apps' exports, translated into a `todo.export` document (one mechanism for writing
/// them: `TodoExport.plan`). Their items have no UUIDs: `sourceID` makes one from a stable name
/// (the same file gives the same ids, so importing it again creates nothing twice).
public struct ConvertedImport: Sendable {
    public var document: JSONValue
    /// Columns or members the importer does not take, reported.
    public var unknown: [String]
    /// What could not be kept as it was.
    public var notes: [String]
}

/// Todoist's CSV template export (TYPE, CONTENT, DESCRIPTION, PRIORITY, INDENT, AUTHOR,
/// RESPONSIBLE, DATE, DATE_LANG, TIMEZONE, …): one project of tasks, sections and notes.
public enum TodoistCSV {
    static let columns = ["TYPE", "CONTENT", "DESCRIPTION", "PRIORITY", "INDENT", "AUTHOR", "RESPONSIBLE", "DATE", "DATE_LANG", "TIMEZONE"]
    /// Columns Todoist writes that Todo has no use for (people of the other account, durations, view settings).
    static let ignored = ["AUTHOR", "RESPONSIBLE", "DATE_LANG", "DURATION", "DURATION_UNIT", "DEADLINE", "DEADLINE_LANG"]

    public static func convert(
        _ text: String, projectName: String, timeZone: TimeZoneID, now: Date, sourceID: (String) -> UUID
    ) throws -> ConvertedImport {
        let rows = try CSV.parse(text)
        guard let header = rows.first?.map({ $0.trimmingCharacters(in: .whitespaces).uppercased() }), header.contains("TYPE"),
            header.contains("CONTENT")
        else { throw TodoError.invalid("csv", "must start with Todoist's header row (TYPE, CONTENT, DESCRIPTION, PRIORITY, INDENT, …)") }
        let unknown = header.filter { !columns.contains($0) && !ignored.contains($0) && !$0.isEmpty }
        var notes: [String] = []
        for column in header where ["RESPONSIBLE", "DURATION", "DEADLINE"].contains(column) {
            notes.append(
                "\(column) is not imported (Todo has no \(column == "RESPONSIBLE" ? "assignees from another account" : column.lowercased() + "s"))")
        }
        let projectID = sourceID("todoist:project:\(projectName)")
        var sections: [JSONValue] = []
        var tasks: [(members: [(String, JSONValue)], row: Int)] = []
        var section: UUID?
        var parents: [UUID] = []  // the open chain of parents by indent
        let local = Zones.local(at: now, in: timeZone.zone)
        for (n, row) in rows.enumerated().dropFirst() {
            func cell(_ name: String) -> String {
                guard let i = header.firstIndex(of: name), i < row.count else { return "" }
                return row[i].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let line = n + 1
            switch cell("TYPE") {
            case "section":
                let id = sourceID("todoist:\(projectName):\(line):section:\(cell("CONTENT"))")
                section = id
                parents = []
                sections.append(.object([("id", .string(id.lowercased)), ("name", .string(String(cell("CONTENT").prefix(120))))]))
            case "task":
                var title = cell("CONTENT")
                // Labels are written into the content as @name.
                var tags: [String] = []
                title = title.split(separator: " ", omittingEmptySubsequences: false).filter { word in
                    guard word.hasPrefix("@"), word.count > 1, let tag = try? TaskRules.tag(String(word.dropFirst())) else { return true }
                    tags.append(tag)
                    return false
                }.joined(separator: " ").trimmingCharacters(in: .whitespaces)
                let id = sourceID("todoist:\(projectName):\(line):task:\(cell("CONTENT"))")
                var members: [(String, JSONValue)] = [
                    ("id", .string(id.lowercased)), ("title", .string(title)), ("project_id", .string(projectID.lowercased)),
                ]
                if !cell("DESCRIPTION").isEmpty { members.append(("description", .string(cell("DESCRIPTION")))) }
                // 1 is p1 (highest), 4 is p4 (Todoist's "no priority"); empty is p1, as Todoist reads it.
                let priority = ["1": "urgent", "2": "high", "3": "medium", "4": "none", "": "urgent"][cell("PRIORITY")]
                if let priority {
                    members.append(("priority", .string(priority)))
                } else {
                    notes.append("line \(line): PRIORITY \(cell("PRIORITY")) is not 1–4; left without")
                }
                if !tags.isEmpty { members.append(("tags", .array(tags.map(JSONValue.string)))) }
                if let section { members.append(("section_id", .string(section.lowercased))) }
                let indent = max(1, Int(cell("INDENT")) ?? 1)
                parents = Array(parents.prefix(indent - 1))
                if indent > 1 {
                    if let parent = parents.last {
                        members.append(("parent_id", .string(parent.lowercased)))
                    } else {
                        notes.append("line \(line): INDENT \(indent) has no task above it; made top-level")
                    }
                }
                if parents.count == indent - 1 { parents.append(id) }
                let date = cell("DATE")
                if !date.isEmpty {
                    let zone = TimeZoneID(cell("TIMEZONE")) ?? timeZone
                    let parsed = QuickAdd.parse("x " + date, now: zone == timeZone ? local : Zones.local(at: now, in: zone.zone), timeZone: zone)
                    if parsed.title == "x", parsed.due != nil, case .object(let fields) = parsed.taskJSON {
                        members += fields.filter { ["due", "recurrence"].contains($0.0) }
                    } else {
                        notes.append("line \(line): DATE \"\(date)\" is not understood; left without a due")
                    }
                }
                tasks.append((members, line))
            case "note":
                // A comment on the task above: appended to its description.
                guard !tasks.isEmpty else { continue }
                var members = tasks[tasks.count - 1].members
                let old = members.first { $0.0 == "description" }?.1.stringValue ?? ""
                members.removeAll { $0.0 == "description" }
                members.append(("description", .string(old.isEmpty ? cell("CONTENT") : old + "\n\n" + cell("CONTENT"))))
                tasks[tasks.count - 1].members = members
            case "meta", "": continue
            case let other: notes.append("line \(line): TYPE \(other) is not task, section or note; skipped")
            }
        }
        let project: JSONValue = .object([
            ("id", .string(projectID.lowercased)), ("name", .string(String(projectName.prefix(120)))), ("sections", .array(sections)),
        ])
        return ConvertedImport(
            document: .object([
                ("format", .string(TodoExport.format)), ("version", .int(Int64(TodoExport.version))), ("projects", .array([project])),
                ("tasks", .array(tasks.map { .object($0.members) })),
            ]), unknown: unknown, notes: notes)
    }
}

/// Vikunja's data export (`data.json` of its export zip): its projects with their tasks.
public enum VikunjaExport {
    static let projectFields = [
        "id", "title", "description", "hex_color", "is_archived", "position", "created", "updated", "tasks", "parent_project_id", "identifier",
        "owner", "is_favorite", "views", "buckets", "task_buckets", "positions", "background_file_id", "child_projects", "subscription",
        "background_information", "background_blur_hash", "max_permission", "max_right",
    ]
    static let taskFields = [
        "id", "title", "description", "done", "done_at", "due_date", "priority", "labels", "repeat_after", "repeat_mode", "reminders",
        "related_tasks", "created", "updated", "position", "project_id", "identifier", "index", "bucket_id", "start_date", "end_date",
        "percent_done", "hex_color", "attachments", "comments", "created_by", "assignees", "is_favorite", "kanban_position",
        "cover_image_attachment_id",
        "subscription", "reactions", "buckets",
    ]

    public static func convert(_ doc: JSONValue, timeZone: TimeZoneID, sourceID: (String) -> UUID) throws -> ConvertedImport {
        guard case .array(let projects) = doc else { throw TodoError.invalid("", "must be the data.json of a Vikunja export: an array of projects") }
        var unknown: Set<String> = []
        var notes: [String] = []
        var outProjects: [JSONValue] = []
        var outTasks: [JSONValue] = []
        func id(_ kind: String, _ value: JSONValue?) -> UUID? {
            guard case .int(let n)? = value else { return nil }
            return sourceID("vikunja:\(kind):\(n)")
        }
        func time(_ value: JSONValue?) -> String? {
            guard let text = value?.stringValue, let date = Timestamp.parse(text), date > Date(timeIntervalSince1970: 0) else { return nil }
            return Timestamp.millis(date)
        }
        let names = Dictionary(
            projects.compactMap { p -> (Int64, String)? in
                guard case .int(let n)? = p["id"] else { return nil }
                return (n, p["title"]?.stringValue ?? "Project")
            }, uniquingKeysWith: { a, _ in a })
        var taskProject: [Int64: Int64] = [:]
        for p in projects {
            for t in p["tasks"]?.arrayValue ?? [] { if case .int(let tid)? = t["id"], case .int(let pid)? = p["id"] { taskProject[tid] = pid } }
        }
        for (i, p) in projects.enumerated() {
            guard case .object(let members) = p, let projectID = id("project", p["id"]) else {
                throw TodoError.invalid("[\(i)]", "must be a project with an id")
            }
            for (key, _) in members where !projectFields.contains(key) { unknown.insert("projects[].\(key)") }
            var name = p["title"]?.stringValue ?? "Project"
            // Todo's projects do not nest: a child project keeps its place in its name.
            if case .int(let parent)? = p["parent_project_id"], parent > 0, let parentName = names[parent] { name = parentName + " / " + name }
            if name == "Inbox" { name = "Inbox (Vikunja)" }
            outProjects.append(
                .object([
                    ("id", .string(projectID.lowercased)), ("name", .string(String(name.prefix(120)))),
                    ("description", .string(p["description"]?.stringValue ?? "")), ("archived", .bool(p["is_archived"] == .bool(true))),
                    ("created_at", time(p["created"]).map(JSONValue.string) ?? .null),
                    ("updated_at", time(p["updated"]).map(JSONValue.string) ?? .null),
                ]))
            for t in p["tasks"]?.arrayValue ?? [] {
                guard case .object(let fields) = t, let taskID = id("task", t["id"]) else { continue }
                for (key, _) in fields where !taskFields.contains(key) { unknown.insert("tasks[].\(key)") }
                let title = t["title"]?.stringValue ?? ""
                var out: [(String, JSONValue)] = [
                    ("id", .string(taskID.lowercased)), ("title", .string(title)), ("project_id", .string(projectID.lowercased)),
                    ("description", .string(t["description"]?.stringValue ?? "")),
                    ("created_at", time(t["created"]).map(JSONValue.string) ?? .null),
                    ("updated_at", time(t["updated"]).map(JSONValue.string) ?? .null),
                ]
                if t["done"] == .bool(true) {
                    out.append(("completed_at", .string(time(t["done_at"]) ?? time(t["updated"]) ?? Timestamp.millis(Date()))))
                }
                if case .int(let p)? = t["priority"] {
                    out.append(("priority", .string(["none", "low", "medium", "high", "urgent", "urgent"][Int(max(0, min(5, p)))])))
                }
                let tags = (t["labels"]?.arrayValue ?? []).compactMap { $0["title"]?.stringValue }.compactMap { label -> String? in
                    let cleaned = String(label.map { $0.isLetter || $0.isNumber || "-_./:".contains($0) ? $0 : "-" })
                    return try? TaskRules.tag(cleaned)
                }
                if !tags.isEmpty { out.append(("tags", .array(tags.map(JSONValue.string)))) }
                var dueAt: Date?
                if let due = time(t["due_date"]), let at = Timestamp.parse(due) {
                    dueAt = at
                    let local = Zones.local(at: at, in: timeZone.zone)
                    out.append(
                        ("due", .object([("date_time", .string(String(local.description.prefix(16)))), ("time_zone", .string(timeZone.identifier))])))
                }
                if let rule = recurrence(t, title: title, notes: &notes), dueAt != nil { out.append(("recurrence", rule)) }
                var reminders: [JSONValue] = []
                for r in t["reminders"]?.arrayValue ?? [] {
                    if case .int(let period)? = r["relative_period"], r["relative_to"]?.stringValue == "due_date", period <= 0,
                        -period <= Int64(ReminderSpec.maxBefore)
                    {
                        reminders.append(.object([("before", .string(ISODuration.format(Int(-period))))]))
                    } else if let at = time(r["reminder"]) {
                        reminders.append(.object([("at", .string(at))]))
                    }
                }
                if !reminders.isEmpty { out.append(("reminders", .array(Array(reminders.prefix(ReminderSpec.perTask))))) }
                // A subtask: its parent task, when in the same project.
                if case .int(let parent)? = t["related_tasks"]?["parenttask"]?.arrayValue?.first?["id"], case .int(let me)? = t["id"] {
                    if taskProject[parent] == taskProject[me], let parentID = id("task", .int(parent)) {
                        out.append(("parent_id", .string(parentID.lowercased)))
                    } else {
                        notes.append("\(title): its parent task is in another project; made top-level")
                    }
                }
                outTasks.append(.object(out))
            }
        }
        // Parents before subtasks (Vikunja lists them in any order).
        let parentOf = Dictionary(
            outTasks.compactMap { t -> (String, String)? in
                guard let id = t["id"]?.stringValue, let parent = t["parent_id"]?.stringValue else { return nil }
                return (id, parent)
            }, uniquingKeysWith: { a, _ in a })
        func depth(_ id: String, _ seen: Int = 0) -> Int { seen > 8 ? 0 : parentOf[id].map { depth($0, seen + 1) + 1 } ?? 0 }
        outTasks = outTasks.enumerated().sorted {
            (depth($0.element["id"]!.stringValue!), $0.offset) < (depth($1.element["id"]!.stringValue!), $1.offset)
        }
        .map(\.element)
        return ConvertedImport(
            document: .object([
                ("format", .string(TodoExport.format)), ("version", .int(Int64(TodoExport.version))), ("projects", .array(outProjects)),
                ("tasks", .array(outTasks)),
            ]), unknown: unknown.sorted(), notes: notes)
    }

    /// Vikunja repeats a task every `repeat_after` seconds from its due (mode 0), monthly (mode
    /// 1), or from when it was done (mode 2).
    static func recurrence(_ t: JSONValue, title: String, notes: inout [String]) -> JSONValue? {
        let mode: Int64 = if case .int(let m)? = t["repeat_mode"] { m } else { 0 }
        let seconds: Int64 = if case .int(let s)? = t["repeat_after"] { s } else { 0 }
        if mode == 1 { return .object([("rule", "FREQ=MONTHLY"), ("anchor", "schedule")]) }
        guard seconds > 0 else { return nil }
        let anchor: JSONValue = mode == 2 ? "completion" : "schedule"
        for (unit, length) in [("WEEKLY", Int64(7 * 86400)), ("DAILY", 86400), ("HOURLY", 3600), ("MINUTELY", 60)] where seconds % length == 0 {
            let n = seconds / length
            return .object([("rule", .string("FREQ=\(unit)" + (n == 1 ? "" : ";INTERVAL=\(n)"))), ("anchor", anchor)])
        }
        notes.append("\(title): repeats every \(seconds) seconds, which no rule states; left without recurrence")
        return nil
    }
}

/// RFC 4180 CSV: quoted fields with "" for a quote, commas and line breaks inside quotes, CRLF or LF.
enum CSV {
    static func parse(_ text: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        var atFieldStart = true
        func next() -> Unicode.Scalar? {
            if let p = pending {
                pending = nil
                return p
            }
            return chars.next()
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    let after = next()
                    if after == "\"" {
                        field.unicodeScalars.append("\"")
                    } else {
                        quoted = false
                        pending = after
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where atFieldStart:
                quoted = true
                atFieldStart = false
            case ",":
                row.append(field)
                field = ""
                atFieldStart = true
            case "\r": continue
            case "\n":
                row.append(field)
                rows.append(row)
                (row, field, atFieldStart) = ([], "", true)
            case "\u{FEFF}" where rows.isEmpty && row.isEmpty && field.isEmpty: continue
            default:
                field.unicodeScalars.append(c)
                atFieldStart = false
            }
        }
        if quoted { throw TodoError.invalid("csv", "ends inside a quoted field") }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows.filter { $0 != [""] }
    }
}
