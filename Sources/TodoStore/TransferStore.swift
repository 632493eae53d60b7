import Foundation
import TodoCore

/// Export and import of everything a person holds (`TodoExport`).
public struct TransferStore: Sendable {
    let db: any SQLDatabase

    public init(db: any SQLDatabase) { self.db = db }

    /// What an export holds: the projects the person holds (not the Inbox, not those shared with
    /// them), their sections, saved filters, and every task the person holds (shared projects they
    /// hold included), parents before subtasks.
    public struct Export: Sendable {
        public var projects: [Project]
        public var sections: [Section]
        public var filters: [SavedFilter]
        public var tasks: [TodoTask]
    }

    /// Tasks are read this many at a time (their reminders in one statement per chunk).
    static let chunk = 1000

    public func export(userID: UUID) async throws -> Export {
        try await db.read { conn in
            let projects = try await conn.query(
                "SELECT \(raw: ProjectStore.columns) FROM projects p WHERE p.user_id = \(userID) AND p.is_inbox = \(false) ORDER BY p.position, p.id"
            ).map(ProjectStore.project)
            let sections = try await conn.query(
                "SELECT \(raw: ProjectStore.sectionColumns) FROM sections p WHERE p.user_id = \(userID) ORDER BY p.project_id, p.position, p.id"
            ).map(ProjectStore.section)
            let filters = try await conn.query(
                "SELECT \(raw: FilterStore.columns) FROM filters p WHERE p.user_id = \(userID) ORDER BY p.position, p.id"
            )
            .map(FilterStore.filter)
            let rows = try await conn.query(
                "SELECT \(raw: TaskStore.readColumns(conn.dialect)) FROM tasks t WHERE t.user_id = \(userID) ORDER BY t.position_path, t.id")
            var tasks: [TodoTask] = []
            tasks.reserveCapacity(rows.count)
            for start in stride(from: 0, to: rows.count, by: Self.chunk) {
                tasks += try await TaskStore.tasks(Array(rows[start..<min(start + Self.chunk, rows.count)]), conn: conn)
            }
            return Export(projects: projects, sections: sections, filters: filters, tasks: tasks)
        }
    }

    /// How many of each kind an import wrote (`created`) and found there already (`existing`).
    public struct Counts: Sendable, Equatable {
        public var projects = 0, sections = 0, filters = 0, tasks = 0, reminders = 0
        public init() {}
    }

