import Foundation
import TodoCore

extension TaskStore {
    /// The due sort key: missing dues last in either direction. Written as literals, not bound,
    /// because the open-task indexes (migration 10) are on these exact expressions.
    static func dueSortKey(descending: Bool, _ dialect: SQLDialect) -> SQLQuery {
        switch (dialect, descending) {
        case (.sqlite, false): "COALESCE(t.due_at, '9999-12-31T23:59:59.000Z')"
        case (.sqlite, true): "COALESCE(t.due_at, '0001-01-01T00:00:00.000Z')"
        case (.postgres, false): "COALESCE(t.due_at, TIMESTAMPTZ '9999-12-31T23:59:59Z')"
        case (.postgres, true): "COALESCE(t.due_at, TIMESTAMPTZ '0001-01-01T00:00:00Z')"
        }
    }

    /// Full-text search, the one feature the two engines spell differently: SQLite's FTS5 table
    /// (prefix terms, BM25) and PostgreSQL's `tsvector` column (prefix `tsquery`, `ts_rank`).
    static func textSearch(_ terms: [String], on dialect: SQLDialect) -> (join: SQLQuery, filter: SQLQuery, rank: SQLQuery) {
        switch dialect {
        case .sqlite:
            let match = terms.map { "\"\($0)\"*" }.joined(separator: " ")
            return ("JOIN tasks_fts ON tasks_fts.rowid = t.seq", "tasks_fts MATCH \(match)", "-bm25(tasks_fts, 10.0, 1.0)")
        case .postgres:
            let tsquery = terms.map { "\($0):*" }.joined(separator: " & ")
            return ("", "t.search @@ to_tsquery('english', \(tsquery))", "ts_rank(t.search, to_tsquery('english', \(tsquery)))::float8")
        }
    }

    /// One page of the tasks matching `query` among those the user can see (their own and those
    /// of projects shared with them).
    public func list(userID: UUID, query: TaskQuery, now: Date = Date()) async throws -> Page<TodoTask> {
        let sort = query.sort
        return try await db.read { conn in
            let scope = try await Access.taskScope(viewer: userID, projects: query.projects, conn: conn)
            let rows = try await conn.query(listSQL(userID: userID, scope: scope, query: query, now: now))
            let pageRows = Array(rows.prefix(query.limit))
            let tasks = try await Self.tasks(pageRows, conn: conn)
            var next: String?
            if rows.count > query.limit, let last = pageRows.last {
                next = Cursor(sort: sort.description, value: try Self.cursorValue(last, field: sort.field), id: try last.uuid("id")).encoded
            }
            return Page(items: tasks, nextCursor: next)
        }
    }

    /// The plan the database makes for a list (`EXPLAIN` on PostgreSQL, `EXPLAIN QUERY PLAN` on
    /// SQLite), one line per row: how tests and benchmarks check that a list reads an index.
    /// `settings` are PostgreSQL settings for this plan only (`enable_seqscan = off`: the plan of
    /// a populated table on a small one).
    public func explainList(userID: UUID, query: TaskQuery, now: Date = Date(), settings: [String] = []) async throws -> String {
        let explain: SQLQuery = db.dialect == .postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN "
        return try await db.write { conn in
            if conn.dialect == .postgres { for setting in settings { try await conn.execute("SET LOCAL \(raw: setting)") } }
            let scope = try await Access.taskScope(viewer: userID, projects: query.projects, conn: conn)
            let sql = listSQL(userID: userID, scope: scope, query: query, now: now)
            return try await conn.query("\(explain)\(sql)").map { row in
                (row.optionalString("QUERY PLAN") ?? row.optionalString("detail") ?? "")
            }.joined(separator: "\n")
        }
    }

