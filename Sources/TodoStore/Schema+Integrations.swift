import Foundation

extension Schema {
    /// Calendar feeds: a person's secret `/ical/{token}.ics` URLs (the token only as its SHA-256
    /// hash), each with its scope (everything, a project, or a saved filter; deleting the project
    /// or filter deletes the feed) and whether done tasks are in it.
    static let v14 = Migration(
        version: 14, name: "calendar feeds",
        sqlite: [
            """
            CREATE TABLE calendar_feeds (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              name TEXT NOT NULL, scope TEXT NOT NULL, project_id TEXT REFERENCES projects(id) ON DELETE CASCADE,
              filter_id TEXT REFERENCES filters(id) ON DELETE CASCADE, include_completed INTEGER NOT NULL,
              token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, rotated_at TEXT NOT NULL, last_read_at TEXT)
            """,
            "CREATE INDEX calendar_feeds_user ON calendar_feeds (user_id, created_at)",
        ],
        postgres: [
            """
            CREATE TABLE calendar_feeds (id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              name text NOT NULL, scope text NOT NULL, project_id uuid REFERENCES projects(id) ON DELETE CASCADE,
              filter_id uuid REFERENCES filters(id) ON DELETE CASCADE, include_completed boolean NOT NULL,
              token_hash text NOT NULL UNIQUE, created_at timestamptz NOT NULL, rotated_at timestamptz NOT NULL, last_read_at timestamptz)
            """,
            "CREATE INDEX calendar_feeds_user ON calendar_feeds (user_id, created_at)",
        ])
}
