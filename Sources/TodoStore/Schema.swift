/// The schema, step by step. Both dialects hold the same tables and columns; types differ
/// (PostgreSQL: uuid, timestamptz, tsvector; SQLite: TEXT with RFC 3339 UTC timestamps that sort
/// as text, and an FTS5 index kept by triggers).
enum Schema {
    static let v1 = Migration(
        version: 1, name: "accounts_tasks_tags_reminders",
        sqlite: [
            """
            CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
              display_name TEXT NOT NULL, time_zone TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE refresh_tokens (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              family_id TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, expires_at TEXT NOT NULL, used_at TEXT,
              revoked_at TEXT, created_at TEXT NOT NULL)
            """,
            "CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)",
            """
            CREATE TABLE api_tokens (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, scopes TEXT NOT NULL,
              expires_at TEXT, last_used_at TEXT, created_at TEXT NOT NULL)
            """,
            "CREATE INDEX api_tokens_user ON api_tokens (user_id)",
            """
            CREATE TABLE tasks (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
              user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, title TEXT NOT NULL, title_key TEXT NOT NULL,
              description TEXT NOT NULL DEFAULT '', priority INTEGER NOT NULL DEFAULT 0,
              due_at TEXT, overdue_at TEXT, due_date TEXT, due_local TEXT, due_tz TEXT, completed_at TEXT,
              recurrence_rule TEXT, recurrence_anchor TEXT, series_id TEXT, occurrence_index INTEGER,
              created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)
            """,
            "CREATE INDEX tasks_user_created ON tasks (user_id, created_at)",
            "CREATE INDEX tasks_user_due ON tasks (user_id, due_at)",
            "CREATE UNIQUE INDEX tasks_series_occurrence ON tasks (series_id, occurrence_index) WHERE series_id IS NOT NULL",
            """
            CREATE VIRTUAL TABLE tasks_fts USING fts5(title, description, content='tasks', content_rowid='seq',
              tokenize='porter unicode61 remove_diacritics 2')
            """,
            """
            CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN
              INSERT INTO tasks_fts (rowid, title, description) VALUES (new.seq, new.title, new.description);
            END
            """,
            """
            CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
              INSERT INTO tasks_fts (tasks_fts, rowid, title, description) VALUES ('delete', old.seq, old.title, old.description);
            END
            """,
            """
            CREATE TRIGGER tasks_fts_update AFTER UPDATE OF title, description ON tasks BEGIN
              INSERT INTO tasks_fts (tasks_fts, rowid, title, description) VALUES ('delete', old.seq, old.title, old.description);
              INSERT INTO tasks_fts (rowid, title, description) VALUES (new.seq, new.title, new.description);
            END
            """,
            """
            CREATE TABLE tags (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              name TEXT NOT NULL, key TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (user_id, key))
            """,
            """
            CREATE TABLE task_tags (task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
              tag_id TEXT NOT NULL REFERENCES tags(id) ON DELETE CASCADE, position INTEGER NOT NULL,
              PRIMARY KEY (task_id, tag_id))
            """,
            "CREATE INDEX task_tags_tag ON task_tags (tag_id)",
            """
            CREATE TABLE reminders (id TEXT PRIMARY KEY, task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
              user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, fire_at TEXT NOT NULL, before_seconds INTEGER,
              channels TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', created_at TEXT NOT NULL)
            """,
            "CREATE INDEX reminders_pending ON reminders (fire_at) WHERE state = 'pending'",
            """
            CREATE TABLE idempotency_keys (user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, key TEXT NOT NULL,
              request_hash TEXT NOT NULL, status INTEGER, response TEXT, created_at TEXT NOT NULL, PRIMARY KEY (user_id, key))
            """,
            "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)",
        ],
        postgres: [
            """
            CREATE TABLE users (id uuid PRIMARY KEY, email text NOT NULL UNIQUE, password_hash text NOT NULL,
              display_name text NOT NULL, time_zone text NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)
            """,
            """
            CREATE TABLE refresh_tokens (id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              family_id uuid NOT NULL, token_hash text NOT NULL UNIQUE, expires_at timestamptz NOT NULL, used_at timestamptz,
              revoked_at timestamptz, created_at timestamptz NOT NULL)
            """,
            "CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)",
            """
            CREATE TABLE api_tokens (id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              name text NOT NULL, token_hash text NOT NULL UNIQUE, prefix text NOT NULL, scopes text NOT NULL,
              expires_at timestamptz, last_used_at timestamptz, created_at timestamptz NOT NULL)
            """,
            "CREATE INDEX api_tokens_user ON api_tokens (user_id)",
            """
            CREATE TABLE tasks (id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              title text NOT NULL, title_key text NOT NULL, description text NOT NULL DEFAULT '', priority smallint NOT NULL DEFAULT 0,
              due_at timestamptz, overdue_at timestamptz, due_date text, due_local text, due_tz text, completed_at timestamptz,
              recurrence_rule text, recurrence_anchor text, series_id uuid, occurrence_index integer,
              created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, version integer NOT NULL DEFAULT 1,
              search tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')) STORED)
            """,
            "CREATE INDEX tasks_user_created ON tasks (user_id, created_at)",
            "CREATE INDEX tasks_user_due ON tasks (user_id, due_at)",
            "CREATE INDEX tasks_search ON tasks USING gin (search)",
            "CREATE UNIQUE INDEX tasks_series_occurrence ON tasks (series_id, occurrence_index) WHERE series_id IS NOT NULL",
            """
            CREATE TABLE tags (id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              name text NOT NULL, key text NOT NULL, created_at timestamptz NOT NULL, UNIQUE (user_id, key))
            """,
            """
            CREATE TABLE task_tags (task_id uuid NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
              tag_id uuid NOT NULL REFERENCES tags(id) ON DELETE CASCADE, position integer NOT NULL,
              PRIMARY KEY (task_id, tag_id))
            """,
            "CREATE INDEX task_tags_tag ON task_tags (tag_id)",
            """
            CREATE TABLE reminders (id uuid PRIMARY KEY, task_id uuid NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
              user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE, fire_at timestamptz NOT NULL, before_seconds integer,
              channels text NOT NULL, state text NOT NULL DEFAULT 'pending', created_at timestamptz NOT NULL)
            """,
            "CREATE INDEX reminders_pending ON reminders (fire_at) WHERE state = 'pending'",
            """
            CREATE TABLE idempotency_keys (user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE, key text NOT NULL,
              request_hash text NOT NULL, status integer, response text, created_at timestamptz NOT NULL, PRIMARY KEY (user_id, key))
            """,
            "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)",
        ])

