/**
 * Restore safety for MySQL/MariaDB through the built binary: the restore gives back the archived
 * rows, the safety backup's rollback gives back what was there before, and a target whose schema
 * moved on is refused without --force and left as it was.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { mysqlExec, mysqlQuery, mysqlUrl } from '../helpers/mysql.js';
import { cleanupsAfterAll, mysqlOrgsUsers, workDir } from '../helpers/restore-fixtures.js';
import { configWith, createArchives } from '../helpers/restore.js';

const later = cleanupsAfterAll();

async function fixture(): Promise<{ db: string; config: string }> {
  const db = await mysqlOrgsUsers(later, 'rtmye');
  return { db, config: await configWith(await workDir(later), { type: 'mysql', url: mysqlUrl(db) }) };
}

async function digest(db: string): Promise<unknown[]> {
  return mysqlQuery(
    db,
    `SELECT (SELECT CONCAT(COUNT(*), ':', MD5(IFNULL(GROUP_CONCAT(CONCAT_WS(',', id, name) ORDER BY id SEPARATOR '|'), ''))) FROM orgs) AS orgs,
            (SELECT CONCAT(COUNT(*), ':', MD5(IFNULL(GROUP_CONCAT(CONCAT_WS(',', id, org_id, email) ORDER BY id SEPARATOR '|'), ''))) FROM users) AS users`,
  );
}

describe('restore, MySQL/MariaDB', () => {
  it('restores the archived rows and rolls back to the safety backup', async () => {
    const { db, config } = await fixture();
    const [id] = await createArchives(config);
    const archived = await digest(db);
    await mysqlExec(db, `DELETE FROM users WHERE id = 1; UPDATE users SET email = 'edited' WHERE id = 2; INSERT INTO users (org_id, email) VALUES (2, 'new');`);
    const edited = await digest(db);

    const res = await runCli(['-c', config, '--json', 'restore', id!, '--yes']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await digest(db)).toEqual(archived);

    const back = await runCli(['--json', ...(res.json.safetyBackup.rollback as string).replace(/^orgbackup /, '').split(' ')]);
    expect(back.exitCode, back.stderr).toBe(0);
    expect(await digest(db)).toEqual(edited);
  });

  it('refuses a target whose schema changed, and leaves it as it was', async () => {
    const { db, config } = await fixture();
    const [id] = await createArchives(config);
    await mysqlExec(db, `ALTER TABLE users MODIFY email VARCHAR(200); INSERT INTO users (org_id, email) VALUES (1, 'after');`);
    const before = await digest(db);
    const res = await runCli(['-c', config, 'restore', id!, '--yes', '--no-safety-backup']);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/column users\.email: type varchar\(100\) in the archive, varchar\(200\) in the target/);
    expect(await digest(db)).toEqual(before);
  });
});
