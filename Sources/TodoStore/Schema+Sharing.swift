import Foundation

extension Schema {
    /// Sharing: a project's members other than its holder (`projects.user_id`, the account whose
    /// space holds the project's tasks, always an owner), invitations (the link's token only as
    /// its SHA-256 hash), and a task's assignee. `project_members (user_id, project_id)` is how a
    /// person's lists find the projects shared with them; `events_key` reads a space's events
    /// (the key is the holder) newest first, for a project's activity; a reminder's `recipient` is
    /// `me` (who set it: `user_id`) or `assignee` (whoever the task is assigned to when it fires).
    static let v13 = Migration(
        version: 13, name: "sharing",
        sqlite: [
            """
            CREATE TABLE project_members (project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
              user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, role TEXT NOT NULL, created_at TEXT NOT NULL,
              PRIMARY KEY (project_id, user_id))
            """,
            "CREATE INDEX project_members_user ON project_members (user_id, project_id)",
            """
            CREATE TABLE invitations (id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
              email TEXT NOT NULL, role TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
              invited_by TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, created_at TEXT NOT NULL, expires_at TEXT NOT NULL,
              accepted_at TEXT, accepted_by TEXT, declined_at TEXT, revoked_at TEXT)
            """,
            "CREATE INDEX invitations_project ON invitations (project_id, created_at)",
            "CREATE INDEX invitations_email ON invitations (email, created_at)",
            "CREATE INDEX invitations_inviter ON invitations (invited_by, created_at)",
            "ALTER TABLE tasks ADD COLUMN assignee_id TEXT REFERENCES users(id) ON DELETE SET NULL",
            "CREATE INDEX tasks_assignee ON tasks (assignee_id) WHERE assignee_id IS NOT NULL",
            "CREATE INDEX events_key ON events (topic, event_key, seq)",
            "ALTER TABLE reminders ADD COLUMN recipient TEXT NOT NULL DEFAULT 'me'",
        ],
        postgres: [
            """
            CREATE TABLE project_members (project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
              user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE, role text NOT NULL, created_at timestamptz NOT NULL,
              PRIMARY KEY (project_id, user_id))
            """,
            "CREATE INDEX project_members_user ON project_members (user_id, project_id)",
            """
            CREATE TABLE invitations (id uuid PRIMARY KEY, project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
              email text NOT NULL, role text NOT NULL, token_hash text NOT NULL UNIQUE,
              invited_by uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE, created_at timestamptz NOT NULL,
              expires_at timestamptz NOT NULL, accepted_at timestamptz, accepted_by uuid, declined_at timestamptz, revoked_at timestamptz)
            """,
            "CREATE INDEX invitations_project ON invitations (project_id, created_at)",
            "CREATE INDEX invitations_email ON invitations (email, created_at)",
            "CREATE INDEX invitations_inviter ON invitations (invited_by, created_at)",
            "ALTER TABLE tasks ADD COLUMN assignee_id uuid REFERENCES users(id) ON DELETE SET NULL",
            "CREATE INDEX tasks_assignee ON tasks (assignee_id) WHERE assignee_id IS NOT NULL",
            "CREATE INDEX events_key ON events (topic, event_key, seq)",
            "ALTER TABLE reminders ADD COLUMN recipient text NOT NULL DEFAULT 'me'",
        ])
}