    /// Skipped occurrences, and one successor per occurrence of a series (`spawned_from` is
    /// unique: completing an occurrence twice can never create two next occurrences).
    static let v2 = Migration(
        version: 2, name: "recurring_series",
        sqlite: [
            "ALTER TABLE tasks ADD COLUMN skipped_at TEXT",
            "ALTER TABLE tasks ADD COLUMN spawned_from TEXT",
            "CREATE UNIQUE INDEX tasks_spawned_from ON tasks (spawned_from) WHERE spawned_from IS NOT NULL",
            "CREATE INDEX tasks_series ON tasks (series_id, occurrence_index) WHERE series_id IS NOT NULL",
        ],
        postgres: [
            "ALTER TABLE tasks ADD COLUMN skipped_at timestamptz",
            "ALTER TABLE tasks ADD COLUMN spawned_from uuid",
            "CREATE UNIQUE INDEX tasks_spawned_from ON tasks (spawned_from) WHERE spawned_from IS NOT NULL",
            "CREATE INDEX tasks_series ON tasks (series_id, occurrence_index) WHERE series_id IS NOT NULL",
        ])

    /// The outbox and event log. `seq` is the order rows were inserted; `log_offset` is assigned
    /// per (topic, partition) in commit order by the log's sequencer (NULL until then).
    static let v3 = Migration(
        version: 3, name: "event_outbox",
        sqlite: [
            """
            CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, topic TEXT NOT NULL,
              partition_no INTEGER NOT NULL, log_offset INTEGER, event_key TEXT NOT NULL, type TEXT NOT NULL,
              cloud_event TEXT NOT NULL, created_at TEXT NOT NULL)
            """,
            "CREATE UNIQUE INDEX events_log ON events (topic, partition_no, log_offset) WHERE log_offset IS NOT NULL",
            "CREATE INDEX events_unsequenced ON events (seq) WHERE log_offset IS NULL",
            "CREATE INDEX events_topic_seq ON events (topic, seq)",
        ],
        postgres: [
            """
            CREATE TABLE events (seq bigserial PRIMARY KEY, id uuid NOT NULL UNIQUE, topic text NOT NULL,
              partition_no integer NOT NULL, log_offset bigint, event_key text NOT NULL, type text NOT NULL,
              cloud_event text NOT NULL, created_at timestamptz NOT NULL)
            """,
            "CREATE UNIQUE INDEX events_log ON events (topic, partition_no, log_offset) WHERE log_offset IS NOT NULL",
            "CREATE INDEX events_unsequenced ON events (seq) WHERE log_offset IS NULL",
            "CREATE INDEX events_topic_seq ON events (topic, seq)",
        ])

