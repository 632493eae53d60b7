import Foundation
import TodoCore

extension TaskStore {
    /// A task with its `position_path`, the place of its subtree in the project's index.
    struct Node {
        var task: TodoTask
        var path: String
        /// 1 at the top level.
        var depth: Int { path.utf8.reduce(1) { $0 + ($1 == UInt8(ascii: "/") ? 1 : 0) } }
    }

    /// The task with its path if `userID` may see it (`notFound` otherwise), with at least the
    /// role `need` (`forbidden` otherwise).
    static func node(_ id: UUID, userID: UUID, forUpdate: Bool = false, need: MemberRole = .viewer, conn: any SQLConnection) async throws -> Node {
        guard let found = try await fetchRow(id: id, userID: userID, extra: ", t.position_path", conn: conn, forUpdate: forUpdate, need: need)
        else { throw TodoError.notFound(resource: "task") }
        return Node(task: found.task, path: try found.row.string("position_path"))
    }

    /// A task's `position_path`.
    static func path(of id: UUID, conn: any SQLConnection) async throws -> String {
        guard let row = try await conn.first("SELECT t.position_path FROM tasks t WHERE t.id = \(id)") else {
            throw TodoError.notFound(resource: "task")
        }
        return try row.string("position_path")
    }

    /// The rows of a subtree below `path` (not the root itself), in the project's index.
    static func below(_ path: String, projectID: UUID, userID: UUID) -> SQLQuery {
        "t.user_id = \(userID) AND t.project_id = \(projectID) AND t.position_path > \(path + "/") AND t.position_path < \(path + "0")"
    }

    /// Moves a task (with its subtasks) to another place: project, section, parent, position.
    /// A task moved to another project or section takes its subtree along, each with its own
    /// `task.updated`; a reorder changes only the task's own row.
    public func move(id: UUID, userID: UUID, to move: TaskMove, precondition: VersionPrecondition, now: Date = Date()) async throws -> TodoTask {
        let now = now.truncatedToMillis
        return try await db.write { conn in
            let node = try await Self.node(id, userID: userID, forUpdate: true, need: .editor, conn: conn)
            try precondition.check(node.task.version)
            let (placement, holder) = try await Self.resolve(move, for: node, userID: userID, now: now, conn: conn)
            return try await Self.place(node, at: placement, holder: holder, now: now, conn: conn)
        }
    }

    /// Where a new task goes: the end of its project (the Inbox when nothing is given), section
    /// or parent, checked as a move is; and the holder of that project.
    static func placement(ofNew move: TaskMove, userID: UUID, now: Date, conn: any SQLConnection) async throws -> (Placement, holder: UUID) {
        var errors = FieldErrors()
        var parent: Node?
        if case .set(let p) = move.parentID { parent = try await node(p, userID: userID, need: .editor, conn: conn) }
        var section: Section?
        if case .set(let s) = move.sectionID { section = try await ProjectStore.ownedSection(s, userID: userID, need: .editor, conn: conn) }
        var project: Project?
        if let projectID = move.projectID { project = try await ProjectStore.owned(projectID, userID: userID, need: .editor, conn: conn) }
        let projectID = move.projectID ?? parent?.task.projectID ?? section?.projectID ?? userID
        let holder = project?.userID ?? parent?.task.userID ?? section?.userID ?? userID
        if let section, section.projectID != projectID { errors.add("section_id", "is a section of another project") }
        if let parent {
            if parent.task.projectID != projectID { errors.add("parent_id", "is in another project") }
            if let section, section.id != parent.task.placement.sectionID { errors.add("section_id", "a subtask is in its parent's section") }
            if parent.depth + 1 > ProjectRules.maxDepth {
                errors.add("parent_id", "would nest tasks deeper than \(ProjectRules.maxDepth) levels")
            }
        }
        try errors.check()
        let placement = Placement(
            projectID: projectID, sectionID: parent?.task.placement.sectionID ?? section?.id, parentID: parent?.task.id, position: .at(now))
        return (placement, holder)
    }

