/**
 * `restore --as <new tenant>` in rows mode through the built binary, on the SaaS fixture
 * (test/fixtures/saas-pg.sql, with users.mentor_id pointing at another tenant's user): tenant 2 is
 * cloned as tenant 99 in the same database and into another one. The clone's rows equal the
 * source's modulo keys: each table is compared through its natural values, every reference followed
 * only inside the clone's own tenant (a reference left pointing at tenant 2 reads as NULL), while the
 * reference to another tenant's user keeps its key. The source and every other row stay exactly as
 * they were. A table whose key has no sequence is refused by name, as is a tenant that has rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, dropDb, pgQuery, pgUrl, psql, tableDigests } from '../helpers/pg.js';
import { backupOne, cli, queryDigests, rowsConfig, schemaOnlyCopy, seedSaasInto } from '../helpers/tenants.js';
import { tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** Each table's rows of one org without their keys; a reference is followed within the org only. */
function withoutKeys(org: number): Record<string, string> {
  return {
    organizations: `SELECT slug, name, plan, created_at FROM organizations WHERE id = ${org}`,
    departments: `SELECT d.name, d.parent_id IS NULL AS root, p.name AS parent FROM departments d LEFT JOIN departments p ON p.id = d.parent_id AND p.org_id = d.org_id WHERE d.org_id = ${org}`,
    users: `SELECT u.email, u.role, u.created_at, d.name AS dept,
              CASE WHEN m.org_id = u.org_id THEN 'inside ' || m.email ELSE 'outside ' || u.mentor_id || ' of ' || m.org_id END AS mentor FROM users u
              LEFT JOIN departments d ON d.id = u.department_id AND d.org_id = u.org_id LEFT JOIN users m ON m.id = u.mentor_id WHERE u.org_id = ${org}`,
    assets: `SELECT a.name, a.serial, a.purchased_on, a.value, a.metadata, d.name AS dept, o.email AS owner FROM assets a
               LEFT JOIN departments d ON d.id = a.department_id AND d.org_id = a.org_id LEFT JOIN users o ON o.id = a.owner_id AND o.org_id = a.org_id WHERE a.org_id = ${org}`,
    issues: `SELECT i.title, i.body, i.status, i.created_at, a.serial, r.email FROM issues i
               LEFT JOIN assets a ON a.id = i.asset_id AND a.org_id = i.org_id LEFT JOIN users r ON r.id = i.reporter_id AND r.org_id = i.org_id WHERE i.org_id = ${org}`,
    notifications: `SELECT n.payload, n.read, n.created_at, u.email FROM notifications n LEFT JOIN users u ON u.id = n.user_id AND u.org_id = n.org_id WHERE n.org_id = ${org}`,
    asset_tags: `SELECT a.serial, t.tag FROM asset_tags t LEFT JOIN assets a ON a.id = t.asset_id AND a.org_id = t.org_id WHERE t.org_id = ${org}`,
    tag_votes: `SELECT a.serial, v.tag, u.email, t.tag AS tagged FROM tag_votes v LEFT JOIN assets a ON a.id = v.asset_id AND a.org_id = v.org_id
                  LEFT JOIN users u ON u.id = v.user_id AND u.org_id = v.org_id LEFT JOIN asset_tags t ON (t.org_id, t.asset_id, t.tag) = (v.org_id, v.asset_id, v.tag) WHERE v.org_id = ${org}`,
    issue_comments: `SELECT c.body, c.country, i.title FROM issue_comments c JOIN issues i ON i.id = c.issue_id WHERE i.org_id = ${org}`,
    comment_reactions: `SELECT r.emoji, c.body FROM comment_reactions r JOIN issue_comments c ON c.id = r.comment_id JOIN issues i ON i.id = c.issue_id WHERE i.org_id = ${org}`,
  };
}

