/**
 * A pgBackRest stanza's WAL archive as the preflight reads it (wal-coverage.ts): `repo-ls` lists
 * `archive/<stanza>/<archive id>` (segments are stored as `<name>-<sha1>[.gz|.lz4|.zst|.bz2]`,
 * history files as `TTTTTTTT.history`), and `repo-get` copies one out, decompressed, into the run's
 * scratch directory; the copy is removed once read. Both only read the repository, on any repository
 * type pgBackRest supports.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { runTool, spawnTool } from '../exec.js';
import type { WalArchive } from './types.js';

const DECOMPRESS: Record<string, [string, ...string[]]> = { gz: ['gzip', '-dc'], lz4: ['lz4', '-dc'], zst: ['zstd', '-dc'], bz2: ['bzip2', '-dc'] };

export interface PgBackRestCall {
  /** The pgbackrest binary and the options every call takes (stanza, config, logging). */
  command: string;
  common: string[];
  stanza: string;
  /** e.g. `15-1`, the archive of the backup's database. */
  archiveId: string;
  scratch: string;
  signal: AbortSignal;
}

export function pgBackRestWalArchive(call: PgBackRestCall): WalArchive {
  const root = `archive/${call.stanza}/${call.archiveId}`;
  const pgbackrest = (args: string[]) => runTool(call.command, [...call.common, ...args], { signal: call.signal });
  let listing: Promise<string[]> | undefined;
  const keys = () => (listing ??= pgbackrest(['repo-ls', '--recurse', '--output=json', root]).then((text) => Object.keys(JSON.parse(text) as Record<string, unknown>)));
  return {
    where: `pgBackRest stanza ${call.stanza}, archive ${call.archiveId}`,
    segments: async () => [...new Set((await keys()).map((k) => /(?:^|\/)([0-9A-F]{24})-[0-9a-f]{40}/.exec(k)?.[1]).filter((n): n is string => !!n))].sort(),
    history: async (tli) => {
      const name = `${tli.toString(16).toUpperCase().padStart(8, '0')}.history`;
      const key = (await keys()).find((k) => k === name || k.startsWith(`${name}.`));
      return key ? pgbackrest(['repo-get', `${root}/${key}`]) : undefined;
    },
    fetch: async (segment, use) => {
      const key = (await keys()).find((k) => k.includes(`/${segment}-`));
      if (!key) throw new Error(`internal: ${segment} is not in ${root}`);
      const dir = path.join(call.scratch, 'wal-check');
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, segment);
      try {
        const got = spawnTool(call.command, [...call.common, 'repo-get', `${root}/${key}`], { signal: call.signal });
        const decompress = DECOMPRESS[path.extname(key).slice(1)];
        const out = createWriteStream(file, { mode: 0o600 });
        if (decompress) await runTool(decompress[0], decompress.slice(1), { input: got.stdout, stdout: out, signal: call.signal });
        else await pipeline(got.stdout, out);
        await got.done;
        await finished(out);
        return await use(file);
      } finally {
        await rm(file, { force: true });
      }
    },
  };
}