    /// Where `move` puts the task (`reorder` false: where it is when its siblings stay the same),
    /// checked: ids the person cannot see are `notFound`, a destination they may not edit is
    /// `forbidden`; a parent in another project, a cycle, nesting past `ProjectRules.maxDepth` or a
    /// section of another project are 422 with the field. Also the destination project's holder.
    static func resolve(_ move: TaskMove, for node: Node, userID: UUID, reorder: Bool = true, now: Date, conn: any SQLConnection) async throws
        -> (Placement, holder: UUID)
    {
        let current = node.task.placement
        var errors = FieldErrors()
        var after: Node?
        if case .set(let a) = move.after {
            guard a != node.task.id else { throw TodoError.invalid("after", "must be another task") }
            after = try await Self.node(a, userID: userID, need: .editor, conn: conn)
        }
        var parent: Node?
        switch move.parentID {
        case .set(let p): parent = try await Self.node(p, userID: userID, need: .editor, conn: conn)
        case .clear: parent = nil
        case .unchanged:
            if let after {
                if let p = after.task.placement.parentID { parent = try await Self.node(p, userID: userID, need: .editor, conn: conn) }
            } else if move.projectID == nil || move.projectID == current.projectID, Self.keeps(move.sectionID, current.sectionID),
                let p = current.parentID
            {
                parent = try await Self.node(p, userID: userID, need: .editor, conn: conn)
            }
        }
        var project: Project?
        if let projectID = move.projectID { project = try await ProjectStore.owned(projectID, userID: userID, need: .editor, conn: conn) }
        let projectID = move.projectID ?? parent?.task.projectID ?? after?.task.projectID ?? current.projectID
        let holder = project?.userID ?? parent?.task.userID ?? after?.task.userID ?? node.task.userID
        var sectionID: UUID?
        switch move.sectionID {
        case .set(let s):
            let section = try await ProjectStore.ownedSection(s, userID: userID, need: .editor, conn: conn)
            if section.projectID != projectID { errors.add("section_id", "is a section of another project") }
            sectionID = s
        case .clear: sectionID = nil
        case .unchanged: sectionID = after.map(\.task.placement.sectionID) ?? (projectID == current.projectID ? current.sectionID : nil)
        }
        if let parent {
            if parent.task.projectID != projectID { errors.add("parent_id", "is in another project") }
            if parent.task.id == node.task.id || parent.path.hasPrefix(node.path + "/") {
                errors.add("parent_id", "is the task itself or one of its subtasks")
            }
            if move.sectionID != .unchanged, sectionID != parent.task.placement.sectionID {
                errors.add("section_id", "a subtask is in its parent's section")
            }
            sectionID = parent.task.placement.sectionID
            let height = try await subtreeHeight(node, conn: conn)
            if parent.depth + height > ProjectRules.maxDepth {
                errors.add("parent_id", "would nest tasks deeper than \(ProjectRules.maxDepth) levels")
            }
        }
        if let after, after.task.placement.parentID != parent?.task.id || after.task.projectID != projectID {
            errors.add("after", "is not a task at the destination (same project and parent)")
        }
        try errors.check()
        var placement = Placement(projectID: projectID, sectionID: sectionID, parentID: parent?.task.id, position: current.position)
        let sameSiblings = projectID == current.projectID && parent?.task.id == current.parentID
        if reorder || move.after != .unchanged || !sameSiblings {
            placement.position = try await slot(for: node.task.id, userID: holder, in: placement, after: move.after, now: now, conn: conn)
        }
        return (placement, holder)
    }

    /// Whether a section member leaves the section as it is.
    static func keeps(_ change: FieldChange<UUID>, _ current: UUID?) -> Bool {
        switch change {
        case .unchanged: true
        case .clear: current == nil
        case .set(let s): s == current
        }
    }

    /// How many levels the task's subtree has (1: no subtasks).
    static func subtreeHeight(_ node: Node, conn: any SQLConnection) async throws -> Int {
        let rows = try await conn.query(
            "SELECT t.position_path FROM tasks t WHERE \(below(node.path, projectID: node.task.projectID, userID: node.task.userID))")
        let deepest = try rows.map { Node(task: node.task, path: try $0.string("position_path")).depth }.max() ?? node.depth
        return deepest - node.depth + 1
    }