/** Removes tenant 99's rows, children first. */
const DROP_CLONE = `DELETE FROM comment_reactions WHERE comment_id IN (SELECT c.id FROM issue_comments c JOIN issues i ON i.id = c.issue_id WHERE i.org_id = 99);
  DELETE FROM issue_comments WHERE issue_id IN (SELECT id FROM issues WHERE org_id = 99);
  DELETE FROM tag_votes WHERE org_id = 99; DELETE FROM asset_tags WHERE org_id = 99; DELETE FROM notifications WHERE org_id = 99;
  DELETE FROM issues WHERE org_id = 99; DELETE FROM assets WHERE org_id = 99; DELETE FROM users WHERE org_id = 99;
  DELETE FROM departments WHERE org_id = 99; DELETE FROM organizations WHERE id = 99;`;

let db: string;
let config: string;
let archive: string;
let source: Record<string, string>;

beforeAll(async () => {
  db = await createDb('ob_as');
  cleanups.push(() => dropDb(db));
  await seedSaasInto(db, { orgs: 20, crossTenant: true });
  // Tenant 2's users get mentors of their own (a self-reference to remap) and of tenant 3 (an outside row to keep).
  await psql(db, {
    sql: `UPDATE users u SET mentor_id = (SELECT min(id) FROM users WHERE org_id = 2) WHERE org_id = 2 AND id % 3 = 0;
          UPDATE users u SET mentor_id = (SELECT min(id) FROM users WHERE org_id = 3) WHERE org_id = 2 AND id % 3 = 1;`,
  });
  const tmp = await tempDir('orgbackup-as-');
  cleanups.push(() => tmp.cleanup());
  config = await rowsConfig(tmp.dir, db);
  archive = (await backupOne(config, '2')).id;
  source = await queryDigests(db, withoutKeys(2));
});

