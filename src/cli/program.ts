/** commander wiring only: flags -> options objects -> the dispatcher (main.ts runs the command). */
import { Command, InvalidArgumentError, Option } from 'commander';
import { MAX_JOBS } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import { helpAfter } from './help-text.js';

export interface GlobalOptions {
  config?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  progress?: boolean;
  actor?: string;
}

export type Dispatch = (command: string, options: Record<string, unknown>, globals: GlobalOptions) => Promise<void>;

const EXIT_STATUS = `
EXIT STATUS
  0    success
  1    the operation failed
  2    invalid usage or configuration (nothing was attempted)
  3    partial: some tenants/archives failed, the others succeeded and were kept
  4    preflight failed (nothing was attempted); the report says what and how to fix it
  5    verification failed: an archive is damaged, incomplete or not restorable
  75   busy: another run holds the lock (try later)
  130  interrupted by SIGINT, after cleaning up
  143  interrupted by SIGTERM, after cleaning up`;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Digits only: Number() alone took 1e9, 0x10 and 2.0. */
function wholeNumber(value: string, max: number, limit: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`expected a positive whole number${limit}`);
  return n;
}

function positiveInt(value: string): number {
  return wholeNumber(value, Number.MAX_SAFE_INTEGER, '');
}

/** The config caps jobs (defaults.jobs, sources.*.jobs) at MAX_JOBS; the flag cannot exceed it. */
function jobCount(value: string): number {
  return wholeNumber(value, MAX_JOBS, `, at most ${MAX_JOBS} (the limit of defaults.jobs in the config)`);
}

function commaList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

/**
 * An option that takes a value, given none, swallows the next flag: `restore ID --as --dry-run`
 * would take "--dry-run" as the new tenant id and run for real. A value that is one of the
 * command's (or the global) flags is refused instead.
 */
function refuseSwallowedFlags(command: Command): void {
  const levels = [command, ...(command.parent ? [command.parent] : [])];
  const flags = new Set(levels.flatMap((level) => level.options.flatMap((o) => [o.long, o.short])).filter((f): f is string => !!f));
  for (const level of levels) {
    for (const option of level.options) {
      if (!option.required && !option.optional) continue;
      for (const value of [level.getOptionValue(option.attributeName()) as unknown].flat()) {
        if (typeof value !== 'string' || !flags.has(value.split('=')[0]!)) continue;
        throw new UsageError(`${option.long ?? option.flags} took "${value}" as its value: it needs a value of its own`, { hint: `e.g. ${option.flags.replace(/^-\w, /, '')} ${value}` });
      }
    }
  }
}

