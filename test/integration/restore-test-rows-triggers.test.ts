/**
 * verify --restore-test of a PostgreSQL rows archive whose schema has triggers that fill a shared
 * table: inserts into the shared `products` and into the tenant's `tasks` each write a row into
 * the shared `audit_log`. The scratch database gets the shared rows before any trigger exists, and
 * the tenant's rows are loaded with the triggers off, so the check passes on an intact archive
 * (it used to fail with a duplicate key in audit_log), and the scratch database is dropped.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createDb, dropDb, psql } from '../helpers/pg.js';
import { cleanupsAfterAll, workDir } from '../helpers/restore-fixtures.js';
import { configWith, createArchives, pgSource, scratchDatabasesOf, verifyJson } from '../helpers/restore.js';

const later = cleanupsAfterAll();

const SCHEMA = `
  CREATE TABLE audit_log (id serial PRIMARY KEY, tbl text NOT NULL, row_id int NOT NULL);
  CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO public.audit_log (tbl, row_id) VALUES (TG_TABLE_NAME, NEW.id); RETURN NULL; END $$;
  CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL);
  CREATE TRIGGER products_audit AFTER INSERT ON products FOR EACH ROW EXECUTE FUNCTION audit();
  CREATE TABLE organizations (id int PRIMARY KEY, slug text NOT NULL);
  CREATE TABLE tasks (id serial PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, product_id int REFERENCES products, title text);
  CREATE TRIGGER tasks_audit AFTER INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION audit();
  INSERT INTO products SELECT g, 'product ' || g FROM generate_series(1, 5) g;
  INSERT INTO organizations SELECT g, 'org' || g FROM generate_series(1, 3) g;
  INSERT INTO tasks (org_id, product_id, title) SELECT 1 + g % 3, 1 + g % 5, 't' || g FROM generate_series(1, 30) g;`;

describe('verify --restore-test, PostgreSQL rows mode, triggers that fill shared tables', () => {
  it('passes on an intact archive and drops its scratch database', async () => {
    const db = await createDb('rttrig');
    later(() => dropDb(db));
    await psql(db, { sql: SCHEMA });
    const dir = await workDir(later);
    const config = await configWith(dir, pgSource(db, { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' }));
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', '2']);

    const res = await runCli(['-c', config, '--json', 'verify', id!, '--restore-test']);
    const [item] = verifyJson(res);
    expect(item!.error, res.stderr).toBeUndefined();
    expect(res.exitCode).toBe(0);
    expect(item!.levels).toEqual([1, 2, 3]);
    expect(item!.restoreTest!.rows).toBe(11);
    expect(await scratchDatabasesOf(db)).toEqual([]);
  });
});