describe('restore --as', () => {
  it('clones tenant 2 as tenant 99 in the same database: new keys, references remapped, the rest untouched', async () => {
    const before = await tableDigests(db);
    const dry = await cli(config, 'restore', archive, '--as', '99', '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.json.as).toBe('99');
    const users = (await pgQuery<{ n: number }>(db, 'SELECT count(*)::int AS n FROM users WHERE org_id = 2'))[0]!.n;
    expect(dry.json.plan).toContain(
      `public.users: ${users} row(s) inserted as tenant 99; org_id set to 99; new id from users_id_seq; references remapped through users_department_id_fkey (department_id), users_mentor_id_fkey (mentor_id)`,
    );
    expect(dry.json.changes.find((c: { table: string }) => c.table === 'public.users')).toEqual({ table: 'public.users', current: 0, restored: users });
    expect(await tableDigests(db)).toEqual(before);

    // Without its own organizations row the clone repeats tenant 2's unique slug: refused, nothing changed.
    const clash = await cli(config, 'restore', archive, '--as', '99', '--yes');
    expect(clash.exitCode, clash.stderr).toBe(1);
    expect(clash.json.error.message).toContain('organizations_slug_key');
    expect(clash.json.error.hint).toContain("Create the new tenant's root row first");
    expect(await tableDigests(db)).toEqual(before);

    await psql(db, { sql: `INSERT INTO organizations VALUES (99, 'sandbox', 'Sandbox', 'pro', now())` });
    const done = await cli(config, 'restore', archive, '--as', '99', '--yes');
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.json.safetyBackupSkipped).toContain('nothing to back up');
    expect(done.json.safetyBackup).toBeUndefined();
    expect(done.json.tables.find((t: { name: string }) => t.name === 'public.users')).toEqual({ name: 'public.users', rows: users });

    const clone = await queryDigests(db, withoutKeys(99));
    expect({ ...clone, organizations: undefined }).toEqual({ ...source, organizations: undefined });
    expect(clone.organizations).toMatch(/^1:/);
    // New keys, not tenant 2's, and the mentor of another tenant kept as it was.
    const shared = await pgQuery<{ n: number }>(db, 'SELECT count(*)::int AS n FROM users a JOIN users b ON b.id = a.id WHERE a.org_id = 99 AND b.org_id = 2');
    expect(shared[0]!.n).toBe(0);
    const mentors = await pgQuery<{ org: number; n: number }>(
      db,
      'SELECT m.org_id::int AS org, count(*)::int AS n FROM users u JOIN users m ON m.id = u.mentor_id WHERE u.org_id = 99 GROUP BY 1 ORDER BY 1',
    );
    expect(mentors.map((m) => m.org)).toEqual([3, 99]);

    const again = await cli(config, 'restore', archive, '--as', '99', '--yes');
    expect(again.exitCode).toBe(1);
    expect(again.json.error.message).toContain('tenant 99 already has rows in public.departments (5), ');
    expect(again.json.error.message).toContain(`public.users (${users})`);

    // Everything that was there before is exactly as it was once the clone is gone.
    await psql(db, { sql: DROP_CLONE });
    expect(await tableDigests(db)).toEqual(before);
  });

  it('clones tenant 2 as tenant 99 into another database, with the outside rows it references', async () => {
    const other = await schemaOnlyCopy(db);
    cleanups.push(() => dropDb(other));
    const res = await cli(config, 'restore', archive, '--as', '99', '--target', pgUrl(other), '--yes');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.json.target).toContain('rows of tenant 99 (a clone of tenant 2)');
    expect(await queryDigests(other, withoutKeys(99))).toEqual(source);
    // Tenant 3's mentor came along as an outside row, under its own key; tenant 2 itself did not.
    expect(await pgQuery(other, 'SELECT DISTINCT org_id::int FROM users ORDER BY 1')).toEqual([{ org_id: 3 }, { org_id: 99 }]);
    expect(await queryDigests(db, withoutKeys(2))).toEqual(source);
  });

  it('refuses, by name, a table whose key has no sequence, and --conflict merge or skip', async () => {
    const small = await createDb('ob_as_noseq');
    cleanups.push(() => dropDb(small));
    await psql(small, {
      sql: `CREATE TABLE organizations (id int PRIMARY KEY, slug text NOT NULL);
        CREATE TABLE projects (id serial PRIMARY KEY, org_id int NOT NULL REFERENCES organizations);
        CREATE TABLE licenses (id int PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, seat text);
        INSERT INTO organizations VALUES (1, 'one'), (2, 'two'); INSERT INTO projects (org_id) VALUES (1), (2);
        INSERT INTO licenses VALUES (10, 1, 'a'), (20, 2, 'b');`,
    });
    const tmp = await tempDir('orgbackup-as-noseq-');
    cleanups.push(() => tmp.cleanup());
    const smallConfig = await rowsConfig(tmp.dir, small);
    const { id } = await backupOne(smallConfig, '2');
    const before = await tableDigests(small);
    for (const extra of [['--dry-run'], ['--yes']]) {
      const refused = await cli(smallConfig, 'restore', id, '--as', '3', ...extra);
      expect(refused.exitCode, refused.stderr).toBe(2);
      expect(refused.json.error.message).toContain('--as cannot give new keys to public.licenses (primary key id)');
    }
    const merge = await cli(smallConfig, 'restore', id, '--as', '3', '--conflict', 'merge', '--yes');
    expect(merge.exitCode).toBe(2);
    expect(merge.json.error.message).toContain('--conflict merge does not apply to --as');
    const self = await cli(smallConfig, 'restore', id, '--as', '2', '--yes');
    expect(self.exitCode).toBe(2);
    expect(await tableDigests(small)).toEqual(before);

    const without = await cli(smallConfig, 'restore', id, '--as', '3', '--only', 'organizations,projects', '--yes');
    expect(without.exitCode, without.stderr).toBe(0);
    expect(await pgQuery(small, 'SELECT o.slug, p.org_id FROM projects p JOIN organizations o ON o.id = p.org_id ORDER BY p.id')).toEqual([
      { slug: 'one', org_id: 1 },
      { slug: 'two', org_id: 2 },
      { slug: 'two', org_id: 3 },
    ]);
  });
});
