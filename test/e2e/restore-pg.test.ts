/**
 * Restoring PostgreSQL tenants (mode database, and the whole Pagila database with --target)
 * through the built binary: dry run changes nothing, confirmation by tenant id on a terminal and
 * --yes without one, the safety backup and its rollback, a restore failing mid-way leaves the
 * target exactly as it was, partitioned tables' keys replaced in place, schema differences refused
 * without --force, --target clones leave the source untouched, and the password never shows in any output.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { DATASETS_SKIP_REASON, dataset, hasDatasets } from '../helpers/datasets.js';
import { createDb, createPasswordRole, dropDb, pgQuery, pgUrl, psql, tableDigests } from '../helpers/pg.js';
import { cleanupsAfterAll, pgOrgsUsers, workDir } from '../helpers/restore-fixtures.js';
import { configWith, createArchives, pgSource } from '../helpers/restore.js';
import { tempDir, uniqueName } from '../helpers/tmp.js';
import { runOnTty } from '../helpers/tty.js';

const later = cleanupsAfterAll();

/** A tenant database `<prefix>_<unique>` with two related tables. */
function tenantDb(prefix: string): Promise<string> {
  return pgOrgsUsers(later, prefix, { orgs: 20, users: 200 });
}

/** Deletes, edits and adds rows: the state a restore must undo. */
async function scribble(db: string): Promise<void> {
  await psql(db, { sql: `DELETE FROM users WHERE id <= 30; UPDATE users SET email = 'changed' WHERE id BETWEEN 31 AND 60; INSERT INTO orgs VALUES (99, 'new org');` });
}

async function work(tenantPrefix: string, password?: string): Promise<{ dir: string; config: string }> {
  const dir = await workDir(later);
  // With a password, a role that must log in with it (scram-sha-256 on the suite's server),
  // dropped last: the databases its restores create are its own.
  const role = password ? await createPasswordRole(password) : undefined;
  if (role) later(() => role.drop(), { last: true });
  const config = await configWith(dir, pgSource('postgres', { mode: 'database', match: `${tenantPrefix}%` }, password, role?.user));
  return { dir, config };
}

function expectNoSecret(results: CliResult[], secret: string): void {
  for (const r of results) {
    expect(r.stdout).not.toContain(secret);
    expect(r.stderr).not.toContain(secret);
  }
}