    /// Writes the plan in one transaction: each project, section, filter and task unless its id
    /// is there already (`ON CONFLICT DO NOTHING`: importing again writes nothing), tasks in
    /// multi-row inserts per nesting level (a subtask's path reads its parent's), each new task
    /// with its tags, reminders and `task.created` event. `dryRun`: the same reads, nothing written.
    public func apply(_ plan: ImportPlan, userID: UUID, dryRun: Bool, now: Date = Date()) async throws -> (
        created: Counts, existing: Counts, notes: [String]
    ) {
        var plan = plan
        return try await db.write { conn in
            // A parent outside the document must be the person's already, in the same project.
            var notes = plan.notes
            if !plan.externalParents.isEmpty {
                let wanted = Set(plan.tasks.filter { plan.externalParents.contains($0.id) }.compactMap(\.placement.parentID))
                var held: [UUID: (project: UUID, section: UUID?)] = [:]
                for row in try await conn.query(
                    "SELECT id, project_id, section_id FROM tasks WHERE user_id = \(userID) AND id IN \(list: wanted.map(SQLValue.uuid))")
                {
                    held[try row.uuid("id")] = (try row.uuid("project_id"), row.optionalUUID("section_id"))
                }
                for i in plan.tasks.indices where plan.externalParents.contains(plan.tasks[i].id) {
                    if let parent = held[plan.tasks[i].placement.parentID!], parent.project == plan.tasks[i].projectID {
                        plan.tasks[i].placement.sectionID = parent.section
                    } else {
                        plan.tasks[i].placement.parentID = nil
                        notes.append("\(plan.tasks[i].title): its parent is neither in the document nor here; made a top-level task")
                    }
                }
            }
            var created = Counts()
            var existing = Counts()
            func present(_ table: String, _ ids: [UUID]) async throws -> Set<UUID> {
                var found: Set<UUID> = []
                for start in stride(from: 0, to: ids.count, by: Self.chunk) {
                    let slice = ids[start..<min(start + Self.chunk, ids.count)]
                    found.formUnion(
                        try await conn.query("SELECT id FROM \(raw: table) WHERE id IN \(list: slice.map(SQLValue.uuid))").map { try $0.uuid("id") })
                }
                return found
            }
            let projects = try await present("projects", plan.projects.map(\.id))
            let sections = try await present("sections", plan.sections.map(\.id))
            let filters = try await present("filters", plan.filters.map(\.id))
            let tasks = try await present("tasks", plan.tasks.map(\.id))
            (existing.projects, existing.sections, existing.filters, existing.tasks) = (projects.count, sections.count, filters.count, tasks.count)
            let newTasks = plan.tasks.filter { !tasks.contains($0.id) }
            created.projects = plan.projects.count - projects.count
            created.sections = plan.sections.count - sections.count
            created.filters = plan.filters.count - filters.count
            created.tasks = newTasks.count
            created.reminders = newTasks.reduce(0) { $0 + $1.reminders.count }
            if dryRun { return (created, existing, notes) }

            // ON CONFLICT: an import of the same document committed meanwhile wrote them already.
            for p in plan.projects where !projects.contains(p.id) {
                try await conn.execute(
                    """
                    INSERT INTO projects (id, user_id, name, name_key, color, description, is_inbox, archived, position, created_at, updated_at, version)
                    VALUES (\(p.id), \(userID), \(p.name), \(ProjectRules.nameKey(p.name)), \(p.color.rawValue), \(p.description), \(false),
                      \(p.archived), \(p.position.key), \(p.createdAt), \(p.updatedAt), 1) ON CONFLICT DO NOTHING
                    """)
            }
            for s in plan.sections where !sections.contains(s.id) {
                try await conn.execute(
                    """
                    INSERT INTO sections (id, project_id, user_id, name, position, created_at, updated_at)
                    VALUES (\(s.id), \(s.projectID), \(userID), \(s.name), \(s.position.key), \(s.createdAt), \(s.updatedAt)) ON CONFLICT DO NOTHING
                    """)
            }
            for f in plan.filters where !filters.contains(f.id) {
                try await conn.execute(
                    """
                    INSERT INTO filters (id, user_id, name, query, color, position, created_at, updated_at, version)
                    VALUES (\(f.id), \(userID), \(f.name), \(f.query), \(f.color.rawValue), \(f.position.key), \(f.createdAt), \(f.updatedAt), 1)
                    ON CONFLICT DO NOTHING
                    """)
            }
            // Parents come first in the plan: insert level by level, a statement per chunk.
            var events: [OutboxEvent] = []
            var level: [TodoTask] = []
            var levelDepth = -1
            var depth: [UUID: Int] = [:]
            func flush() async throws {
                for start in stride(from: 0, to: level.count, by: 200) {
                    let slice = Array(level[start..<min(start + 200, level.count)])
                    let inserted = Set(
                        try await conn.query(
                            """
                            INSERT INTO tasks (\(raw: TaskStore.insertColumns)) VALUES \(SQLQuery(slice.map { TaskStore.rowValues($0, spawnedFrom: nil) }, separator: ", "))
                            ON CONFLICT DO NOTHING RETURNING id
                            """
                        ).map { try $0.uuid("id") })
                    var written = slice.filter { inserted.contains($0.id) }
                    try await Self.link(tagsOf: &written, userID: userID, now: now, conn: conn)
                    try await TaskStore.insertReminders(
                        written.flatMap { task in task.reminders.map { (task.id, $0) } }, userID: userID, now: now, conn: conn)
                    events += written.map { CloudEventCodec.encode(TaskEvent(.created, $0, at: now)) }
                    try await TaskStore.recount(Set(slice.compactMap(\.placement.parentID)), conn: conn)
                }
                level.removeAll(keepingCapacity: true)
            }
            for task in newTasks {
                let d = task.placement.parentID.map { (depth[$0] ?? 0) + 1 } ?? 0
                depth[task.id] = d
                if d != levelDepth {
                    try await flush()
                    levelDepth = d
                }
                level.append(task)
            }
            try await flush()
            for start in stride(from: 0, to: events.count, by: 500) {
                try await EventOutbox.append(contentsOf: Array(events[start..<min(start + 500, events.count)]), conn: conn)
            }
            return (created, existing, notes)
        }
    }

    /// The tags of a part's tasks in three statements, not three per task: the missing ones
    /// created, all read back (an existing tag keeps its spelling), every link inserted. Sets
    /// each task's tags to the stored names.
    static func link(tagsOf tasks: inout [TodoTask], userID: UUID, now: Date, conn: any SQLConnection) async throws {
        var names: [String: String] = [:]  // key → the first spelling in the part
        for task in tasks { for name in task.tags { names[TaskRules.tagKey(name)] = names[TaskRules.tagKey(name)] ?? name } }
        guard !names.isEmpty else { return }
        let values = names.sorted { $0.key < $1.key }.map { key, name -> SQLQuery in "(\(UUID.v7(at: now)), \(userID), \(name), \(key), \(now))" }
        try await conn.execute(
            "INSERT INTO tags (id, user_id, name, key, created_at) VALUES \(SQLQuery(values, separator: ", ")) ON CONFLICT (user_id, key) DO NOTHING")
        var stored: [String: (id: UUID, name: String)] = [:]
        for row in try await conn.query(
            "SELECT id, name, key FROM tags WHERE user_id = \(userID) AND key IN \(list: names.keys.map(SQLValue.text))")
        {
            stored[try row.string("key")] = (try row.uuid("id"), try row.string("name"))
        }
        var links: [SQLQuery] = []
        for i in tasks.indices {
            let keys = tasks[i].tags.map(TaskRules.tagKey)
            for (position, key) in keys.enumerated() { if let tag = stored[key] { links.append("(\(tasks[i].id), \(tag.id), \(position))") } }
            tasks[i].tags = keys.compactMap { stored[$0]?.name }
        }
        if !links.isEmpty { try await conn.execute("INSERT INTO task_tags (task_id, tag_id, position) VALUES \(SQLQuery(links, separator: ", "))") }
    }
}