    /// Consumer groups: committed offsets per partition, processed event ids (idempotency), and
    /// dead letters.
    static let v4 = Migration(
        version: 4, name: "consumer_groups",
        sqlite: [
            """
            CREATE TABLE consumer_offsets (group_name TEXT NOT NULL, topic TEXT NOT NULL, partition_no INTEGER NOT NULL,
              next_offset INTEGER NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (group_name, topic, partition_no))
            """,
            """
            CREATE TABLE processed_events (group_name TEXT NOT NULL, event_id TEXT NOT NULL, processed_at TEXT NOT NULL,
              PRIMARY KEY (group_name, event_id))
            """,
            """
            CREATE TABLE dead_letters (id TEXT PRIMARY KEY, group_name TEXT NOT NULL, topic TEXT NOT NULL, event_id TEXT NOT NULL,
              cloud_event TEXT NOT NULL, error TEXT NOT NULL, attempts INTEGER NOT NULL, first_failure_at TEXT NOT NULL,
              last_failure_at TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'dead')
            """,
            "CREATE INDEX dead_letters_topic_state ON dead_letters (topic, state)",
        ],
        postgres: [
            """
            CREATE TABLE consumer_offsets (group_name text NOT NULL, topic text NOT NULL, partition_no integer NOT NULL,
              next_offset bigint NOT NULL, updated_at timestamptz NOT NULL, PRIMARY KEY (group_name, topic, partition_no))
            """,
            """
            CREATE TABLE processed_events (group_name text NOT NULL, event_id uuid NOT NULL, processed_at timestamptz NOT NULL,
              PRIMARY KEY (group_name, event_id))
            """,
            """
            CREATE TABLE dead_letters (id uuid PRIMARY KEY, group_name text NOT NULL, topic text NOT NULL, event_id uuid NOT NULL,
              cloud_event text NOT NULL, error text NOT NULL, attempts integer NOT NULL, first_failure_at timestamptz NOT NULL,
              last_failure_at timestamptz NOT NULL, state text NOT NULL DEFAULT 'dead')
            """,
            "CREATE INDEX dead_letters_topic_state ON dead_letters (topic, state)",
        ])

