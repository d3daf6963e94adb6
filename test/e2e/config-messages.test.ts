/** What a newcomer reads when the config is wrong: every problem at once, in plain words, with "did you mean". */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

describe('config messages', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.cleanup());

  it('lists an unknown key with a suggestion next to the other problems, without validator wording (exit 2)', async () => {
    const file = await writeConfig(tmp.dir, {
      version: 1,
      sources: {
        app: { type: 'postgres', url: 'postgres://backup@db/app', tenants: { mode: 'rows', colum: 'org_id', query: 'SELECT id FROM orgs' } },
        media: { type: 'postgress', url: 'postgres://backup@db/media' },
      },
      storage: { local: { type: 'local', path: './backups' } },
      defaults: { storage: ['offsite'] },
    });
    const out = await runCli(['-c', file, 'list']);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain('sources.app.tenants.colum: unknown key (did you mean "column"?)');
    expect(out.stderr).toContain('sources.media.type: must be one of postgres, mysql, sqlite, files (got "postgress"; did you mean "postgres"?)');
    expect(out.stderr).not.toMatch(/Invalid discriminator|Unrecognized key/);
  });

  it('still reports the cross-field problems when the only schema error is an unknown key', async () => {
    const file = await writeConfig(
      tmp.dir,
      {
        version: 1,
        sources: { app: { type: 'postgres', url: 'postgres://backup@db/app', tenants: { mode: 'rows', colum: 'org_id', query: 'SELECT id FROM orgs' } } },
        storage: { local: { type: 'local', path: './backups' } },
        defaults: { storage: ['offsite'] },
      },
      'rules.json',
    );
    const out = await runCli(['-c', file, 'list']);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain('sources.app.tenants.colum: unknown key (did you mean "column"?)');
    expect(out.stderr).toContain('sources.app.tenants.column: mode "rows" needs the tenant column');
    expect(out.stderr).toContain('defaults.storage.0: unknown storage "offsite" (defined: local)');
  });
});
