-- One small tenant database of the SQLite example (a project tracker). Regenerate the bundled
-- files with:  for t in acme globex initech; do sqlite3 tenants/$t.sqlite < seed.sql; done
CREATE TABLE IF NOT EXISTS projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE IF NOT EXISTS tasks (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
  attachment BLOB
);
CREATE INDEX IF NOT EXISTS tasks_project ON tasks(project_id);
CREATE VIEW IF NOT EXISTS open_tasks AS SELECT t.id, p.name AS project, t.title FROM tasks t JOIN projects p ON p.id = t.project_id WHERE NOT t.done;
INSERT INTO projects (name) VALUES ('Website relaunch'), ('Quarterly report'), ('Office move');
INSERT INTO tasks (project_id, title, done, attachment)
  SELECT 1 + (value % 3), 'Task ' || value, value % 2, randomblob(16) FROM generate_series(1, 40);