    /// The key for `id` among the siblings of `placement` (its project, held by `userID`, and parent): after
    /// `after` (`.clear`: first; `.unchanged`: last). Rebalances the siblings once when there is
    /// no room.
    static func slot(for id: UUID, userID: UUID, in placement: Placement, after: FieldChange<UUID>, now: Date, conn: any SQLConnection) async throws
        -> Position
    {
        let parent: SQLQuery = placement.parentID.map { "t.parent_id = \($0)" } ?? "t.parent_id IS NULL"
        for attempt in 0..<2 {
            let rows = try await conn.query(
                """
                SELECT t.id, t.position, t.position_path FROM tasks t
                WHERE t.user_id = \(userID) AND t.project_id = \(placement.projectID) AND \(parent) AND t.id <> \(id)
                ORDER BY t.position, t.id
                """)
            let siblings = try rows.map {
                (id: try $0.uuid("id"), key: Position(try $0.string("position")) ?? Position("V")!, path: try $0.string("position_path"))
            }
            var key: Position?
            switch after {
            case .unchanged: key = Position.end(after: siblings.last?.key, now: now)
            case .clear: key = Position.gap(nil, siblings.first?.key, now: now)
            case .set(let a):
                guard let i = siblings.firstIndex(where: { $0.id == a }) else { throw TodoError.notFound(resource: "task") }
                key = Position.gap(siblings[i].key, i + 1 < siblings.count ? siblings[i + 1].key : nil, now: now)
            }
            if let key, key.key.count <= Position.maxLength || attempt == 1 { return key }
            guard attempt == 0 else { break }
            // Rebalance: new keys in the same order; each sibling's subtree follows its path.
            for (sibling, key) in zip(siblings, Position.evenly(siblings.count, before: now)) {
                let prefix = sibling.path.lastIndex(of: "/").map { String(sibling.path[...$0]) } ?? ""
                let path = prefix + key.key + "#" + sibling.id.lowercased
                try await rewritePaths(from: sibling.path, to: path, projectID: placement.projectID, userID: userID, conn: conn)
                try await conn.execute("UPDATE tasks SET position = \(key.key), position_path = \(path) WHERE id = \(sibling.id)")
            }
        }
        throw TodoError.conflict(code: "no_room", detail: "The order could not be rebalanced; try again.")
    }

    /// Moves the subtree below `old` to below `new` in the project's index.
    static func rewritePaths(from old: String, to new: String, projectID: UUID, userID: UUID, conn: any SQLConnection) async throws {
        guard old != new else { return }
        try await conn.execute(
            "UPDATE tasks AS t SET position_path = \(new) || substr(t.position_path, CAST(\(old.count + 1) AS integer)) WHERE \(below(old, projectID: projectID, userID: userID))"
        )
    }

    /// Writes the task's new place; its subtree follows (project, section, paths, and the holder
    /// when the project's is another), each task whose project or section changed with its own
    /// `task.updated`.
    static func place(_ node: Node, at placement: Placement, holder: UUID, now: Date, conn: any SQLConnection) async throws -> TodoTask {
        let current = node.task
        guard placement != current.placement else { return current }
        var parentPath = ""
        if let p = placement.parentID {
            parentPath = try await path(of: p, conn: conn) + "/"
        }
        let path = parentPath + placement.position.key + "#" + current.id.lowercased
        var descendants: [TodoTask] = []
        let carried = placement.projectID != current.projectID || placement.sectionID != current.placement.sectionID
        if carried {
            let rows = try await conn.query(
                "SELECT \(raw: readColumns(conn.dialect)) FROM tasks t WHERE \(below(node.path, projectID: current.projectID, userID: current.userID))"
            )
            descendants = try await tasks(rows, conn: conn)
            try await conn.execute(
                """
                UPDATE tasks AS t SET project_id = \(placement.projectID), section_id = \(placement.sectionID), user_id = \(holder),
                  version = t.version + 1, updated_at = \(now) WHERE \(below(node.path, projectID: current.projectID, userID: current.userID))
                """)
        }
        try await rewritePaths(
            from: node.path, to: path, projectID: carried ? placement.projectID : current.projectID, userID: carried ? holder : current.userID,
            conn: conn)
        var moved = current
        moved.placement = placement
        moved.userID = holder
        // In another project an assignee who is not a member there is unassigned.
        var people: Set<UUID>?
        if placement.projectID != current.projectID {
            let members = Set(try await projectPeople(placement.projectID, holder: holder, conn: conn))
            people = members
            let lost = ([current] + descendants).filter { $0.assigneeID.map { !members.contains($0) } ?? false }.map { SQLValue.uuid($0.id) }
            if !lost.isEmpty { try await conn.execute("UPDATE tasks SET assignee_id = NULL WHERE id IN \(list: lost)") }
            if let a = moved.assigneeID, !members.contains(a) { moved.assigneeID = nil }
        }
        moved.version += 1
        moved.updatedAt = now
        try await conn.execute(
            """
            UPDATE tasks SET project_id = \(placement.projectID), section_id = \(placement.sectionID), parent_id = \(placement.parentID),
              user_id = \(holder), position = \(placement.position.key), position_path = \(path), version = \(moved.version), updated_at = \(now)
            WHERE id = \(current.id)
            """)
        if current.placement.parentID != placement.parentID {
            try await recount(Set([current.placement.parentID, placement.parentID].compactMap { $0 }), conn: conn)
        }
        var events = [TaskEvent.updated(from: current, to: moved, at: now)]
        for before in descendants {
            var after = before
            after.placement.projectID = placement.projectID
            after.placement.sectionID = placement.sectionID
            after.userID = holder
            if let people, let a = after.assigneeID, !people.contains(a) { after.assigneeID = nil }
            after.version += 1
            after.updatedAt = now
            events.append(TaskEvent.updated(from: before, to: after, at: now))
        }
        try await EventOutbox.append(contentsOf: events.map { CloudEventCodec.encode($0) }, conn: conn)
        return moved
    }

