/**
 * `restore --target` into a database that does not exist, as an account that may not create it:
 * a clear error naming the missing CREATE privilege and the GRANT that fixes it (exit 4), not an
 * internal error with a stack trace; no database is created.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';
import { createMysqlDb, createMysqlUser, dropMysqlDb, mysqlQuery, mysqlUrl, routineReadGrant } from '../helpers/mysql.js';

const PASSWORD = 'create-denied-pw';
let work: { dir: string; cleanup(): Promise<void> };
let db = '';
let account: { user: string; drop(): Promise<void> } | undefined;
beforeEach(async () => {
  work = await tempDir('orgbackup-mysql-create-denied-');
  db = await createMysqlDb('ob_denied');
  await mysqlQuery(db, 'CREATE TABLE t (id INT PRIMARY KEY)');
  await mysqlQuery(db, 'INSERT INTO t VALUES (1), (2)');
});
afterEach(async () => {
  await account?.drop();
  await dropMysqlDb(`${db}_copy`);
  await dropMysqlDb(db);
  await work.cleanup();
});

describe('mysql restore --target a new database without CREATE', () => {
  it('fails with exit 4 naming the privilege and the GRANT, and creates nothing', async () => {
    account = await createMysqlUser(PASSWORD, [`GRANT ALL ON \`${db}\`.* TO %u`, await routineReadGrant()]);
    const config = await writeConfig(work.dir, {
      version: 1,
      sources: { app: { type: 'mysql', url: mysqlUrl(db, account.user), password: '${MYSQL_TEST_PASSWORD}' } },
      storage: { local: { type: 'local', path: './backups' } },
    });
    const env = { MYSQL_TEST_PASSWORD: PASSWORD };
    const created = await runCli(['-c', config, '--json', 'create'], { env });
    expect(created.exitCode, created.stderr).toBe(0);
    const id = (created.json.archives[0] as { id: string }).id;

    const restored = await runCli(['-c', config, 'restore', id, '--target', mysqlUrl(`${db}_copy`, account.user), '--yes'], { env });
    expect(restored.exitCode, restored.stderr).toBe(4);
    expect(restored.stderr).toContain(`lacks the CREATE privilege to create it`);
    expect(restored.stderr).toContain(`GRANT ALL ON \`${db}_copy\`.* TO '${account.user}'@`);
    expect(restored.stderr).not.toMatch(/internal error|\n {4}at /);
    expect(await mysqlQuery(undefined, 'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [`${db}_copy`])).toEqual([]);
  });
});
