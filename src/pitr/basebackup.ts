/**
 * The `basebackup` provider: PostgreSQL's own continuous archiving as its manual describes it.
 * Base backups made by `pg_basebackup` lie in one directory, one subdirectory per backup, in plain
 * format (a data directory) or tar format (base.tar[.gz], pg_wal.tar[.gz]); `archive_command` fills a
 * WAL archive directory. The newest backup that began before the target time is copied, and WAL is
 * replayed from the archive with `cp`.
 *
 * When a backup began comes from its backup_label (`START TIME: ... UTC`); a label in another zone
 * abbreviation cannot be read safely, so the backup's directory time (when it was finished, later
 * than its start) is used instead.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { runTool } from '../exec.js';
import { UsageError, OrgbackupError, ExitCode } from '../errors.js';
import type { PhysicalRestore, PitrPlan, PitrProvider, ProviderPlace, RestoreOptions, WalArchive } from './types.js';
import type { BaseBackupConfig } from './provider-schemas.js';
import { restoreCommandWord } from './restore-command.js';

export function openBaseBackup(config: BaseBackupConfig, place: ProviderPlace): PitrProvider {
  return new BaseBackupProvider({ ...config, baseBackups: path.resolve(place.baseDir, config.baseBackups), walArchive: path.resolve(place.baseDir, config.walArchive) }, place.key);
}

interface FoundBackup {
  name: string;
  dir: string;
  format: 'plain' | 'tar';
  /** The tar file holding the data directory, for tar format. */
  baseTar?: string;
  startedAt: Date;
  major: string;
  /** START WAL LOCATION's file. */
  walStart: string;
}

const TARS = ['base.tar', 'base.tar.gz'];

export class BaseBackupProvider implements PitrProvider {
  constructor(
    private readonly config: BaseBackupConfig,
    private readonly key: string,
  ) {}

  describe(): string {
    return `base backups in ${this.config.baseBackups}, WAL archive ${this.config.walArchive}`;
  }

  async plan(at: Date): Promise<PitrPlan> {
    const backup = await this.choose(at);
    await stat(this.config.walArchive).catch(() => {
      throw new UsageError(`${this.key}.walArchive: ${this.config.walArchive} cannot be read`, { hint: 'name the directory archive_command copies WAL segments into' });
    });
    // What the copy takes: the backup's own size (a compressed tar's is less than it unpacks to).
    const bytes = Number((await runTool('du', ['-sb', '--', backup.dir])).split('\t')[0]);
    return { backup: backup.name, backupStartedAt: backup.startedAt, major: backup.major, walStart: backup.walStart, ...(Number.isFinite(bytes) ? { restoreBytes: bytes } : {}) };
  }

  walArchive(): WalArchive {
    const dir = this.config.walArchive;
    return {
      where: dir,
      segments: async () => (await readdir(dir)).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort(),
      history: (tli) => readFile(path.join(dir, `${tli.toString(16).toUpperCase().padStart(8, '0')}.history`), 'utf8').catch(() => undefined),
      // The archive's own file: pg_waldump only reads it.
      fetch: (segment, use) => use(path.join(dir, segment)),
    };
  }

  async restoreInto(dataDir: string, plan: PitrPlan, at: Date, _scope: unknown, options: RestoreOptions): Promise<PhysicalRestore> {
    const backup = await this.choose(at);
    if (backup.format === 'plain') await runTool('cp', ['-a', '--', `${backup.dir}/.`, dataDir], { signal: options.signal });
    else {
      await runTool('tar', ['-xf', backup.baseTar!, '-C', dataDir], { signal: options.signal });
      const walTar = (await readdir(backup.dir)).find((f) => f === 'pg_wal.tar' || f === 'pg_wal.tar.gz');
      if (walTar) await runTool('tar', ['-xf', path.join(backup.dir, walTar), '-C', path.join(dataDir, 'pg_wal')], { signal: options.signal });
    }
    return { ...plan, restoreCommand: `cp ${restoreCommandWord(this.config.walArchive)}/%f %p` };
  }

  /** The newest base backup that began before `at`. */
  private async choose(at: Date): Promise<FoundBackup> {
    const found = await this.list();
    const before = found.filter((b) => b.startedAt.getTime() < at.getTime()).sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
    if (before[0]) return before[0];
    const oldest = found.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())[0];
    throw new OrgbackupError(
      oldest
        ? `no base backup in ${this.config.baseBackups} began before ${at.toISOString()}: the oldest (${oldest.name}) began at ${oldest.startedAt.toISOString()}`
        : `no base backup found in ${this.config.baseBackups} (a subdirectory per pg_basebackup run, plain or tar format)`,
      ExitCode.preflight,
      { hint: oldest ? 'choose a later --at, or restore from a tenant archive made before that time' : `check ${this.key}.baseBackups` },
    );
  }

  private async list(): Promise<FoundBackup[]> {
    const root = this.config.baseBackups;
    const names = await readdir(root).catch(() => {
      throw new UsageError(`${this.key}.baseBackups: ${root} cannot be read`, { hint: 'name the directory that holds one subdirectory per pg_basebackup run' });
    });
    const out: FoundBackup[] = [];
    for (const name of names.sort()) {
      const dir = path.join(root, name);
      const backup = await readBackup(name, dir).catch(() => undefined);
      if (backup) out.push(backup);
    }
    return out;
  }
}

async function readBackup(name: string, dir: string): Promise<FoundBackup | undefined> {
  const files = await readdir(dir);
  const finished = (await stat(dir)).mtime;
  if (files.includes('PG_VERSION') && files.includes('backup_label')) {
    const label = await readFile(path.join(dir, 'backup_label'), 'utf8');
    const major = (await readFile(path.join(dir, 'PG_VERSION'), 'utf8')).trim();
    const walStart = labelWalStart(label);
    return walStart ? { name, dir, format: 'plain', startedAt: labelStart(label) ?? finished, major, walStart } : undefined;
  }
  const tar = TARS.find((t) => files.includes(t));
  if (!tar) return undefined;
  const baseTar = path.join(dir, tar);
  const label = await runTool('tar', ['-xOf', baseTar, 'backup_label']);
  const major = (await runTool('tar', ['-xOf', baseTar, 'PG_VERSION'])).trim();
  const walStart = labelWalStart(label);
  return walStart ? { name, dir, format: 'tar', baseTar, startedAt: labelStart(label) ?? finished, major, walStart } : undefined;
}

/** `START TIME: 2026-12-06 14:03:07 UTC` -> that time; undefined for zone abbreviations other than UTC/GMT. */
export function labelStart(label: string): Date | undefined {
  const m = /^START TIME: (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (UTC|GMT|[+-]\d{2}(?::?\d{2})?)$/m.exec(label);
  if (!m) return undefined;
  const zone = m[3] === 'UTC' || m[3] === 'GMT' ? 'Z' : m[3]!.length === 3 ? `${m[3]}:00` : m[3]!;
  const at = new Date(`${m[1]}T${m[2]}${zone}`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** `START WAL LOCATION: 0/2000028 (file 000000010000000000000002)` -> that file. */
export function labelWalStart(label: string): string | undefined {
  return /^START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)$/m.exec(label)?.[1];
}
