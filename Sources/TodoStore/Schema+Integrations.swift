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

extension Schema {
    /// Webhooks: a person's endpoints (URL, event types, the signing secret and, during a
    /// rotation, the previous one until `previous_until`), and their deliveries — one per
    /// (endpoint, event), enqueued exactly once by the `webhooks` consumer group and sent by the
    /// delivery worker in order per (endpoint, `order_key`: the task), by `seq` (the event's offset).
    static let v15 = Migration(
        version: 15, name: "webhooks",
        sqlite: [
            """
            CREATE TABLE webhooks (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, url TEXT NOT NULL,
              description TEXT NOT NULL, event_types TEXT NOT NULL, secret TEXT NOT NULL, previous_secret TEXT, previous_until TEXT,
              enabled INTEGER NOT NULL, disabled_reason TEXT, failing_since TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
            """,
            "CREATE INDEX webhooks_user ON webhooks (user_id, created_at)",
            """
            CREATE TABLE webhook_deliveries (id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
              event_id TEXT NOT NULL, event_type TEXT NOT NULL, order_key TEXT NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL, state TEXT NOT NULL,
              attempts INTEGER NOT NULL, next_attempt_at TEXT NOT NULL, last_status INTEGER, last_error TEXT, response_prefix TEXT,
              duration_ms INTEGER, created_at TEXT NOT NULL, delivered_at TEXT, UNIQUE (webhook_id, event_id))
            """,
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state IN ('pending', 'sending')",
            "CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_id, order_key, seq)",
            "CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, created_at)",
        ],
        postgres: [
            """
            CREATE TABLE webhooks (id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE, url text NOT NULL,
              description text NOT NULL, event_types text NOT NULL, secret text NOT NULL, previous_secret text, previous_until timestamptz,
              enabled boolean NOT NULL, disabled_reason text, failing_since timestamptz, created_at timestamptz NOT NULL,
              updated_at timestamptz NOT NULL)
            """,
            "CREATE INDEX webhooks_user ON webhooks (user_id, created_at)",
            """
            CREATE TABLE webhook_deliveries (id uuid PRIMARY KEY, webhook_id uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
              event_id uuid NOT NULL, event_type text NOT NULL, order_key text NOT NULL, seq bigint NOT NULL, payload text NOT NULL, state text NOT NULL,
              attempts integer NOT NULL, next_attempt_at timestamptz NOT NULL, last_status integer, last_error text, response_prefix text,
              duration_ms integer, created_at timestamptz NOT NULL, delivered_at timestamptz, UNIQUE (webhook_id, event_id))
            """,
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state IN ('pending', 'sending')",
            "CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_id, order_key, seq)",
            "CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, created_at)",
        ])
}