    /// The statement of a list: the page's rows (one more, to know whether a next page exists)
    /// in the query's order, each with its tags and reminder flag. `scope` is the tasks the user
    /// can see (`Access.taskScope`, which also applies the query's projects).
    func listSQL(userID: UUID, scope: SQLQuery, query: TaskQuery, now: Date) -> SQLQuery {
        let sort = query.sort
        var joins: SQLQuery = ""
        var filters: [SQLQuery] = [scope]
        switch query.status {
        case .open: filters.append("t.completed_at IS NULL AND t.skipped_at IS NULL")
        case .completed: filters.append("t.completed_at IS NOT NULL")
        case .all: break
        }
        if !query.priorities.isEmpty {
            filters.append("t.priority IN \(list: query.priorities.map { .int(Int64($0.rank)) })")
        }
        if !query.tags.isEmpty {
            filters.append(
                """
                (SELECT count(*) FROM task_tags tt JOIN tags g ON g.id = tt.tag_id
                 WHERE tt.task_id = t.id AND g.key IN \(list: query.tags.map(SQLValue.text))) = \(query.tags.count)
                """)
        }
        if query.view == .inbox { filters.append("t.project_id = \(userID)") }
        switch query.assignee {
        case .me?: filters.append("t.assignee_id = \(userID)")
        case .user(let id)?: filters.append("t.assignee_id = \(id)")
        case nil: break
        }
        switch query.section {
        case .task(let id)?: filters.append("t.section_id = \(id)")
        case .none?: filters.append("t.section_id IS NULL")
        case nil: break
        }
        switch query.parent {
        case .task(let id)?: filters.append("t.parent_id = \(id)")
        case .none?: filters.append("t.parent_id IS NULL")
        case nil: break
        }
        // The views' bound on the open-task index's own expression (migration 10), so a view reads
        // a page in index order and stops.
        if let until = query.dueUntil { filters.append("\(Self.dueSortKey(descending: false, db.dialect)) < \(until)") }
        if query.activeProjectsOnly {
            filters.append(
                """
                t.project_id NOT IN (SELECT a.id FROM projects a WHERE a.archived = \(true)
                  AND \(Access.visible(project: "a.id", holder: "a.user_id", viewer: userID)))
                """)
        }
        if let filter = query.filter { filters.append(Self.condition(filter, userID: userID, dialect: db.dialect)) }
        if let before = query.dueBefore { filters.append("t.due_at < \(before)") }
        if let after = query.dueAfter { filters.append("t.due_at >= \(after)") }
        switch query.overdue {
        case true?: filters.append("t.completed_at IS NULL AND t.skipped_at IS NULL AND t.overdue_at <= \(now)")
        case false?:
            filters.append("(t.completed_at IS NOT NULL OR t.skipped_at IS NOT NULL OR t.overdue_at IS NULL OR t.overdue_at > \(now))")
        case nil: break
        }
        var rank: SQLQuery = "0.0"
        if !query.searchTerms.isEmpty {
            let search = Self.textSearch(query.searchTerms, on: db.dialect)
            (joins, rank) = (search.join, search.rank)
            filters.append(search.filter)
        }
        let key: SQLQuery =
            switch sort.field {
            case .due: Self.dueSortKey(descending: sort.descending, db.dialect)
            case .priority: "t.priority"
            case .created: "t.created_at"
            case .updated: "t.updated_at"
            case .title: "t.title_key"
            case .rank: rank
            case .manual: "t.position_path"
            }
        let direction = sort.descending ? "DESC" : "ASC"
        var outer: SQLQuery = ""
        if let cursor = query.after {
            outer = "WHERE (x.sort_key, x.id) \(raw: sort.descending ? "<" : ">") (\(Self.bind(cursor.value)), \(cursor.id))"
        }
        // The page is chosen first; its tags and reminder flags are read for its rows only (in the
        // select list of the sorted query they would be computed for every matching row).
        let sql: SQLQuery = """
            SELECT t.*, \(raw: Self.relatedColumns(db.dialect)) FROM (
              SELECT * FROM (SELECT \(raw: Self.columns), \(key) AS sort_key FROM tasks t \(joins)
                WHERE \(SQLQuery(filters, separator: " AND "))) x
              \(outer)
              ORDER BY x.sort_key \(raw: direction), x.id \(raw: direction) LIMIT \(query.limit + 1)) t
            ORDER BY t.sort_key \(raw: direction), t.id \(raw: direction)
            """
        return sql
    }

    /// A saved filter's query as a condition on the task rows `t`.
    static func condition(_ filter: TaskFilter, userID: UUID, dialect: SQLDialect) -> SQLQuery {
        switch filter {
        case .all(let parts): return "(\(SQLQuery(parts.map { condition($0, userID: userID, dialect: dialect) }, separator: " AND ")))"
        case .any(let parts): return "(\(SQLQuery(parts.map { condition($0, userID: userID, dialect: dialect) }, separator: " OR ")))"
        case .not(let inner): return "NOT \(condition(inner, userID: userID, dialect: dialect))"
        case .due(let from, let until):
            let lower: SQLQuery = from.map { "t.due_at >= \($0) AND " } ?? ""
            return "(t.due_at IS NOT NULL AND \(lower)t.due_at < \(until))"
        case .overdue(let now): return "(t.completed_at IS NULL AND t.skipped_at IS NULL AND t.overdue_at IS NOT NULL AND t.overdue_at <= \(now))"
        case .noDue: return "t.due_at IS NULL"
        case .tag(let key):
            return "EXISTS (SELECT 1 FROM task_tags tt JOIN tags g ON g.id = tt.tag_id WHERE tt.task_id = t.id AND g.key = \(key))"
        case .project(let nameKey):
            return """
                t.project_id IN (SELECT f.id FROM projects f WHERE f.name_key = \(nameKey)
                  AND \(Access.visible(project: "f.id", holder: "f.user_id", viewer: userID)))
                """
        case .priority(let p): return "t.priority = \(p.rank)"
        case .recurring: return "t.recurrence_rule IS NOT NULL"
        case .subtask: return "t.parent_id IS NOT NULL"
        case .search(let words):
            switch dialect {
            case .sqlite:
                let match = words.map { "\"\($0)\"*" }.joined(separator: " ")
                return "t.seq IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH \(match))"
            case .postgres:
                return "t.search @@ to_tsquery('english', \(words.map { "\($0):*" }.joined(separator: " & ")))"
            }
        }
    }

    static func cursorValue(_ row: SQLRow, field: TaskQuery.SortField) throws -> Cursor.Value {
        switch field {
        case .due, .created, .updated: return .date(try row.date("sort_key"))
        case .priority: return .int(Int64(try row.int("sort_key")))
        case .title, .manual: return .string(try row.string("sort_key"))
        case .rank: return .double(try row.double("sort_key"))
        }
    }

    static func bind(_ value: Cursor.Value) -> SQLValue {
        switch value {
        case .null: return .null
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .text(s)
        case .date(let d): return .date(d)
        }
    }
}
