import Foundation

extension Schema {
    /// Projects (each person's Inbox has the person's own id, so a new task needs no lookup to be
    /// placed there), sections, subtasks and the manual order: `position` is a task's fractional
    /// key among its siblings, `position_path` its ancestors' segments and its own joined by `/`,
    /// a segment being the key, `#` and the id (`/` and `#` sort below every digit, and the id
    /// makes equal keys distinct), so one index gives a project's tasks in tree order and a
    /// subtree is one range of it. `subtasks_total`/`subtasks_open` count a task's direct subtasks
    /// (kept by `TaskStore.recount` in every transaction that changes a set of children), so a read
    /// has no per-row subqueries for them. Keys compare byte by byte (`COLLATE "C"` on PostgreSQL). Existing tasks go to their owner's Inbox, keyed by
    /// creation time as `Position.at` keys them (`t` + 8 base-62 digits of milliseconds, then
    /// `V`, so no key ends in `0`).
    static let v11 = Migration(
        version: 11, name: "projects sections subtasks order",
        sqlite: [
            """
            CREATE TABLE projects (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              name TEXT NOT NULL, name_key TEXT NOT NULL, color TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
              is_inbox INTEGER NOT NULL DEFAULT 0, archived INTEGER NOT NULL DEFAULT 0, position TEXT NOT NULL,
              created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)
            """,
            "CREATE UNIQUE INDEX projects_inbox ON projects (user_id) WHERE is_inbox = 1",
            "CREATE INDEX projects_user ON projects (user_id, position)",
            """
            CREATE TABLE sections (id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
              user_id TEXT NOT NULL, name TEXT NOT NULL, position TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
            """,
            "CREATE INDEX sections_project ON sections (project_id, position)",
            """
            INSERT INTO projects (id, user_id, name, name_key, color, description, is_inbox, archived, position, created_at, updated_at)
            SELECT id, id, 'Inbox', 'inbox', 'charcoal', '', 1, 0, 'V', created_at, created_at FROM users
            """,
            "ALTER TABLE tasks ADD COLUMN project_id TEXT REFERENCES projects(id)",
            "ALTER TABLE tasks ADD COLUMN section_id TEXT REFERENCES sections(id) ON DELETE SET NULL",
            "ALTER TABLE tasks ADD COLUMN parent_id TEXT REFERENCES tasks(id) ON DELETE CASCADE",
            "ALTER TABLE tasks ADD COLUMN position TEXT NOT NULL DEFAULT 'V'",
            "ALTER TABLE tasks ADD COLUMN position_path TEXT NOT NULL DEFAULT 'V'",
            "ALTER TABLE tasks ADD COLUMN subtasks_total INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE tasks ADD COLUMN subtasks_open INTEGER NOT NULL DEFAULT 0",
            "UPDATE tasks SET project_id = user_id, position = \(positionSQL(ms: "CAST(round((julianday(created_at) - 2440587.5) * 86400000) AS INTEGER)"))",
            "UPDATE tasks SET position_path = position || '#' || id",
            "CREATE INDEX tasks_project_path ON tasks (user_id, project_id, position_path, id)",
            "CREATE INDEX tasks_parent ON tasks (parent_id) WHERE parent_id IS NOT NULL",
            "CREATE INDEX tasks_section ON tasks (section_id) WHERE section_id IS NOT NULL",
        ],
        postgres: [
            """
            CREATE TABLE projects (id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              name text NOT NULL, name_key text NOT NULL, color text NOT NULL, description text NOT NULL DEFAULT '',
              is_inbox boolean NOT NULL DEFAULT false, archived boolean NOT NULL DEFAULT false, position text COLLATE "C" NOT NULL,
              created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, version integer NOT NULL DEFAULT 1)
            """,
            "CREATE UNIQUE INDEX projects_inbox ON projects (user_id) WHERE is_inbox",
            "CREATE INDEX projects_user ON projects (user_id, position)",
            """
            CREATE TABLE sections (id uuid PRIMARY KEY, project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
              user_id uuid NOT NULL, name text NOT NULL, position text COLLATE "C" NOT NULL, created_at timestamptz NOT NULL,
              updated_at timestamptz NOT NULL)
            """,
            "CREATE INDEX sections_project ON sections (project_id, position)",
            """
            INSERT INTO projects (id, user_id, name, name_key, color, description, is_inbox, archived, position, created_at, updated_at)
            SELECT id, id, 'Inbox', 'inbox', 'charcoal', '', true, false, 'V', created_at, created_at FROM users
            """,
            "ALTER TABLE tasks ADD COLUMN project_id uuid REFERENCES projects(id)",
            "ALTER TABLE tasks ADD COLUMN section_id uuid REFERENCES sections(id) ON DELETE SET NULL",
            "ALTER TABLE tasks ADD COLUMN parent_id uuid REFERENCES tasks(id) ON DELETE CASCADE",
            "ALTER TABLE tasks ADD COLUMN position text COLLATE \"C\"",
            "ALTER TABLE tasks ADD COLUMN position_path text COLLATE \"C\"",
            "ALTER TABLE tasks ADD COLUMN subtasks_total integer NOT NULL DEFAULT 0",
            "ALTER TABLE tasks ADD COLUMN subtasks_open integer NOT NULL DEFAULT 0",
            """
            UPDATE tasks SET project_id = user_id,
              position = \(positionSQL(ms: "round(extract(epoch FROM created_at) * 1000)::bigint")),
              position_path = \(positionSQL(ms: "round(extract(epoch FROM created_at) * 1000)::bigint")) || '#' || id::text
            """,
            "ALTER TABLE tasks ALTER COLUMN project_id SET NOT NULL",
            "ALTER TABLE tasks ALTER COLUMN position SET NOT NULL",
            "ALTER TABLE tasks ALTER COLUMN position_path SET NOT NULL",
            "CREATE INDEX tasks_project_path ON tasks (user_id, project_id, position_path, id)",
            "CREATE INDEX tasks_parent ON tasks (parent_id) WHERE parent_id IS NOT NULL",
            "CREATE INDEX tasks_section ON tasks (section_id) WHERE section_id IS NOT NULL",
        ])

