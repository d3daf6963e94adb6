/** Shared set-up of the encryption tests: age keys, a PostgreSQL fixture, a files fixture. */
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createDb, pgUrl, psql } from '../helpers/pg.js';

export const ROW_MARKER = 'fixture-row-7d1c';
export const FILE_MARKER = 'fixture-file-5be2';

export interface AgeKey {
  file: string;
  identity: string;
  recipient: string;
}

/** A key written by the stock `age-keygen`, mode 0600. */
export async function ageKey(dir: string, name: string): Promise<AgeKey> {
  const file = path.join(dir, `${name}.txt`);
  await execa('age-keygen', ['-o', file]);
  const recipient = (await execa('age-keygen', ['-y', file])).stdout.trim();
  const identity = (await readFile(file, 'utf8')).split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
  return { file, identity, recipient };
}

/** A throwaway database whose rows carry ROW_MARKER. */
export async function pgFixture(): Promise<string> {
  const db = await createDb('ob_enc');
  await psql(db, {
    sql: `CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);
          INSERT INTO notes SELECT g, '${ROW_MARKER}-' || g FROM generate_series(1, 500) g;`,
  });
  return db;
}

/** Two tenants' directories whose files carry FILE_MARKER. */
export async function filesFixture(dir: string): Promise<string> {
  const root = path.join(dir, 'tenants');
  for (const tenant of ['acme', 'globex']) {
    await mkdir(path.join(root, tenant, 'docs'), { recursive: true });
    await writeFile(path.join(root, tenant, 'docs', 'note.txt'), `${FILE_MARKER} of ${tenant}\n`);
  }
  return root;
}

export function baseConfig(db: string, filesRoot: string, encryption: Record<string, unknown>) {
  return {
    version: 1,
    sources: {
      app: { type: 'postgres', url: pgUrl(db) },
      media: { type: 'files', path: filesRoot, tenants: { mode: 'directory' } },
    },
    storage: { local: { type: 'local', path: './backups' } },
    // No compression: the plaintext then holds PGDMP and the row text, so their absence in
    // the stored bytes is a real test of encryption.
    defaults: { storage: ['local'], compression: 'none' },
    encryption,
  };
}

/** Every stored object, by archive id. */
export async function storedObjects(backups: string): Promise<{ id: string; object: string; sidecar: string }[]> {
  const out: { id: string; object: string; sidecar: string }[] = [];
  for (const entry of await readdir(backups, { recursive: true })) {
    const m = /^(.*)\.manifest\.json$/.exec(entry);
    if (!m) continue;
    const objects = (await readdir(path.dirname(path.join(backups, entry)))).filter((f) => f.startsWith(path.basename(m[1]!)) && /\.zip(\.age)?$/.test(f));
    out.push({ id: m[1]!, object: path.join(backups, path.dirname(entry), objects[0]!), sidecar: path.join(backups, entry) });
  }
  return out;
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Rewrites a sidecar so it describes `object` as stored now (what an attacker with write access could do). */
export async function resealSidecar(sidecarFile: string, object: Buffer, recipients?: string[]): Promise<void> {
  const sidecar = JSON.parse(await readFile(sidecarFile, 'utf8'));
  sidecar.object.size = object.length;
  sidecar.object.sha256 = sha256(object);
  if (recipients) sidecar.encryption.recipients = recipients;
  await writeFile(sidecarFile, JSON.stringify(sidecar, null, 2));
}
