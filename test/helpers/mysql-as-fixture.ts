/**
 * The MariaDB fixture of `restore --as` (restore-rows-as-mysql and the remote-storage suite):
 * tenants 1..3 with a self-reference, a composite foreign key including the tenant column, a
 * child without the tenant column, a reference to another tenant's project, and a table whose key
 * has no AUTO_INCREMENT (licenses, refused by --as, hence ONLY). withoutKeys reads one org's rows
 * without their keys, references followed within the org, so a clone compares equal to its source.
 */
import { mysqlQuery } from './mysql.js';

export const DDL = `CREATE TABLE organizations (id int PRIMARY KEY, slug varchar(40) NOT NULL UNIQUE);
  CREATE TABLE departments (id int AUTO_INCREMENT PRIMARY KEY, org_id int NOT NULL, parent_id int NULL, name varchar(40),
    FOREIGN KEY (org_id) REFERENCES organizations (id), FOREIGN KEY (parent_id) REFERENCES departments (id));
  CREATE TABLE projects (id int AUTO_INCREMENT PRIMARY KEY, org_id int NOT NULL, department_id int NULL, partner_id int NULL, name varchar(40),
    FOREIGN KEY (org_id) REFERENCES organizations (id), FOREIGN KEY (department_id) REFERENCES departments (id), FOREIGN KEY (partner_id) REFERENCES projects (id));
  CREATE TABLE project_tags (org_id int NOT NULL, project_id int NOT NULL, tag varchar(20) NOT NULL, PRIMARY KEY (org_id, project_id, tag),
    FOREIGN KEY (org_id) REFERENCES organizations (id), FOREIGN KEY (project_id) REFERENCES projects (id));
  CREATE TABLE tag_votes (id int AUTO_INCREMENT PRIMARY KEY, org_id int NOT NULL, project_id int NOT NULL, tag varchar(20) NOT NULL,
    FOREIGN KEY (org_id, project_id, tag) REFERENCES project_tags (org_id, project_id, tag));
  CREATE TABLE tasks (id int AUTO_INCREMENT PRIMARY KEY, project_id int NOT NULL, title varchar(40), FOREIGN KEY (project_id) REFERENCES projects (id));
  CREATE TABLE licenses (id int PRIMARY KEY, org_id int NOT NULL, seat varchar(20), FOREIGN KEY (org_id) REFERENCES organizations (id));`;

export const DATA = `INSERT INTO organizations VALUES (1, 'one'), (2, 'two'), (3, 'three');
  INSERT INTO departments (org_id, parent_id, name) VALUES (1, NULL, 'd1'), (2, NULL, 'd2'), (2, 2, 'd3'), (3, NULL, 'd4');
  INSERT INTO projects (org_id, department_id, partner_id, name) VALUES (1, 1, NULL, 'p1'), (2, 3, NULL, 'p2'), (3, 4, NULL, 'p3'), (2, 2, 3, 'p4'), (2, 3, 2, 'p5');
  INSERT INTO project_tags VALUES (2, 2, 'a'), (2, 4, 'b'), (1, 1, 'a'), (2, 5, 'a');
  INSERT INTO tag_votes (org_id, project_id, tag) VALUES (2, 2, 'a'), (2, 4, 'b'), (1, 1, 'a'), (2, 2, 'a');
  INSERT INTO tasks (project_id, title) VALUES (2, 't2'), (4, 't4'), (1, 't1'), (5, 't5');
  INSERT INTO licenses VALUES (10, 1, 'x'), (20, 2, 'y');`;

export const ONLY = ['--only', 'organizations,departments,projects,project_tags,tag_votes,tasks'];

/** One org's rows without their keys, references followed within the org (a reference left at tenant 2 reads as NULL). */
export async function withoutKeys(db: string, org: number): Promise<Record<string, unknown[]>> {
  const queries: Record<string, string> = {
    organizations: `SELECT slug FROM organizations WHERE id = ${org}`,
    departments: `SELECT d.name, p.name AS parent FROM departments d LEFT JOIN departments p ON p.id = d.parent_id AND p.org_id = d.org_id WHERE d.org_id = ${org}`,
    projects: `SELECT p.name, d.name AS dept, CASE WHEN x.org_id = p.org_id THEN CONCAT('inside ', x.name) WHEN x.id IS NOT NULL THEN CONCAT('outside ', x.id, ' of ', x.org_id) END AS partner
                 FROM projects p LEFT JOIN departments d ON d.id = p.department_id AND d.org_id = p.org_id LEFT JOIN projects x ON x.id = p.partner_id WHERE p.org_id = ${org}`,
    project_tags: `SELECT p.name, t.tag FROM project_tags t LEFT JOIN projects p ON p.id = t.project_id AND p.org_id = t.org_id WHERE t.org_id = ${org}`,
    tag_votes: `SELECT p.name, v.tag, t.tag AS tagged FROM tag_votes v LEFT JOIN projects p ON p.id = v.project_id AND p.org_id = v.org_id
                  LEFT JOIN project_tags t ON t.org_id = v.org_id AND t.project_id = v.project_id AND t.tag = v.tag WHERE v.org_id = ${org}`,
    tasks: `SELECT t.title, p.name FROM tasks t JOIN projects p ON p.id = t.project_id WHERE p.org_id = ${org}`,
  };
  const out: Record<string, unknown[]> = {};
  for (const [table, sql] of Object.entries(queries)) {
    const rows = (await mysqlQuery(db, sql)).map((r) => ({ ...r }));
    out[table] = rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return out;
}

export const DROP_CLONE = `DELETE t FROM tasks t JOIN projects p ON p.id = t.project_id WHERE p.org_id = 99; DELETE FROM tag_votes WHERE org_id = 99;
  DELETE FROM project_tags WHERE org_id = 99; UPDATE projects SET partner_id = NULL WHERE org_id = 99; DELETE FROM projects WHERE org_id = 99;
  UPDATE departments SET parent_id = NULL WHERE org_id = 99; DELETE FROM departments WHERE org_id = 99; DELETE FROM organizations WHERE id = 99;`;
