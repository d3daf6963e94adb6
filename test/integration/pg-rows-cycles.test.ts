/**
 * Rows mode with tables that reference each other: a DEFERRABLE cycle loads into an empty copy of
 * the schema (constraints checked at COMMIT); a non-deferrable one fails with a hint naming the
 * cycle and leaves the target unchanged. Also a self-referencing table and an identity column.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, dropDb, pgQuery, pgUrl, tableDigests } from '../helpers/pg.js';
import { tempDir } from '../helpers/tmp.js';
import { backupOne, cli, queryDigests, rowsConfig, schemaOnlyCopy } from '../helpers/tenants.js';

const schema = (deferrable: boolean) => `
  CREATE TABLE organizations (id int PRIMARY KEY, name text NOT NULL);
  CREATE TABLE teams (id int PRIMARY KEY, org_id int NOT NULL REFERENCES organizations(id), lead_id int, parent_id int REFERENCES teams(id));
  CREATE TABLE members (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, org_id int NOT NULL REFERENCES organizations(id), team_id int NOT NULL REFERENCES teams(id) ${deferrable ? 'DEFERRABLE' : ''});
  ALTER TABLE teams ADD FOREIGN KEY (lead_id) REFERENCES members(id) ${deferrable ? 'DEFERRABLE' : ''};
  INSERT INTO organizations VALUES (1, 'one'), (2, 'two');
  INSERT INTO teams VALUES (10, 1, NULL, NULL), (11, 1, NULL, 10), (20, 2, NULL, NULL);
  INSERT INTO members (org_id, team_id) VALUES (1, 10), (1, 11), (2, 20), (1, 11);
  UPDATE teams SET lead_id = (SELECT min(id) FROM members m WHERE m.team_id = teams.id);`;

const orgQueries = (org: number) => ({
  organizations: `SELECT * FROM organizations WHERE id = ${org}`,
  teams: `SELECT * FROM teams WHERE org_id = ${org}`,
  members: `SELECT * FROM members WHERE org_id = ${org}`,
});
const whole = { organizations: 'SELECT * FROM organizations', teams: 'SELECT * FROM teams', members: 'SELECT * FROM members' };

describe.each([
  ['deferrable', true],
  ['not deferrable', false],
])('rows mode with a %s foreign-key cycle', (_label, deferrable) => {
  let db: string;
  let dir: { dir: string; cleanup(): Promise<void> };
  let config: string;
  const drop: string[] = [];

  beforeAll(async () => {
    db = await createDb('ob_cycle');
    await pgQuery(db, schema(deferrable));
    dir = await tempDir();
    config = await rowsConfig(dir.dir, db, { query: 'SELECT id FROM organizations' });
  });

  afterAll(async () => {
    for (const name of [db, ...drop]) await dropDb(name);
    await dir.cleanup();
  });

  it('restores in place after changes', async () => {
    const { id } = await backupOne(config, '1');
    const before = await tableDigests(db);
    await pgQuery(db, `UPDATE teams SET parent_id = NULL WHERE org_id = 1; DELETE FROM members WHERE id = 4`);
    const result = await cli(config, 'restore', id, '--yes', '--no-safety-backup');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await tableDigests(db)).toEqual(before);
  });

  it(deferrable ? 'loads into an empty copy of the schema' : 'refuses an empty target with a hint and changes nothing', async () => {
    const { id } = await backupOne(config, '1');
    const copy = await schemaOnlyCopy(db);
    drop.push(copy);
    const result = await cli(config, 'restore', id, '--yes', '--no-safety-backup', '--target', pgUrl(copy));
    if (deferrable) {
      expect(result.exitCode, result.stderr).toBe(0);
      expect(await queryDigests(copy, whole)).toEqual(await queryDigests(db, orgQueries(1)));
      const [next] = await pgQuery<{ id: number }>(copy, `INSERT INTO members (org_id, team_id) VALUES (1, 10) RETURNING id`);
      expect(next!.id).toBeGreaterThan(4);
    } else {
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/DEFERRABLE/);
      expect(await queryDigests(copy, whole)).toEqual({ organizations: '0:', teams: '0:', members: '0:' });
    }
  });
});