    /// Consumer group membership: live members (by heartbeat) and one lease per partition, so
    /// each partition has one owner at a time across processes.
    static let v5 = Migration(
        version: 5, name: "consumer_leases",
        sqlite: [
            """
            CREATE TABLE consumer_members (group_name TEXT NOT NULL, topic TEXT NOT NULL, member_id TEXT NOT NULL,
              heartbeat_at TEXT NOT NULL, PRIMARY KEY (group_name, topic, member_id))
            """,
            """
            CREATE TABLE consumer_leases (group_name TEXT NOT NULL, topic TEXT NOT NULL, partition_no INTEGER NOT NULL,
              owner TEXT NOT NULL, expires_at TEXT NOT NULL, PRIMARY KEY (group_name, topic, partition_no))
            """,
        ],
        postgres: [
            """
            CREATE TABLE consumer_members (group_name text NOT NULL, topic text NOT NULL, member_id text NOT NULL,
              heartbeat_at timestamptz NOT NULL, PRIMARY KEY (group_name, topic, member_id))
            """,
            """
            CREATE TABLE consumer_leases (group_name text NOT NULL, topic text NOT NULL, partition_no integer NOT NULL,
              owner text NOT NULL, expires_at timestamptz NOT NULL, PRIMARY KEY (group_name, topic, partition_no))
            """,
        ])

    /// The Dapr relay marks what the sidecar accepted (`EVENT_TRANSPORT=dapr`).
    static let v6 = Migration(
        version: 6, name: "dapr_relay",
        sqlite: [
            "ALTER TABLE events ADD COLUMN published_at TEXT",
            "CREATE INDEX events_unpublished ON events (log_offset, partition_no) WHERE published_at IS NULL AND log_offset IS NOT NULL",
        ],
        postgres: [
            "ALTER TABLE events ADD COLUMN published_at timestamptz",
            "CREATE INDEX events_unpublished ON events (log_offset, partition_no) WHERE published_at IS NULL AND log_offset IS NOT NULL",
        ])

    /// The head of each partition (the next offset the sequencer gives), kept by the sequencer:
    /// consumers and `events lag` read 12 rows instead of scanning the log.
    static let v7 = Migration(
        version: 7, name: "log_heads",
        sqlite: [
            """
            CREATE TABLE log_heads (topic TEXT NOT NULL, partition_no INTEGER NOT NULL, next_offset INTEGER NOT NULL,
              PRIMARY KEY (topic, partition_no))
            """,
            """
            INSERT INTO log_heads (topic, partition_no, next_offset)
            SELECT topic, partition_no, MAX(log_offset) + 1 FROM events WHERE log_offset IS NOT NULL GROUP BY topic, partition_no
            """,
        ],
        postgres: [
            """
            CREATE TABLE log_heads (topic text NOT NULL, partition_no integer NOT NULL, next_offset bigint NOT NULL,
              PRIMARY KEY (topic, partition_no))
            """,
            """
            INSERT INTO log_heads (topic, partition_no, next_offset)
            SELECT topic, partition_no, MAX(log_offset) + 1 FROM events WHERE log_offset IS NOT NULL GROUP BY topic, partition_no
            """,
        ])

    /// Reminders of tasks, and a person's default reminder channels. `remind_at` is NULL for a
    /// relative reminder of a task without a due; the scheduler reads pending ones by time.
    /// (Replaces v1's placeholder `reminders` table, which nothing ever wrote.)
    static let v8 = Migration(
        version: 8, name: "reminders",
        sqlite: [
            "DROP TABLE reminders",
            "ALTER TABLE users ADD COLUMN reminder_channels TEXT NOT NULL DEFAULT 'email,in_app'",
            """
            CREATE TABLE reminders (id TEXT PRIMARY KEY, task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
              user_id TEXT NOT NULL, before_seconds INTEGER, at TEXT, channels TEXT NOT NULL, remind_at TEXT,
              state TEXT NOT NULL DEFAULT 'pending', fired_at TEXT, created_at TEXT NOT NULL)
            """,
            "CREATE INDEX reminders_task ON reminders (task_id)",
            "CREATE INDEX reminders_pending ON reminders (remind_at) WHERE state = 'pending' AND remind_at IS NOT NULL",
        ],
        postgres: [
            "DROP TABLE reminders",
            "ALTER TABLE users ADD COLUMN reminder_channels text NOT NULL DEFAULT 'email,in_app'",
            """
            CREATE TABLE reminders (id uuid PRIMARY KEY, task_id uuid NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
              user_id uuid NOT NULL, before_seconds integer, at timestamptz, channels text NOT NULL, remind_at timestamptz,
              state text NOT NULL DEFAULT 'pending', fired_at timestamptz, created_at timestamptz NOT NULL)
            """,
            "CREATE INDEX reminders_task ON reminders (task_id)",
            "CREATE INDEX reminders_pending ON reminders (remind_at) WHERE state = 'pending' AND remind_at IS NOT NULL",
        ])

