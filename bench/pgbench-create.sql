-- The bench's create (`{"title": …, "priority": "medium", "tags": ["bench"]}`) as the server sends
-- it (captured with log_statement = all; the person read first, then one transaction: the task, its
-- tags created and linked in one statement, its outbox event with the NOTIFY), for one of the
-- seeded people at random: PostgreSQL's own cost of a create, without Swift (bench/api.sh runs it
-- with pgbench -M prepared). The sequencer's transaction, shared by a burst of creates, is left out.
-- (The event's JSON is written with = for : and put back by replace(): pgbench reads :name as a
-- variable, even inside a literal.)
\set n random(0, :people - 1)
SELECT id AS uid, time_zone, gen_random_uuid() AS tid, gen_random_uuid() AS gid, gen_random_uuid() AS eid
  FROM users WHERE id = (SELECT id FROM bench_people WHERE n = :n) \gset
BEGIN;
INSERT INTO tasks (id, user_id, title, title_key, description, priority, due_at, overdue_at, due_date, due_local, due_tz,
  completed_at, skipped_at, recurrence_rule, recurrence_anchor, series_id, occurrence_index, spawned_from, created_at,
  updated_at, version, project_id, section_id, parent_id, position, position_path)
  VALUES (:tid, :uid, 'bench 1', 'bench 1', '', 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  now(), now(), 1, :uid, NULL, NULL, 't0VX9kUpy', 't0VX9kUpy#' || :tid::text) ON CONFLICT DO NOTHING RETURNING id;
WITH input (id, name, key, position) AS (VALUES (:gid::uuid, 'bench', 'bench', 0)),
added AS (
  INSERT INTO tags (id, user_id, name, key, created_at) SELECT id, :uid, name, key, now() FROM input
  ON CONFLICT (user_id, key) DO NOTHING RETURNING id, name, key),
resolved AS (
  SELECT id, name, key FROM added
  UNION ALL SELECT t.id, t.name, t.key FROM tags t JOIN input i ON t.key = i.key WHERE t.user_id = :uid),
linked AS (
  INSERT INTO task_tags (task_id, tag_id, position)
  SELECT :tid, r.id, i.position FROM resolved r JOIN input i ON i.key = r.key)
SELECT r.name FROM resolved r JOIN input i ON i.key = r.key ORDER BY i.position;
WITH changed AS (INSERT INTO events (id, topic, partition_no, event_key, type, cloud_event, created_at)
  VALUES (:eid, 'task-events', 3, :uid, 'task.created', replace('{"specversion"="1.0","id"="01a23a65-5d4f-74ae-b276-16692d096e7a","source"="/todo/tasks","type"="task.created","subject"="01a23a65-5d4a-7e03-be88-b3e9fe80cf78","time"="2026-12-03T05=34=11.274Z","datacontenttype"="application/json","partitionkey"="01a23a65-5ccf-762b-9fb8-dcc32b4ae3e1","traceparent"="00-744748bca4f7d4f0cd2c4e77733ff5fe-2294fc01da682c1d-00","data"={"event_type"="task.created","task_id"="01a23a65-5d4a-7e03-be88-b3e9fe80cf78","user_id"="01a23a65-5ccf-762b-9fb8-dcc32b4ae3e1","task"={"id"="01a23a65-5d4a-7e03-be88-b3e9fe80cf78","title"="bench 1","description"="","priority"="medium","tags"=["bench"],"due"=null,"recurrence"=null,"reminders"=[],"completed"=false,"version"=1}}}', '=', chr(58)), now()))
  SELECT pg_notify('todo_outbox', '');
COMMIT;
