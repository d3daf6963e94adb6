-- The walkthrough's database: three organizations and their projects and tasks (README "First ten minutes").
CREATE TABLE organizations (id int PRIMARY KEY, slug text NOT NULL UNIQUE);
CREATE TABLE projects (id serial PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, name text NOT NULL);
CREATE TABLE tasks (id serial PRIMARY KEY, org_id int NOT NULL REFERENCES organizations,
  project_id int NOT NULL REFERENCES projects, title text NOT NULL, done boolean NOT NULL DEFAULT false);
INSERT INTO organizations VALUES (1, 'acme'), (2, 'globex'), (3, 'initech');
INSERT INTO projects (org_id, name) SELECT o.id, o.slug || ' project ' || n FROM organizations o, generate_series(1, 3) n;
INSERT INTO tasks (org_id, project_id, title, done)
  SELECT p.org_id, p.id, p.name || ' task ' || n, n % 3 = 0 FROM projects p, generate_series(1, 20) n;
