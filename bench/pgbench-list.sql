-- The bench's list (`priority=high&priority=urgent&sort=-due&limit=50`) exactly as the server sends
-- it (captured with log_min_duration_statement), for one of the seeded people at random:
-- PostgreSQL's own cost of a list, without Swift (bench/api.sh runs it with pgbench -M prepared).
\set n random(0, :people - 1)
SELECT t.*, (SELECT string_agg(CAST(tt.position AS TEXT) || ':' || g.name, ' ') FROM task_tags tt JOIN tags g ON g.id = tt.tag_id
 WHERE tt.task_id = t.id) AS tag_list,
CASE WHEN EXISTS (SELECT 1 FROM reminders r WHERE r.task_id = t.id) THEN 1 ELSE 0 END AS has_reminders FROM (
  SELECT * FROM (SELECT t.id, t.user_id, t.title, t.description, t.priority, t.due_at, t.overdue_at, t.due_date, t.due_local, t.due_tz,
t.completed_at, t.skipped_at, t.recurrence_rule, t.recurrence_anchor, t.series_id, t.occurrence_index, t.created_at,
t.updated_at, t.version, t.project_id, t.section_id, t.parent_id, t.position, t.subtasks_total, t.subtasks_open,
COALESCE(t.due_at, TIMESTAMPTZ '0001-01-01T00:00:00Z') AS sort_key FROM tasks t
    WHERE t.user_id = (SELECT id FROM bench_people WHERE n = :n) AND t.completed_at IS NULL AND t.skipped_at IS NULL AND t.priority IN (3, 4)) x
  ORDER BY x.sort_key DESC, x.id DESC LIMIT 51) t
ORDER BY t.sort_key DESC, t.id DESC;