    /// Saved filters: a name, a colour and a query in the filter language (`TaskFilter`), kept as
    /// written and parsed when used (its days are the person's days at that moment).
    static let v12 = Migration(
        version: 12, name: "saved filters",
        sqlite: [
            """
            CREATE TABLE filters (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, name TEXT NOT NULL,
              query TEXT NOT NULL, color TEXT NOT NULL, position TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
              version INTEGER NOT NULL DEFAULT 1)
            """,
            "CREATE INDEX filters_user ON filters (user_id, position)",
        ],
        postgres: [
            """
            CREATE TABLE filters (id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE, name text NOT NULL,
              query text NOT NULL, color text NOT NULL, position text COLLATE "C" NOT NULL, created_at timestamptz NOT NULL,
              updated_at timestamptz NOT NULL, version integer NOT NULL DEFAULT 1)
            """,
            "CREATE INDEX filters_user ON filters (user_id, position)",
        ])

    /// `Position.at`'s key in SQL, for an integer expression of milliseconds: `t`, eight base-62
    /// digits, and `V` (so it never ends in `0`).
    static func positionSQL(ms: String) -> String {
        let alphabet = "'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'"
        let digits = (0..<8).map { i -> String in
            let divisor = (0..<(7 - i)).reduce(Int64(1)) { n, _ in n * 62 }
            return "substr(\(alphabet), CAST(((\(ms)) / \(divisor)) % 62 AS INTEGER) + 1, 1)"
        }
        return "'t' || " + digits.joined(separator: " || ") + " || 'V'"
    }
}
