-- Grows a seeded bench database to many tasks without the API: every person seeded by
-- bench/seed.py (email bench…) is copied :copies times, with their projects, tags, tasks and tag links, under
-- new ids (psql -v copies=9 -f bench/fill.sql). Used by bench/api.sh when FILL is set, so the
-- scenarios run with 1,000,000 tasks in the database while the people they measure keep their
-- 1,000. The copies are plain tasks: series and spawn links are left out (they are unique).
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE fill_users AS
  SELECT u.id AS src, gen_random_uuid() AS id, c AS copy
  FROM users u CROSS JOIN generate_series(1, :copies) c WHERE u.email LIKE 'bench%';
INSERT INTO users (id, email, password_hash, display_name, time_zone, created_at, updated_at, reminder_channels)
  SELECT f.id, 'fill' || f.copy || '-' || u.email, u.password_hash, u.display_name, u.time_zone, u.created_at,
         u.updated_at, u.reminder_channels
  FROM fill_users f JOIN users u ON u.id = f.src;
-- Each copy's projects: the Inbox under the copy's own id (an Inbox's id is its owner's), the
-- others under new ids.
CREATE TEMP TABLE fill_projects AS
  SELECT p.id AS src, CASE WHEN p.is_inbox THEN f.id ELSE gen_random_uuid() END AS id, f.id AS user_id, f.copy
  FROM projects p JOIN fill_users f ON f.src = p.user_id;
INSERT INTO projects (id, user_id, name, name_key, color, description, is_inbox, archived, position, created_at, updated_at, version)
  SELECT fp.id, fp.user_id, p.name, p.name_key, p.color, p.description, p.is_inbox, p.archived, p.position, p.created_at,
         p.updated_at, p.version
  FROM fill_projects fp JOIN projects p ON p.id = fp.src;
CREATE TEMP TABLE fill_tags AS
  SELECT t.id AS src, gen_random_uuid() AS id, f.id AS user_id, f.copy
  FROM tags t JOIN fill_users f ON f.src = t.user_id;
INSERT INTO tags (id, user_id, name, key, created_at)
  SELECT ft.id, ft.user_id, t.name, t.key, t.created_at FROM fill_tags ft JOIN tags t ON t.id = ft.src;
CREATE TEMP TABLE fill_tasks AS
  SELECT t.id AS src, gen_random_uuid() AS id, f.id AS user_id, f.copy
  FROM tasks t JOIN fill_users f ON f.src = t.user_id;
-- (copies are top-level tasks in their project: only the measured people need subtasks)
INSERT INTO tasks (id, user_id, title, title_key, description, priority, due_at, overdue_at, due_date, due_local,
                   due_tz, completed_at, created_at, updated_at, version, skipped_at, project_id, position, position_path)
  SELECT ft.id, ft.user_id, t.title, t.title_key, t.description, t.priority, t.due_at, t.overdue_at, t.due_date,
         t.due_local, t.due_tz, t.completed_at, t.created_at, t.updated_at, t.version, t.skipped_at, fp.id, t.position,
         t.position || '#' || ft.id::text
  FROM fill_tasks ft JOIN tasks t ON t.id = ft.src JOIN fill_projects fp ON fp.src = t.project_id AND fp.copy = ft.copy;
INSERT INTO task_tags (task_id, tag_id, position)
  SELECT ft.id, fg.id, tt.position
  FROM task_tags tt JOIN fill_tasks ft ON ft.src = tt.task_id
  JOIN fill_tags fg ON fg.src = tt.tag_id AND fg.copy = ft.copy;
COMMIT;
VACUUM ANALYZE;
SELECT count(*) AS tasks_in_database FROM tasks;
