-- The bench's complete and reopen as the server sends them (captured with log_statement = all: the
-- task read and locked, the update, the outbox event with its NOTIFY, in one transaction): a
-- completion or a reopening, at random, of a task of the seeded people at random (bench_tasks, made
-- by bench/api.sh; looking it up is one indexed read more than the server does). PostgreSQL's own
-- cost of the complete scenario, without Swift; the sequencer's shared transaction is left out.
-- (The event's JSON is written with = for : and put back by replace(): pgbench reads :name as a
-- variable, even inside a literal.)
\set n random(0, :tasks - 1)
SELECT id AS tid, user_id AS uid FROM bench_tasks WHERE n = :n \gset
\set done random(0, 1)
BEGIN;
SELECT t.id, t.user_id, t.title, t.description, t.priority, t.due_at, t.overdue_at, t.due_date, t.due_local, t.due_tz,
  t.completed_at, t.skipped_at, t.recurrence_rule, t.recurrence_anchor, t.series_id, t.occurrence_index, t.created_at,
  t.updated_at, t.version, t.project_id, t.section_id, t.parent_id, t.position, t.subtasks_total, t.subtasks_open,
  (SELECT string_agg(CAST(tt.position AS TEXT) || ':' || g.name, ' ') FROM task_tags tt
  JOIN tags g ON g.id = tt.tag_id WHERE tt.task_id = t.id) AS tag_list,
  CASE WHEN EXISTS (SELECT 1 FROM reminders r WHERE r.task_id = t.id) THEN 1 ELSE 0 END AS has_reminders
  FROM tasks t WHERE t.id = :tid AND t.user_id = :uid FOR UPDATE;
UPDATE tasks SET completed_at = CASE WHEN :done = 1 THEN now() END, skipped_at = NULL, updated_at = now(), version = version + 1
  WHERE id = :tid AND user_id = :uid;
-- a subtask's parent is recounted (the server sends this only for a subtask; here it finds no parent
-- for a top-level task, one indexed read)
UPDATE tasks AS p SET subtasks_total = (SELECT count(*) FROM tasks c WHERE c.parent_id = p.id),
  subtasks_open = (SELECT count(*) FROM tasks c WHERE c.parent_id = p.id AND c.completed_at IS NULL AND c.skipped_at IS NULL)
  WHERE p.id IN (SELECT parent_id FROM tasks WHERE id = :tid);
WITH changed AS (INSERT INTO events (id, topic, partition_no, event_key, type, cloud_event, created_at)
  VALUES (gen_random_uuid(), 'task-events', 3, :uid, CASE WHEN :done = 1 THEN 'task.completed' ELSE 'task.reopened' END, replace('{"specversion"="1.0","id"="01a23a66-2f22-7530-aa7b-564ad4f75e9c","source"="/todo/tasks","type"="task.completed_or_reopened","subject"="01a23a66-29f6-75cd-8edd-3a73529612c6","time"="2026-12-03T05=35=04.990Z","datacontenttype"="application/json","partitionkey"="01a23a65-5ccf-762b-9fb8-dcc32b4ae3e1","traceparent"="00-b8c92dd841ff3cf6981287a0db14ee96-bd19475ff7f7b3c5-00","data"={"event_type"="task.completed_or_reopened","task_id"="01a23a66-29f6-75cd-8edd-3a73529612c6","user_id"="01a23a65-5ccf-762b-9fb8-dcc32b4ae3e1","task"={"id"="01a23a66-29f6-75cd-8edd-3a73529612c6","title"="Task 1 of user 2 about milk","description"="","priority"="medium","tags"=["work"],"due"=null,"recurrence"=null,"reminders"=[],"completed"=true,"version"=2}}}', '=', chr(58)), now()))
  SELECT pg_notify('todo_outbox', '');
COMMIT;