    /// Deletes the tasks `filter` selects (on `t`), each with its `task.deleted`; their subtasks
    /// go with them (the caller's filter includes them, or the foreign key's cascade does).
    static func deleteTasks(where filter: SQLQuery, userID: UUID, now: Date, conn: any SQLConnection) async throws {
        let rows = try await conn.query("SELECT \(raw: readColumns(conn.dialect)) FROM tasks t WHERE t.user_id = \(userID) AND \(filter)")
        let doomed = try await tasks(rows, conn: conn)
        guard !doomed.isEmpty else { return }
        try await conn.execute("DELETE FROM tasks WHERE id IN \(list: doomed.map { SQLValue.uuid($0.id) })")
        try await recount(Set(doomed.compactMap(\.placement.parentID)).subtracting(doomed.map(\.id)), conn: conn)
        try await EventOutbox.append(contentsOf: doomed.map { CloudEventCodec.encode(TaskEvent(.deleted, $0, at: now)) }, conn: conn)
    }

    /// Moves the tasks `filter` selects (among those `userID` holds) to a project and section,
    /// keeping their parents and order, held by `holder` then; each with its `task.updated`.
    static func reassign(
        where filter: SQLQuery, to projectID: UUID, sectionID: UUID?, userID: UUID, holder: UUID, now: Date, conn: any SQLConnection
    ) async throws {
        let rows = try await conn.query("SELECT \(raw: readColumns(conn.dialect)) FROM tasks t WHERE t.user_id = \(userID) AND \(filter)")
        let before = try await tasks(rows, conn: conn)
        guard !before.isEmpty else { return }
        try await conn.execute(
            """
            UPDATE tasks SET project_id = \(projectID), section_id = \(sectionID), user_id = \(holder), version = version + 1, updated_at = \(now)
            WHERE id IN \(list: before.map { SQLValue.uuid($0.id) })
            """)
        let events = before.map { task -> OutboxEvent in
            var after = task
            (after.placement.projectID, after.placement.sectionID, after.version, after.updatedAt) = (projectID, sectionID, task.version + 1, now)
            after.userID = holder
            return CloudEventCodec.encode(TaskEvent.updated(from: task, to: after, at: now))
        }
        try await EventOutbox.append(contentsOf: events, conn: conn)
    }

    /// Counts the direct subtasks of `parents` again, from their children as they are now in this
    /// transaction: the one way `subtasks_total` and `subtasks_open` change (creating, closing,
    /// reopening, moving or deleting a subtask calls it for the parents involved). Both counts
    /// read the children by `tasks_parent` alone (the open count as a FILTER, not a WHERE that
    /// let PostgreSQL pick the open-tasks index on stale statistics: after an import's bulk insert
    /// it scanned every open task once per parent, 1.3 ms each).
    static func recount(_ parents: Set<UUID>, conn: any SQLConnection) async throws {
        guard !parents.isEmpty else { return }
        try await conn.execute(
            """
            UPDATE tasks AS p SET subtasks_total = (SELECT count(*) FROM tasks c WHERE c.parent_id = p.id),
              subtasks_open = (SELECT count(*) FILTER (WHERE c.completed_at IS NULL AND c.skipped_at IS NULL) FROM tasks c WHERE c.parent_id = p.id)
            WHERE p.id IN \(list: parents.map(\.lowercased).sorted().compactMap(UUID.init(canonical:)).map(SQLValue.uuid))
            """)
    }
}
