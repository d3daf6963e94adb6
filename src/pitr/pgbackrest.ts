/**
 * The `pgbackrest` provider: an existing pgBackRest stanza and repository. `pgbackrest info
 * --output=json` tells which backup began before the target time, its PostgreSQL major and size;
 * `pgbackrest restore --type=time` puts it into the private data directory (`--pg1-path`, so the
 * production data directory named in the config is never touched), restoring only the databases the
 * tenant read needs (`--db-include`; pgBackRest always restores the system databases). WAL comes
 * through `pgbackrest archive-get`, which only reads the repository; the preflight reads the stanza's
 * WAL archive with repo-ls / repo-get (pgbackrest-wal.ts).
 *
 * pgBackRest's own log file and lock directory are turned off / kept in the run's scratch
 * directory: a restore run by orgbackup (perhaps as root) must not leave files the database
 * server's own archive-push would then trip over.
 */
import path from 'node:path';
import { runTool, ToolError } from '../exec.js';
import { ExitCode, OrgbackupError } from '../errors.js';
import type { PhysicalRestore, PitrPlan, PitrProvider, ProviderPlace, RestoreOptions, RestoreScope, WalArchive } from './types.js';
import type { PgBackRestConfig } from './provider-schemas.js';
import { pgBackRestWalArchive } from './pgbackrest-wal.js';
import { restoreCommandWord } from './restore-command.js';

export function openPgBackRest(config: PgBackRestConfig, place: ProviderPlace): PitrProvider {
  return new PgBackRestProvider({ ...config, ...(config.configFile ? { configFile: path.resolve(place.baseDir, config.configFile) } : {}) }, place.key);
}

/** The part of `pgbackrest info --output=json` read here. */
interface InfoBackup {
  label: string;
  archive?: { start?: string };
  timestamp: { start: number; stop: number };
  info?: { size?: number };
  database?: { id?: number };
}
interface InfoStanza {
  name: string;
  status?: { code?: number; message?: string };
  backup?: InfoBackup[];
  db?: { id: number; version: string }[];
  archive?: { id: string; database?: { id?: number } }[];
}

/** PostgreSQL databases pgBackRest restores whatever --db-include says. */
const SYSTEM_DATABASES = new Set(['postgres', 'template0', 'template1']);

export class PgBackRestProvider implements PitrProvider {
  /** The archive id (e.g. `15-1`) of each backup label `plan` chose. */
  private readonly archiveIds = new Map<string, string>();

  constructor(
    private readonly config: PgBackRestConfig,
    private readonly key: string,
  ) {}

  describe(): string {
    return `pgBackRest stanza ${this.config.stanza}${this.config.configFile ? ` (${this.config.configFile})` : ''}`;
  }

  async plan(at: Date, _scope: RestoreScope, options: RestoreOptions): Promise<PitrPlan> {
    const stanza = await this.info(options);
    const backups = (stanza.backup ?? []).filter((b) => b.timestamp.start * 1000 < at.getTime()).sort((a, b) => b.timestamp.start - a.timestamp.start);
    const chosen = backups[0];
    if (!chosen) {
      const oldest = [...(stanza.backup ?? [])].sort((a, b) => a.timestamp.start - b.timestamp.start)[0];
      throw new OrgbackupError(
        oldest
          ? `no pgBackRest backup in stanza ${this.config.stanza} began before ${at.toISOString()}: the oldest (${oldest.label}) began at ${new Date(oldest.timestamp.start * 1000).toISOString()}`
          : `stanza ${this.config.stanza} has no pgBackRest backup`,
        ExitCode.preflight,
        { hint: oldest ? 'choose a later --at, or restore from a tenant archive made before that time' : `run pgbackrest --stanza=${this.config.stanza} backup first` },
      );
    }
    const major = stanza.db?.find((d) => d.id === chosen.database?.id)?.version ?? stanza.db?.[0]?.version;
    if (!major) throw this.misconfigured(`pgbackrest info shows no database version for backup ${chosen.label}`);
    const archiveId = stanza.archive?.find((a) => a.database?.id === chosen.database?.id)?.id;
    const walStart = chosen.archive?.start;
    if (!archiveId || !walStart) throw this.misconfigured(`pgbackrest info shows no WAL archive for backup ${chosen.label}`);
    this.archiveIds.set(chosen.label, archiveId);
    return { backup: chosen.label, backupStartedAt: new Date(chosen.timestamp.start * 1000), major, walStart, ...(chosen.info?.size !== undefined ? { restoreBytes: chosen.info.size } : {}) };
  }

