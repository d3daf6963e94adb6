/**
 * What `orgbackup help <command>` prints after the options and the exit status: notes a newcomer
 * needs (what `latest` picks, which password --scratch uses) and two or three examples to copy.
 */
const HELP: Record<string, { notes?: string[]; examples: string[] }> = {
  create: {
    examples: [
      'orgbackup create                                  # every source, to defaults.storage',
      'orgbackup create --source app --tenant 42         # one tenant',
      'orgbackup create --dry-run                        # list what would be backed up',
    ],
    notes: [
      "Tenants over their plan's limits (retention.plans.<plan>.limits) are skipped with status `limited` and a reason (exit 3),",
      'or stored with a warning under limits.mode "warn"; an archive over maxArchiveSize is written, then removed uncommitted.',
      '--ignore-limits backs them up anyway; the result and the audit record say so.',
    ],
  },
  list: {
    examples: [
      'orgbackup list --source app --tenant 42 --limit 5',
      'orgbackup list --stale 26h                        # tenants without a recent archive; exit 1 when any',
      'orgbackup list --usage --json                     # per tenant: archives, bytes, plan, share of each limit used',
    ],
    notes: ['With --stale, each stale tenant is a tenant-stale event for the notification channels (docs/notifications.md).'],
  },
  delete: {
    notes: [
      'Refused unless --force: the newest complete archive of a tenant, and pre-restore safety backups younger than 24 hours.',
      'Refused even with --force: an archive under legal hold (`orgbackup hold`); release it first.',
    ],
    examples: ['orgbackup delete app/42/2026-11-20T02-00-00.000Z --dry-run', 'orgbackup delete app/42/2026-11-20T02-00-00.000Z --yes --json'],
  },
  forget: {
    notes: [
      'Erases every archive of the tenant, the newest included, from every storage; the JSON receipt lists what was removed.',
      'Archives under legal hold are kept and listed as "held" in the receipt; the exit status is then 3 (or 1 when nothing was removed).',
    ],
    examples: ['orgbackup forget --source app --tenant 42 --all --dry-run', 'orgbackup forget --source app --tenant 42 --all --yes --json > receipt-42.json'],
  },
  hold: {
    notes: [
      'Writes <archive-id>.hold.json next to the sidecar in every storage that has the archive: reason, when, and who',
      '(OS user, host, --actor / ORGBACKUP_ACTOR). prune keeps a held archive (status "held"), delete refuses it even with',
      '--force, forget skips it. A hold file that cannot be read still holds. Both hold and release are audited.',
    ],
    examples: [
      'orgbackup hold app/42/2026-11-20T02-00-00.000Z --reason "litigation 2026-114"',
      'orgbackup hold app/42/2026-11-20T02-00-00.000Z --reason "SEC inquiry" --actor legal@example.com --json',
    ],
  },
  release: {
    notes: ['Removes the hold object; the archive follows retention again at the next prune.'],
    examples: ['orgbackup release app/42/2026-11-20T02-00-00.000Z --reason "case closed"', 'orgbackup release app/42/2026-11-20T02-00-00.000Z --dry-run'],
  },
  import: {
    notes: [
      'The file is verified fully first (size, sha256, every entry, SHA256SUMS, the manifest, the dump',
      'read by its tool); an encrypted file needs the identity in the config. Exit 5: not an orgbackup',
      'archive, or damaged. Exit 2: its source is not in the config (or has another type or tenant',
      'mode), or it is encrypted and no key is configured. A storage that already holds the id is left',
      'alone: "identical" when it is the same object, refused (exit 1) when not.',
    ],
    examples: ['orgbackup import ./app-42-2026-11-20T02-00-00.000Z.zip.age --dry-run', 'orgbackup import ./app-42-2026-11-20T02-00-00.000Z.zip.age --storage offsite --json'],
  },
  export: {
    notes: [
      'PostgreSQL (rows, schema, whole database) and MySQL/MariaDB (rows, whole database) archives. CSV:',
      'NULL is an empty unquoted field, an empty string "" (PostgreSQL: loads with COPY ... CSV HEADER).',
      'NDJSON: bigint and numeric as strings, binary base64. sql: INSERTs of the engine, to load into an',
      'empty copy of the schema. Files archives hold no tables (exit 2).',
    ],
    examples: [
      'orgbackup export app/42/2026-11-20T02-00-00.000Z --format csv -o ./42-export',
      'orgbackup export app/42/2026-11-20T02-00-00.000Z --format ndjson --json',
      'orgbackup export app/_all/2026-11-20T02-00-00.000Z --format sql -o ./app-sql',
    ],
  },
  diff: {
    notes: [
      'Rows-mode PostgreSQL and MySQL/MariaDB archives. Rows are matched by primary key; a table without one',
      'is compared as whole rows (a changed row = one removed + one added, no sample keys). With --live,',
      '"added" rows are the ones a restore of the archive would remove. Read-only; exit 0 either way.',
    ],
    examples: ['orgbackup diff app/42/2026-11-20T02-00-00.000Z --live', 'orgbackup diff app/42/2026-11-19T02-00-00.000Z app/42/2026-11-20T02-00-00.000Z --json'],
  },
  get: {
    examples: ['orgbackup get app/42/2026-11-20T02-00-00.000Z -o 42.zip', 'orgbackup get app/42/2026-11-20T02-00-00.000Z -o - | age -d -i key.txt > 42.zip'],
  },
  restore: {
    notes: [
      '"latest" is the newest complete archive of the tenant made by `create` or `schedule-run`;',
      'the pre-restore safety backups that restore itself takes are skipped, so `restore latest`',
      'twice does not bring back the state the first restore replaced.',
      'An argument ending in .zip or .age, or starting with /, ./ or ../, is an archive file: it is',
      'verified like `import` does and restored from directly, without importing it.',
      '--as NEW (rows mode) clones the tenant: the tenant column becomes NEW, keys fed by a sequence,',
      'identity or AUTO_INCREMENT get new values and references inside the archive follow them;',
      'references to other tenants and shared tables keep their keys. NEW must have no rows (only its',
      'root row may exist: the clone attaches to it); tables whose key cannot change are refused.',
      'Notification channels hear restore-started before it writes, then restore-completed, -failed or -rolled-back.',
    ],
    examples: [
      'orgbackup restore latest --source app --tenant 42 --dry-run',
      'orgbackup restore ./app-42-2026-11-20T02-00-00.000Z.zip.age --dry-run',
      'orgbackup restore app/42/2026-11-20T02-00-00.000Z --as 9042 --target postgres://backup@sandbox/app --yes',
    ],
  },
  verify: {
    notes: [
      "--scratch URL: a URL without a password uses the source's password when it names the same",
      'host as the source; for another host, put the password in the URL or let the client find it',
      '(PGPASSWORD / ~/.pgpass, MYSQL_PWD / ~/.my.cnf).',
    ],
    examples: [
      'orgbackup verify                                  # levels 1-2 of the newest archive of each tenant',
      'orgbackup verify --all --restore-test --scratch postgres://backup@scratch-db/postgres',
      'orgbackup verify --all --quick                    # level 1 of every archive: stored bytes match their sidecars',
    ],
  },
  prune: {
    notes: [
      'The JSON lists in "expiring" the oldest archive per tenant that retention removes within',
      'notifications.expiringWithin (7d): the archive-expiring notification (docs/notifications.md).',
      'An archive under legal hold (`orgbackup hold`) is never removed: status "held". With objectLock on an S3',
      'storage, an object still locked is "retained (locked until ...)", not a failure.',
    ],
    examples: ['orgbackup prune --dry-run                         # the plan, with a reason per archive', 'orgbackup prune --source app'],
  },
  'schedule-run': {
    examples: [
      'orgbackup schedule-run                            # from cron every minute: runs what is due',
      'orgbackup schedule-run --now --schedule nightly   # retry a schedule at once',
      'orgbackup schedule-run --json --metrics-file /var/lib/node_exporter/textfile/orgbackup.prom',
    ],
  },
  preflight: {
    examples: ['orgbackup preflight                               # the checks create needs', 'orgbackup preflight --for restore --source app'],
  },
  audit: {
    notes: [
      'Every create, restore, verify, prune, delete, forget, hold, release, get, import, export and schedule-run appends one',
      'record per tenant to _audit/ in the default storage (one object per run, hash-chained and sealed).',
      'audit verify exits 5 naming the object and line of a removed, edited or reordered record or a missing seal,',
      'and, through the run after it, a run object removed, renamed or rewritten (each run names its predecessor).',
      'It prints the heads (newest runs): removing those is detectable only against a copy you keep elsewhere.',
      'Config: audit.signingKeyFile (Ed25519 PEM) signs each seal; audit.verifyKeyFile (or the derived public key)',
      'makes audit verify check them: a seal unsigned or badly signed exits 5.',
    ],
    examples: ['orgbackup audit --tenant 42 --since 30d', 'orgbackup audit --action restore --json', 'orgbackup audit verify'],
  },
  init: {
    examples: ['orgbackup init                                    # writes ./backup.config.json', 'orgbackup init --path /etc/orgbackup/backup.config.json'],
  },
};

/** The NOTES and EXAMPLES sections of a command's help (empty for a command without them). */
export function helpAfter(command: string): string {
  const help = HELP[command];
  if (!help) return '';
  const notes = help.notes ? `\n\nNOTES\n${help.notes.map((l) => `  ${l}`).join('\n')}` : '';
  return `${notes}\n\nEXAMPLES\n${help.examples.map((l) => `  ${l}`).join('\n')}`;
}
