/**
 * The fixtures the restore and restore-test suites share: the file's cleanups, its work
 * directories, and the small seeded databases several suites back up, restore and restore-test.
 * Each database is `<prefix>_<unique>` and dropped after the file's tests.
 */
import { afterAll } from 'vitest';
import { createMysqlDb, dropMysqlDb, mysqlExec } from './mysql.js';
import { createDb, dropDb, psql } from './pg.js';
import { tempDir } from './tmp.js';

/** Registers a cleanup to run after the file's tests; `last`: after every other one. */
export type Later = (cleanup: () => Promise<unknown>, options?: { last?: boolean }) => void;

/**
 * Call once at the top of a test file: the cleanups it is given run after the file's tests,
 * newest first (a database before the directory its config is in), each whatever the others did.
 * A role goes `last`, after the databases its restores created, which it owns.
 */
export function cleanupsAfterAll(): Later {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });
  return (cleanup, options) => void (options?.last ? cleanups.unshift(cleanup) : cleanups.push(cleanup));
}

/** A fresh directory, removed after the file's tests. */
export async function workDir(later: Later): Promise<string> {
  const tmp = await tempDir();
  later(() => tmp.cleanup());
  return tmp.dir;
}

/** PostgreSQL: `orgs` 1..orgs and `users` 1..users spread over them (user g belongs to org 1 + g % orgs). */
export async function pgOrgsUsers(later: Later, prefix: string, size: { orgs: number; users: number }): Promise<string> {
  const db = await createDb(prefix);
  later(() => dropDb(db));
  await psql(db, {
    sql: `CREATE TABLE orgs (id int PRIMARY KEY, name text NOT NULL);
          CREATE TABLE users (id serial PRIMARY KEY, org_id int REFERENCES orgs, email text);
          INSERT INTO orgs SELECT g, 'org ' || g FROM generate_series(1, ${size.orgs}) g;
          INSERT INTO users (org_id, email) SELECT 1 + g % ${size.orgs}, 'u' || g || '@example.com' FROM generate_series(1, ${size.users}) g;`,
  });
  return db;
}

/** PostgreSQL schema mode: one tenant schema, tenant_acme, with 12 projects and 50 tasks. */
export async function pgTenantSchema(later: Later, prefix: string): Promise<string> {
  const db = await createDb(prefix);
  later(() => dropDb(db));
  await psql(db, {
    sql: `CREATE SCHEMA tenant_acme;
          CREATE TABLE tenant_acme.projects (id serial PRIMARY KEY, name text);
          CREATE TABLE tenant_acme.tasks (id serial PRIMARY KEY, project_id int REFERENCES tenant_acme.projects, title text);
          INSERT INTO tenant_acme.projects (name) SELECT 'p' || g FROM generate_series(1, 12) g;
          INSERT INTO tenant_acme.tasks (project_id, title) SELECT 1 + g % 12, 't' || g FROM generate_series(1, 50) g;`,
  });
  return db;
}

/** The tenants setting of a pgTenantSchema source. */
export const TENANT_SCHEMAS = { mode: 'schema', match: 'tenant\\_%' };

/** MySQL/MariaDB: `orgs` acme (1) and globex (2), and five `users`, two of acme's and three of globex's. */
export async function mysqlOrgsUsers(later: Later, prefix: string): Promise<string> {
  const db = await createMysqlDb(prefix);
  later(() => dropMysqlDb(db));
  await mysqlExec(
    db,
    `CREATE TABLE orgs (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL);
     CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, org_id INT NOT NULL, email VARCHAR(100), FOREIGN KEY (org_id) REFERENCES orgs (id));
     INSERT INTO orgs VALUES (1, 'acme'), (2, 'globex');
     INSERT INTO users (org_id, email) VALUES (1, 'a@x'), (1, 'b@x'), (2, 'c@x'), (2, 'd@x'), (2, 'e@x');`,
  );
  return db;
}