  walArchive(plan: PitrPlan, options: RestoreOptions): WalArchive {
    const archiveId = this.archiveIds.get(plan.backup);
    if (!archiveId) throw new Error(`internal: walArchive before plan for ${plan.backup}`);
    return pgBackRestWalArchive({ command: this.command(), common: this.common(), stanza: this.config.stanza, archiveId, scratch: options.scratch, signal: options.signal });
  }

  async restoreInto(dataDir: string, plan: PitrPlan, at: Date, scope: RestoreScope, options: RestoreOptions): Promise<PhysicalRestore> {
    const include = scope.databases.filter((d) => !SYSTEM_DATABASES.has(d));
    const args = [
      'restore',
      `--set=${plan.backup}`,
      '--type=time',
      `--target=${at.toISOString().replace('T', ' ').replace('Z', '+00')}`,
      '--target-action=promote',
      `--pg1-path=${dataDir}`,
      `--lock-path=${path.join(options.scratch, 'pgbackrest-lock')}`,
      ...include.map((d) => `--db-include=${d}`),
    ];
    await this.run(args, options);
    // archive-get resolves the relative %p against pg1-path: it must be the copy's, never production's.
    const getWal = [this.command(), ...this.common(), `--pg1-path=${dataDir}`].map(restoreCommandWord);
    return { ...plan, restoreCommand: [...getWal, 'archive-get', '%f', '"%p"'].join(' ') };
  }

  private async info(options: RestoreOptions): Promise<InfoStanza> {
    const text = await this.run(['info', '--output=json'], options);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.misconfigured('pgbackrest info --output=json did not print JSON');
    }
    const stanza = Array.isArray(parsed) ? (parsed as InfoStanza[]).find((s) => s.name === this.config.stanza) : undefined;
    if (!stanza) throw this.misconfigured(`pgbackrest info does not list stanza ${this.config.stanza}`);
    if (stanza.status?.code && stanza.status.code !== 0 && stanza.status.code !== 2) {
      // Code 2 is "no valid backups": reported as such by plan, with the stanza's name.
      throw this.misconfigured(`stanza ${this.config.stanza}: ${stanza.status.message ?? `status ${stanza.status.code}`}`);
    }
    return stanza;
  }

  private command(): string {
    return this.config.command ?? 'pgbackrest';
  }

  /** Options every call takes: which stanza and config, and no log file of ours in pgBackRest's log directory. */
  private common(): string[] {
    return [...(this.config.configFile ? [`--config=${this.config.configFile}`] : []), `--stanza=${this.config.stanza}`, '--log-level-file=off', '--log-level-console=warn'];
  }

  private async run(args: string[], options: RestoreOptions): Promise<string> {
    try {
      return await runTool(this.command(), [...this.common(), ...args], { signal: options.signal });
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      if (/was not found/.test(error.message)) {
        throw new OrgbackupError(`${this.key}: pgBackRest is not installed (${this.command()} was not found)`, ExitCode.preflight, {
          hint: `install it (Debian: apt-get install pgbackrest), or set ${this.key}.command to its path`,
        });
      }
      throw this.misconfigured(error.message);
    }
  }

  private misconfigured(detail: string): OrgbackupError {
    return new OrgbackupError(`${this.key}: pgBackRest cannot be used: ${detail}`, ExitCode.preflight, {
      hint: `check ${this.key}.stanza and .configFile (pgbackrest --stanza=${this.config.stanza} check must pass)`,
    });
  }
}