    /// The notification-service: in-app notifications (one per reminder, `seq` orders the live
    /// stream), and deliveries per (reminder, channel) — the unique key that makes every channel
    /// exactly once, with its attempts and the time of the next one.
    static let v9 = Migration(
        version: 9, name: "notifications",
        sqlite: [
            """
            CREATE TABLE notifications (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL,
              reminder_id TEXT UNIQUE, task_id TEXT, title TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL, read_at TEXT)
            """,
            "CREATE INDEX notifications_user ON notifications (user_id, seq)",
            """
            CREATE TABLE deliveries (id TEXT PRIMARY KEY, reminder_id TEXT NOT NULL, channel TEXT NOT NULL, user_id TEXT NOT NULL,
              event TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
              next_attempt_at TEXT NOT NULL, last_error TEXT, created_at TEXT NOT NULL, sent_at TEXT, UNIQUE (reminder_id, channel))
            """,
            "CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state IN ('pending', 'sending')",
        ],
        postgres: [
            """
            CREATE TABLE notifications (seq bigserial PRIMARY KEY, id uuid NOT NULL UNIQUE, user_id uuid NOT NULL,
              reminder_id uuid UNIQUE, task_id uuid, title text NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL,
              read_at timestamptz)
            """,
            "CREATE INDEX notifications_user ON notifications (user_id, seq)",
            """
            CREATE TABLE deliveries (id uuid PRIMARY KEY, reminder_id uuid NOT NULL, channel text NOT NULL, user_id uuid NOT NULL,
              event text NOT NULL, state text NOT NULL DEFAULT 'pending', attempts integer NOT NULL DEFAULT 0,
              next_attempt_at timestamptz NOT NULL, last_error text, created_at timestamptz NOT NULL, sent_at timestamptz,
              UNIQUE (reminder_id, channel))
            """,
            "CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state IN ('pending', 'sending')",
        ])

    /// The default list (open tasks by due, either direction) read in index order: a page stops
    /// after its 50 rows instead of reading every task of the person and sorting them. The
    /// expressions are the list's sort keys exactly (`TaskStore.dueSortKey`), sentinels included.
    static let v10 = Migration(
        version: 10, name: "open tasks by due",
        sqlite: [
            """
            CREATE INDEX IF NOT EXISTS tasks_open_due_asc ON tasks (user_id, COALESCE(due_at, '9999-12-31T23:59:59.000Z'), id)
            WHERE completed_at IS NULL AND skipped_at IS NULL
            """,
            """
            CREATE INDEX IF NOT EXISTS tasks_open_due_desc ON tasks (user_id, COALESCE(due_at, '0001-01-01T00:00:00.000Z'), id)
            WHERE completed_at IS NULL AND skipped_at IS NULL
            """,
        ],
        postgres: [
            """
            CREATE INDEX IF NOT EXISTS tasks_open_due_asc ON tasks (user_id, COALESCE(due_at, TIMESTAMPTZ '9999-12-31T23:59:59Z'), id)
            WHERE completed_at IS NULL AND skipped_at IS NULL
            """,
            """
            CREATE INDEX IF NOT EXISTS tasks_open_due_desc ON tasks (user_id, COALESCE(due_at, TIMESTAMPTZ '0001-01-01T00:00:00Z'), id)
            WHERE completed_at IS NULL AND skipped_at IS NULL
            """,
        ])

}