export function buildProgram(dispatch: Dispatch): Command {
  const program = new Command('orgbackup')
    .description('Tenant-scoped backups for multi-tenant SaaS databases and files.')
    .version(VERSION, '--version')
    .option('-c, --config <path>', 'config file (else $ORGBACKUP_CONFIG, else search for backup.config.json / .orgbackuprc)')
    .option('--json', 'print one JSON document on stdout and NDJSON logs on stderr')
    .option('-q, --quiet', 'only warnings and errors on stderr')
    .option('-v, --verbose', 'debug logs, and stack traces for errors')
    .option('--no-color', 'no ANSI colours (also NO_COLOR)')
    .option('--no-progress', 'no progress bars')
    .option('--actor <name>', 'who this run acts for, recorded in the audit trail (e.g. the application user who clicked "Restore"; else $ORGBACKUP_ACTOR)')
    .showHelpAfterError('(run `orgbackup help <command>` for its options)')
    // Set before the subcommands are added so they inherit it: usage errors become exit 2 in main.ts.
    .exitOverride()
    .addHelpText('after', EXIT_STATUS);

  const command = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .addHelpText('after', EXIT_STATUS + helpAfter(name));
  const run = (name: string) =>
    async function (this: Command, ...args: unknown[]) {
      refuseSwallowedFlags(this);
      const options = this.opts();
      const positional = args.slice(0, -2);
      await dispatch(name, { ...options, args: positional }, this.optsWithGlobals<GlobalOptions>());
    };

  command('create', 'back up: one archive per (source, tenant), written to every selected storage')
    .option('--source <name>', 'only this source (repeatable)', collect)
    .option('--tenant <id>', 'only this tenant id (repeatable; needs one --source)', collect)
    .option('--storage <name>', 'write to this storage (repeatable; default: defaults.storage)', collect)
    .option('--jobs <n>', `tenants backed up at once, 1-${MAX_JOBS} (default: defaults.jobs, 2)`, jobCount)
    .option('--label <key=value>', 'label recorded in the manifest (repeatable), e.g. keep=true', collect)
    .option('--category <name>', 'rows mode: only this category of tables (tenants.categories) and the parents it needs')
    .option('--dry-run', 'list what would be backed up, write nothing')
    .option('--ignore-limits', "back up tenants over their plan's limits (retention.plans.<plan>.limits); recorded in the result and the audit trail")
    .option('--at <time>', 'read the source as it was at this time from its physical backup (sources.<name>.pitr): ISO time with zone, or "2h ago"')
    .action(run('create'));

  command('list', 'list complete archives, a tenant at a time, newest first within it')
    .option('--source <name>', 'only this source')
    .option('--tenant <id>', 'only this tenant (in every source that has it unless --source)')
    .option('--storage <name>', 'only this storage (repeatable)', collect)
    .option('--limit <n>', 'at most n archives', positiveInt)
    .option('--long', 'read sidecars for trigger, rows and labels')
    .option('--stale <duration>', 'list tenants whose newest archive is older than this (e.g. 26h); exit 1 when any')
    .option('--usage', "per tenant and storage: archives, bytes, plan, and each plan limit with the share used (from the listing; the month is UTC's)")
    .action(run('list'));

  command('restore', 'put one tenant back from an archive (id, "latest", or a local archive file)')
    .argument(
      '[archive]',
      'archive id (<source>/<tenant>/<timestamp>), or "latest": the newest archive made by create or a schedule (a pre-restore safety backup only by its id), or an archive file: a path ending in .zip or .age, or starting with /, ./ or ../',
    )
    .option('--source <name>', 'source, for "latest"')
    .option('--tenant <id>', 'tenant, for "latest"')
    .option('--storage <name>', 'storage to read from (repeatable)', collect)
    .option('--target <url-or-path>', 'restore elsewhere: another database URL, schema name or directory')
    .addOption(
      new Option('--conflict <mode>', 'rows mode: what to do with existing rows (merge: upsert by primary key, keep live rows not in the archive)')
        .choices(['replace', 'merge', 'skip', 'fail'])
        .default('replace'),
    )
    .option('--only <tables>', 'only these tables or categories (comma-separated)', commaList)
    .option('--as <tenant-id>', 'rows mode: load the archive as this new tenant (tenant column rewritten, new keys from the sequences, references remapped), here or in --target')
    .option('--force', 'restore even when the schema fingerprint differs')
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .option('--no-safety-backup', 'do not take a pre-restore backup first')
    .option('--dry-run', 'print the plan, change nothing')
    .option('--jobs <n>', 'parallel loaders when restoring into a new PostgreSQL database (pg_restore -j; needs temp space for the uncompressed dump)', jobCount)
    .option('--at <time>', 'point-in-time: put the tenant back as it was at this time (ISO time with zone, or "2h ago"), read from the physical backup; needs --source and --tenant, no archive id')
    .action(run('restore'));

  command('verify', 'prove archives intact (levels 1-2) and restorable (level 3)')
    .argument('[archive...]', 'archive ids (default: the newest archive of each tenant)')
    .option('--latest', 'the newest archive of each tenant made by create or a schedule (the default; --all includes safety backups)')
    .option('--all', 'every complete archive')
    .option('--source <name>', 'only this source')
    .option('--tenant <id>', 'only this tenant (in every source that has it unless --source)')
    .option('--storage <name>', 'only this storage (repeatable)', collect)
    .option('--subset <I/N>', 'only the tenants in part I (0..N-1) of N: the same stable split as schedule-run --shard')
    .option('--sample <percent>', 'the next part of a rotation kept in storage: e.g. 15% checks a seventh of the tenants per run, all of them over 7 runs')
    .option('--restore-test', 'also restore into a throwaway database/schema/directory and compare row counts')
    .option('--quick', 'level 1 only: the sidecar is there and the stored object has the size and sha256 it records (no unpacking)')
    .option(
      '--scratch <url-or-dir>',
      "for --restore-test: the database server (URL) or directory where it creates, and always drops, its throwaway copy (default: the source's server / the temp directory)",
    )
    .action(run('verify'));

  command('prune', 'apply the retention policy')
    .option('--source <name>', 'only this source')
    .option('--tenant <id>', 'only this tenant (in every source that has it unless --source)')
    .option('--storage <name>', 'only this storage (repeatable)', collect)
    .option('--dry-run', 'print the plan with a reason per archive, delete nothing')
    .action(run('prune'));

  command('schedule-run', 'run the schedules that are due, once, then exit (for cron and Kubernetes)')
    .option('--schedule <name>', 'only this schedule (repeatable)', collect)
    .option('--now', 'run the selected schedules even when not due')
    .option('--shard <i/n>', 'only the tenants of shard i of n (or JOB_COMPLETION_INDEX with ORGBACKUP_SHARDS)')
    .option('--metrics-file <path>', 'write Prometheus textfile metrics here')
    .option('--pushgateway <url>', 'push metrics to this Prometheus Pushgateway')
    .action(run('schedule-run'));

  command('preflight', 'run the permission, tool and connectivity checks alone')
    .option('--source <name>', 'only this source (repeatable)', collect)
    .option('--storage <name>', 'only this storage (repeatable)', collect)
    .addOption(new Option('--for <command>', 'the checks a command needs').choices(['create', 'restore']).default('create'))
    .action(run('preflight'));

  command('delete', 'remove archives (sidecar, then object), under the storage lock')
    .argument('<archive...>', 'archive ids (<source>/<tenant>/<timestamp>)')
    .option('--storage <name>', 'only from this storage (repeatable; default: every storage that has them)', collect)
    .option('--force', 'also the newest complete archive of a tenant and pre-restore safety backups younger than 24h')
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .option('--dry-run', 'print what would be removed, remove nothing')
    .action(run('delete'));

  command('forget', 'erase every archive of a tenant from every storage (right to erasure), with a receipt')
    .option('--source <name>', 'the source the tenant belonged to')
    .option('--tenant <id>', 'the tenant id (also one its source no longer returns)')
    .option('--all', 'every archive of the tenant (required)')
    .option('--storage <name>', 'only this storage (repeatable; default: every storage)', collect)
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .option('--dry-run', 'print what would be removed, remove nothing')
    .action(run('forget'));

  command('hold', 'place a legal hold on archives: prune, delete (even --force) and forget leave them alone until released')
    .argument('<archive...>', 'archive ids (<source>/<tenant>/<timestamp>)')
    .option('--reason <text>', 'why (a case or ticket number); stored in the hold and the audit trail (required)')
    .option('--storage <name>', 'only in this storage (repeatable; default: every storage that has them)', collect)
    .option('--dry-run', 'print what would be held, write nothing')
    .action(run('hold'));

  command('release', 'remove the legal hold from archives (they follow retention again)')
    .argument('<archive...>', 'archive ids (<source>/<tenant>/<timestamp>)')
    .option('--reason <text>', 'why the hold ends, recorded in the audit trail')
    .option('--storage <name>', 'only in this storage (repeatable; default: every storage that has them)', collect)
    .option('--dry-run', 'print what would be released, remove nothing')
    .action(run('release'));

  command('get', 'download a stored archive object, checked against its sidecar')
    .argument('<archive>', 'archive id (<source>/<tenant>/<timestamp>)')
    .option('-o, --output <file>', 'where to write it, or - for stdout (default: <source>-<tenant>-<timestamp>.zip[.age] here)')
    .option('--storage <name>', 'storage to read from (repeatable; the first that has it)', collect)
    .action(run('get'));

  command('import', 'verify an archive file made elsewhere and store it under its own id, with its sidecar')
    .argument('<file>', 'an orgbackup archive file (.zip or .zip.age), e.g. written by `orgbackup get`')
    .option('--storage <name>', 'storage to store it in (repeatable; default: defaults.storage)', collect)
    .option('--dry-run', 'verify it and say where it would be stored, store nothing')
    .action(run('import'));

  command('export', "an archive's tables as portable files (one per table, and index.json), without a database")
    .argument('<archive>', 'archive id (<source>/<tenant>/<timestamp>) of a PostgreSQL, MySQL/MariaDB or SQLite archive')
    .addOption(new Option('--format <format>', 'file format (sql: INSERT statements of the engine)').choices(['csv', 'ndjson', 'sql']).makeOptionMandatory())
    .option('-o, --output <dir>', 'directory to create (default: <source>-<tenant>-<timestamp>-<format> here)')
    .option('--storage <name>', 'storage to read from (repeatable; the first that has it)', collect)
    .action(run('export'));

  command('diff', "rows added, removed and changed per table between two archives of a tenant, or an archive and the tenant's live rows")
    .argument('<archive>', 'archive id (<source>/<tenant>/<timestamp>) of a rows-mode archive: the "from" side')
    .argument('[other]', 'a later (or earlier) archive of the same tenant: the "to" side')
    .option('--live', "compare with the tenant's live rows now (read like create reads them)")
    .option('--samples <n>', 'sample keys shown per kind of change and table', '5')
    .option('--storage <name>', 'storage to read from (repeatable; the first that has it)', collect)
    .action(run('diff'));

  command('audit', 'print the audit trail, newest first; `audit verify` checks its hash chains (exit 5 when tampered)')
    .argument('[verify]', '"verify": check every audit object for removed, edited or reordered records and missing seals')
    .option('--source <name>', 'only records of this source')
    .option('--tenant <id>', 'only records of this tenant')
    .option('--action <command>', 'only records of this command (create, restore, verify, prune, delete, forget, ...)')
    .option('--since <duration>', 'only records younger than this, e.g. 30d')
    .action(run('audit'));

  command('init', 'write a commented starter config').option('--path <file>', 'where to write it', 'backup.config.json').action(run('init'));

  return program;
}
