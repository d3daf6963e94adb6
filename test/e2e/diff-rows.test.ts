/**
 * diff of rows archives through the built binary, on PostgreSQL and MySQL/MariaDB: two archives
 * of a tenant, and an archive against the tenant's live rows, after updates, deletes and inserts
 * (another tenant's changes never count); a child table without the tenant column; a table
 * without a primary key compared as whole rows (a changed row = one removed + one added).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cleanupsAfterAll } from '../helpers/restore-fixtures.js';
import { mysqlEngine, postgresEngine } from '../helpers/rows-engines.js';
import { diffFixture, expectArchivesDiff, expectLiveDiff, type DiffFixture } from '../helpers/rows-diff.js';
import { localStorage } from '../helpers/storages-under-test.js';

const later = cleanupsAfterAll();

describe.each([postgresEngine, mysqlEngine])('diff ($name rows mode)', (engine) => {
  let fixture: DiffFixture;

  beforeAll(async () => {
    fixture = await diffFixture(engine, localStorage, later);
  });

  it('counts rows added, removed and changed between two archives, by primary key', async () => {
    await expectArchivesDiff(fixture);
  });

  it('compares a table without a primary key as whole rows: a changed row is one removed and one added', async () => {
    const t = await expectArchivesDiff(fixture);
    expect(t.logs).toMatchObject({ keyed: false, added: 1, removed: 1, changed: 0, unchanged: 2, samples: { added: [], removed: [], changed: [] } });
  });

  it('compares an archive with the live rows, and the newest archive with unchanged live rows as identical', async () => {
    await expectLiveDiff(fixture);
  });

  it('prints a table and sample keys as text, and refuses without a second side', async () => {
    const { config, first, second } = fixture;
    const res = await runCli(['-c', config, 'diff', first, second]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/items\s+1\s+1\s+1\s+2/);
    expect(res.stdout).toContain('items changed: 2');
    expect(res.stdout).toContain('3 added, 2 removed, 1 changed');
    const none = await runCli(['-c', config, 'diff', first]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('--live');
  });
});
