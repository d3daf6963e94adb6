/**
 * How each table is tied to the tenant in rows mode, through the built binary: preflight, create
 * --dry-run (text and --json) and create -v show table -> foreign key -> ... -> tenant column, the
 * tie between equally short NOT NULL keys broken by constraint name; `tenants.paths` chooses
 * another key (and so which tenant a row belongs to); a wrong entry names its key.
 * Pagila's shape: a payment by a store-1 customer taken by a store-2 clerk.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createDb, dropDb, psql } from '../helpers/pg.js';
import { createMysqlDb, dropMysqlDb, mysqlExec, mysqlUrl } from '../helpers/mysql.js';
import { configWith, pgSource } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const TENANTS = { mode: 'rows', column: 'store_id', query: 'SELECT store_id AS id FROM store ORDER BY 1' };
const SQL = `
  CREATE TABLE store (store_id int PRIMARY KEY, name text NOT NULL);
  CREATE TABLE customer (customer_id int PRIMARY KEY, store_id int NOT NULL REFERENCES store);
  CREATE TABLE staff (staff_id int PRIMARY KEY, store_id int NOT NULL REFERENCES store);
  CREATE TABLE payment (payment_id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customer, staff_id int NOT NULL REFERENCES staff, amount numeric NOT NULL);
  INSERT INTO store VALUES (1, 'one'), (2, 'two');
  INSERT INTO customer VALUES (10, 1), (20, 2);
  INSERT INTO staff VALUES (100, 1), (200, 2);
  INSERT INTO payment VALUES (1, 10, 100, 1.5), (2, 10, 200, 2.5), (3, 20, 200, 3.5);`;

async function pgFixture(): Promise<{ db: string; dir: string }> {
  const db = await createDb('rpaths');
  cleanups.push(() => dropDb(db));
  await psql(db, { sql: SQL });
  const tmp = await tempDir();
  cleanups.push(() => tmp.cleanup());
  return { db, dir: tmp.dir };
}

type Check = { id: string; status: string; message: string };
const pathCheck = (checks: Check[], table: string) => checks.find((c) => c.id === `source.app.rows-path.${table}`);

describe('rows tenant paths (PostgreSQL)', () => {
  it('preflight, create --dry-run and create -v show each path and the tie; tenants.paths moves the payment to the clerk’s store', async () => {
    const { db, dir } = await pgFixture();
    const config = await configWith(dir, pgSource(db, TENANTS));
    const tie = 'public.payment -> customer_id -> public.customer.store_id (tie with payment_staff_id_fkey, broken by constraint name)';

    const preflight = await runCli(['-c', config, '--json', 'preflight', '--for', 'create']);
    expect(preflight.exitCode, preflight.stderr).toBe(0);
    const checks = preflight.json.checks as Check[];
    expect(pathCheck(checks, 'public.payment')).toMatchObject({ status: 'pass', message: `tenant path: ${tie}` });
    expect(pathCheck(checks, 'public.customer')?.message).toBe('tenant path: public.customer.store_id');

    const dry = await runCli(['-c', config, '--json', 'create', '--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.json.paths).toContainEqual({ source: 'app', table: 'public.payment', path: tie });
    const dryText = await runCli(['-c', config, 'create', '--dry-run']);
    expect(dryText.stdout).toContain(tie);

    const verbose = await runCli(['-c', config, '-v', 'create', '--tenant', '1']);
    expect(verbose.exitCode, verbose.stderr).toBe(0);
    expect(verbose.stderr).toContain(tie);

    const rowsOf = async (cfg: string, tenant: string) => {
      const list = await runCli(['-c', cfg, '--json', 'create', '--tenant', tenant]);
      expect(list.exitCode, list.stderr).toBe(0);
      const id = (list.json.archives as { id: string }[])[0]!.id;
      const show = await runCli(['-c', cfg, '--json', 'restore', id, '--dry-run', '--yes']);
      expect(show.exitCode, show.stderr).toBe(0);
      return { id, rows: (show.json.tables as { name: string; rows: number }[]).find((t) => t.name === 'public.payment')?.rows };
    };
    expect((await rowsOf(config, '1')).rows).toBe(2);

    const chosenDir = await tempDir();
    cleanups.push(() => chosenDir.cleanup());
    const chosen = await configWith(chosenDir.dir, pgSource(db, { ...TENANTS, paths: { payment: 'staff_id' } }));
    const chosenPreflight = await runCli(['-c', chosen, '--json', 'preflight', '--for', 'create']);
    expect(pathCheck(chosenPreflight.json.checks as Check[], 'public.payment')?.message).toBe('tenant path: public.payment -> staff_id -> public.staff.store_id');
    const one = await rowsOf(chosen, '1');
    expect(one.rows).toBe(1);
    expect((await rowsOf(chosen, '2')).rows).toBe(2);
    // Store 2's payment 2 now references store 1's customer 10: an outside reference (another
    // change records those); store 1's archive has none and passes its restore test.
    const verify = await runCli(['-c', chosen, '--json', 'verify', one.id, '--restore-test']);
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
  });

  it.each([
    [{ invoices: 'customer_id' }, 'tenants.paths.invoices: the table is not a table of the source'],
    [{ payment: 'shop_id' }, 'tenants.paths.payment: public.payment has no foreign key named or over shop_id'],
  ])('a wrong tenants.paths %j: preflight fails and create --dry-run exits 2, naming the key', async (paths, message) => {
    const { db, dir } = await pgFixture();
    const config = await configWith(dir, pgSource(db, { ...TENANTS, paths }));
    const preflight = await runCli(['-c', config, '--json', 'preflight', '--for', 'create']);
    expect(preflight.exitCode).toBe(4);
    expect((preflight.json.checks as Check[]).find((c) => c.id === 'source.app.rows-plan')).toMatchObject({ status: 'fail', message });
    const dry = await runCli(['-c', config, 'create', '--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(2);
    expect(dry.stderr).toContain(message);
  });
});

describe('rows tenant paths (MySQL/MariaDB)', () => {
  it('preflight shows the path, and tenants.paths chooses it', async () => {
    const db = await createMysqlDb('rpaths');
    cleanups.push(() => dropMysqlDb(db));
    await mysqlExec(
      db,
      SQL.replaceAll('REFERENCES store', 'REFERENCES store(store_id)')
        .replaceAll('REFERENCES customer', 'REFERENCES customer(customer_id)')
        .replaceAll('REFERENCES staff', 'REFERENCES staff(staff_id)')
        .replaceAll(' text', ' varchar(20)'),
    );
    const tmp = await tempDir();
    cleanups.push(() => tmp.cleanup());
    const source = (paths?: Record<string, string>) => ({ type: 'mysql', url: mysqlUrl(db), tenants: { ...TENANTS, ...(paths ? { paths } : {}) } });
    const preflight = await runCli(['-c', await configWith(tmp.dir, source()), '--json', 'preflight', '--for', 'create']);
    expect(preflight.exitCode, preflight.stdout).toBe(0);
    const message = pathCheck(preflight.json.checks as Check[], `${db}.payment`)?.message;
    expect(message).toMatch(new RegExp(`^tenant path: ${db}\\.payment -> customer_id -> ${db}\\.customer\\.store_id \\(tie with \\S+, broken by constraint name\\)$`));
    const chosen = await runCli(['-c', await configWith(tmp.dir, source({ payment: 'staff_id' })), '--json', 'preflight', '--for', 'create']);
    expect(pathCheck(chosen.json.checks as Check[], `${db}.payment`)?.message).toBe(`tenant path: ${db}.payment -> staff_id -> ${db}.staff.store_id`);
  });
});
