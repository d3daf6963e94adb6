/**
 * A doctored MySQL rows archive never steers a restore: the built binary, a real MariaDB, a real
 * rows archive of tenant 3 whose users entry the test rewrites (an INSERT into another table, a
 * row of another tenant, a second statement, a subquery; or its plan), with every checksum recomputed so
 * verify levels 1 and 2 pass and only the restore's own statement checks stand in the way. The
 * restore must refuse (exit 5) and leave the whole database, every tenant and table, unchanged.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ROOT, runCli } from '../helpers/cli.js';
import { doctorArchive, packed, plainOf } from '../helpers/doctor-archive.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';
import type { PlannedTable, RowsPlan } from '../../src/sources/rows/plan.js';
import { createMysqlDb, dropMysqlDb, mysqlDigests, mysqlLoadFile, mysqlQuery, mysqlUrl } from '../helpers/mysql.js';

const FIXTURE = path.join(ROOT, 'test/fixtures/mysql-saas.sql');
const USERS = 'INSERT INTO `users` (`id`,`org_id`,`department_id`,`email`,`role`,`created_at`) VALUES ';

let work: { dir: string; cleanup(): Promise<void> };
let db = '';
beforeEach(async () => {
  work = await tempDir('orgbackup-mysql-doctored-');
  db = await createMysqlDb('ob_doctored');
  await mysqlLoadFile(db, FIXTURE);
});
afterEach(async () => {
  await dropMysqlDb(db);
  await work.cleanup();
});

/** What each doctored archive adds to tenant 3's users entry, and how many users rows that is. */
const CASES: { what: string; line?: string; users: number; plan?: (users: PlannedTable) => void }[] = [
  { what: 'an INSERT into a table outside the plan', line: "INSERT INTO `countries` (`code`,`name`) VALUES ('XX','Doctored');", users: 0 },
  { what: 'an INSERT into another planned table', line: "INSERT INTO `departments` (`id`,`org_id`,`name`) VALUES (99001,4,'doctored');", users: 0 },
  { what: 'a row of another tenant', line: `${USERS}(99002,4,NULL,'intruder@example.org','admin','2026-01-01 00:00:00.000000');`, users: 1 },
  { what: 'a second statement after the INSERT', line: `${USERS}(99003,3,NULL,'x@example.org','admin','2026-01-01 00:00:00.000000');UPDATE organizations SET name = 'doctored'`, users: 1 },
  { what: 'a subquery as a value', line: `${USERS}(99004,(SELECT 4),NULL,'y@example.org','admin','2026-01-01 00:00:00.000000');`, users: 1 },
  // The plan decides what is deleted: users "of tenant 3" by department_id are another tenant's users.
  { what: 'a plan that filters users by another column', users: 0, plan: (users) => (users.filterColumn = 'department_id') },
];

describe('mysql rows restore of a doctored archive', () => {
  it.each(CASES)('refuses $what, and changes nothing', async ({ line, users, plan }) => {
    const config = await writeConfig(work.dir, {
      version: 1,
      sources: { app: { type: 'mysql', url: mysqlUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations ORDER BY id' } } },
      storage: { local: { type: 'local', path: './backups' } },
    });
    const created = await runCli(['-c', config, '--json', 'create', '--source', 'app', '--tenant', '3']);
    expect(created.exitCode, created.stderr).toBe(0);
    const id = (created.json.archives[0] as { id: string }).id;
    let checksum = '';
    const doctored = await doctorArchive(
      path.join(work.dir, 'backups'),
      id,
      // Row count and checksum follow the rewrite, so verify levels 1 and 2 pass.
      (manifest) => {
        const table = manifest.tables.find((t) => t.name === 'users')!;
        table.rows += users;
        if (checksum) table.checksum = checksum;
        if (plan) plan((manifest.details as { plan: RowsPlan }).plan.tables.find((t) => t.name === 'users')!);
      },
      (name, data) => {
        if (!line || !name.startsWith('rows/users.sql')) return data;
        const text = plainOf(name, data)
          .toString('utf8')
          .replace(/^-- Dump completed: (\d+) rows/m, (_, n: string) => `${line}\n-- Dump completed: ${Number(n) + users} rows`);
        checksum = createHash('sha256').update(text).digest('hex');
        return packed(name, Buffer.from(text));
      },
    );
    const verified = await runCli(['-c', config, '--json', 'verify', doctored]);
    expect(verified.exitCode, verified.stdout).toBe(0);

    // Tenant 3 differs from its archive, so a restore that went through would change it too.
    await mysqlQuery(db, "UPDATE users SET email = 'changed@example.org' WHERE org_id = 3");
    const before = await mysqlDigests(db);
    const restored = await runCli(['-c', config, '--json', 'restore', doctored, '--yes', '--no-safety-backup']);
    expect(restored.exitCode, restored.stderr).toBe(5);
    expect(restored.stderr).toMatch(plan ? /plan .* does not fit the target for users/ : /rows\/users\.sql/);
    expect(restored.stderr).toMatch(/unchanged/);
    expect(await mysqlDigests(db)).toEqual(before);
  });
});