describe('restore, PostgreSQL database mode', () => {
  it('plans, asks for the tenant id, restores, and rolls back to the safety backup; the password never shows', async () => {
    const prefix = uniqueName('rte');
    const db = await tenantDb(prefix);
    const password = `pw-${randomBytes(6).toString('hex')}`;
    const { config } = await work(prefix, password);
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', db]);
    const archived = await tableDigests(db);
    await scribble(db);
    const scribbled = await tableDigests(db);
    const outputs: CliResult[] = [];

    const dry = await runCli(['-c', config, '--json', 'restore', id!, '--dry-run']);
    outputs.push(dry);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.json.plan[0]).toContain(`replace the contents of database ${db}`);
    expect(dry.json.changes).toContainEqual({ table: 'public.users', current: 170, restored: 200 });
    expect(dry.json.schema.status).toBe('match');
    const text = await runCli(['-c', config, 'restore', id!, '--dry-run']);
    outputs.push(text);
    expect(text.stdout).toMatch(/public\.users\s+170\s+200/);
    expect(await tableDigests(db)).toEqual(scribbled);

    const noTty = await runCli(['-c', config, 'restore', id!]);
    outputs.push(noTty);
    expect(noTty.exitCode).toBe(2);
    expect(noTty.stderr).toContain('--yes');

    const wrong = await runOnTty(['-c', config, 'restore', id!], 'Type the tenant id', 'not-the-tenant');
    expect(wrong).toMatchObject({ prompted: true, exitCode: 2 });
    expect(wrong.output).toContain('restore cancelled');
    expect(await tableDigests(db)).toEqual(scribbled);

    const right = await runOnTty(['-c', config, 'restore', id!], 'Type the tenant id', db);
    expect(right.exitCode, right.output).toBe(0);
    expect(right.output).toContain(`Restore ${id}`);
    expect(await tableDigests(db)).toEqual(archived);
    const rollback = /to roll back:\s+orgbackup (.+?)\s*$/m.exec(right.output)?.[1];
    expect(rollback).toContain('--no-safety-backup --yes');
    expect(right.output).not.toContain(password);

    const back = await runCli(['--json', ...rollback!.split(' ')]);
    outputs.push(back);
    expect(back.exitCode, back.stderr).toBe(0);
    expect(await tableDigests(db)).toEqual(scribbled);

    const listed = await runCli(['-c', config, '--json', 'list', '--long']);
    outputs.push(listed);
    expect(JSON.stringify(listed.json)).toContain('pre-restore');
    expectNoSecret(outputs, password);
  });

  it('leaves the target exactly as it was when the restore fails mid-way', async () => {
    const prefix = uniqueName('rtf');
    const db = await tenantDb(prefix);
    const role = uniqueName('rtowner');
    await pgQuery('postgres', `CREATE ROLE ${role}`);
    later(() => pgQuery('postgres', `DROP ROLE IF EXISTS ${role}`));
    await pgQuery(db, `ALTER TABLE users OWNER TO ${role}`);
    const { config } = await work(prefix);
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', db]);
    // pg_restore drops and recreates the tables, then stops at ALTER TABLE ... OWNER TO <gone role>.
    await pgQuery(db, `REASSIGN OWNED BY ${role} TO postgres`);
    await pgQuery('postgres', `DROP ROLE ${role}`);
    await scribble(db);
    const before = await tableDigests(db);

    const res = await runCli(['-c', config, 'restore', id!, '--yes']);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain(role);
    expect(res.stderr).toMatch(/safety backup \S+ holds what was there before/);
    expect(await tableDigests(db)).toEqual(before);
  });

  it('replaces a database with partitioned tables in place: keys, unique, foreign keys and sub-partitions', async () => {
    const prefix = uniqueName('rtp');
    const db = await tenantDb(prefix);
    // pg_restore --clean drops a partition's inherited keys before its parent's: the server refuses.
    await psql(db, {
      sql: `CREATE TABLE events (org_id int, id int, at date, note text, PRIMARY KEY (org_id, id, at), UNIQUE (id, at, org_id)) PARTITION BY RANGE (at);
            CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY LIST (org_id);
            CREATE TABLE events_2025_low PARTITION OF events_2025 FOR VALUES IN (1, 2, 3);
            CREATE TABLE events_2025_rest PARTITION OF events_2025 DEFAULT;
            CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
            CREATE TABLE event_links (id int PRIMARY KEY, org_id int, event_id int, at date, FOREIGN KEY (org_id, event_id, at) REFERENCES events);
            CREATE INDEX ON events (note);
            INSERT INTO events SELECT 1 + g % 20, g, date '2025-06-01' + g, 'e' || g FROM generate_series(1, 400) g;
            INSERT INTO event_links SELECT g, 1 + g % 20, g, date '2025-06-01' + g FROM generate_series(1, 50) g;`,
    });
    const { config } = await work(prefix);
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', db]);
    const archived = await tableDigests(db);
    await scribble(db);
    await psql(db, { sql: `DELETE FROM event_links WHERE id > 40; DELETE FROM events WHERE id > 300; UPDATE events SET note = 'changed' WHERE id < 100;` });

    const res = await runCli(['-c', config, 'restore', id!, '--yes']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await tableDigests(db)).toEqual(archived);
    const keys = await pgQuery<{ n: string }>(db, `SELECT count(*) AS n FROM pg_constraint WHERE conrelid::regclass::text LIKE 'events%' AND contype IN ('p', 'u')`);
    expect(keys[0]?.n).toBe('10');
  });

  it('replaces partitioned tables with non-ASCII names in place in a LATIN1 database', async () => {
    const prefix = uniqueName('rtpl');
    const db = `${prefix}_latin1`;
    await pgQuery('postgres', `CREATE DATABASE "${db}" TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'`);
    later(() => dropDb(db));
    // The script is in LATIN1: the inherited keys' drops are matched in the database's own bytes.
    await pgQuery(
      db,
      `CREATE TABLE "événements" (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
                       CREATE TABLE "événements_été" PARTITION OF "événements" FOR VALUES FROM ('2025-06-01') TO ('2025-09-01');
                       INSERT INTO "événements" SELECT g, date '2025-06-01' + g FROM generate_series(1, 80) g;`,
    );
    const { config } = await work(prefix);
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', db]);
    const archived = await tableDigests(db);
    await pgQuery(db, `DELETE FROM "événements" WHERE id > 40`);

    const res = await runCli(['-c', config, 'restore', id!, '--yes', '--no-safety-backup']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await tableDigests(db)).toEqual(archived);
  });

  it('refuses a target whose schema differs, with the differences, and restores with --force', async () => {
    const prefix = uniqueName('rts');
    const db = await tenantDb(prefix);
    const { config } = await work(prefix);
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', db]);
    const archived = await tableDigests(db);
    await psql(db, { sql: `ALTER TABLE orgs ADD COLUMN note text; ALTER TABLE users ALTER COLUMN email TYPE varchar(200); ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';` });
    const changed = await tableDigests(db);

    const refused = await runCli(['-c', config, 'restore', id!, '--yes', '--no-safety-backup']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('column public.users.email: type text in the archive, character varying(200) in the target');
    expect(refused.stderr).toContain('column public.users.plan (text NOT NULL): only in the target');
    expect(refused.stderr).not.toContain('orgs.note');
    expect(refused.stderr).toContain('--force');
    expect(await tableDigests(db)).toEqual(changed);

    const forced = await runCli(['-c', config, 'restore', id!, '--yes', '--force', '--no-safety-backup']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(await tableDigests(db)).toEqual(archived);
  });

  it.skipIf(!hasDatasets)(
    `clones Pagila with --target, types, triggers and partitions included, leaving the source untouched (${hasDatasets ? 'datasets present' : DATASETS_SKIP_REASON})`,
    async () => {
      const db = await createDb('rtclone');
      later(() => dropDb(db));
      await psql(db, { file: dataset('pagila', 'pagila-schema.sql') });
      await psql(db, { file: dataset('pagila', 'pagila-data.sql') });
      const tmp = await tempDir();
      later(() => tmp.cleanup());
      const config = await configWith(tmp.dir, pgSource(db));
      const [id] = await createArchives(config);
      const source = await tableDigests(db);
      const clone = uniqueName('rtclone_copy');
      later(() => dropDb(clone));

      const res = await runCli(['-c', config, '--json', 'restore', id!, '--target', pgUrl(clone), '--yes']);
      expect(res.exitCode, res.stderr).toBe(0);
      expect(res.json.safetyBackupSkipped).toContain('--target');
      expect(await tableDigests(db)).toEqual(source);
      expect(await tableDigests(clone)).toEqual(source);
      const objects = await pgQuery<{ enums: string; domains: string; triggers: string; partitions: string }>(
        clone,
        `SELECT (SELECT count(*) FROM pg_type WHERE typname = 'mpaa_rating' AND typtype = 'e') AS enums,
              (SELECT count(*) FROM pg_type WHERE typname = 'year' AND typtype = 'd') AS domains,
              (SELECT count(*) FROM pg_trigger WHERE tgname = 'last_updated') AS triggers,
              (SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'payment') AS partitions`,
      );
      expect(objects[0]).toMatchObject({ enums: '1', domains: '1' });
      expect(Number(objects[0]!.triggers)).toBeGreaterThan(10);
      expect(Number(objects[0]!.partitions)).toBeGreaterThanOrEqual(6);

      const again = await runCli(['-c', config, 'restore', id!, '--target', pgUrl(clone), '--yes']);
      expect(again.exitCode).toBe(1);
      expect(again.stderr).toContain('already holds');
    },
  );
});
