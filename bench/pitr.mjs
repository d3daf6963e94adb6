#!/usr/bin/env node
// Point-in-time restore of one tenant (issue 18): `orgbackup restore --at` against the manual
// procedure scripted with the same tools (pgbackrest restore, start the copy, COPY the tenant's rows
// out, load them into production in one transaction), on the SaaS fixture at scale 8 in a cluster of
// its own archiving WAL with pgbackrest archive-push. Wall time, orgbackup's peak RSS
// (/usr/bin/time -f %M), and how orgbackup's time splits between physical restore, WAL replay,
// tenant read and load (from its NDJSON events). Results go in bench/RESULTS.md.
// usage: npm run build && node bench/pitr.mjs [--scale 8] [--orgs 200] [--tenant 42]
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printResult } from './result-line.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const scale = Number(opt('scale', '8'));
const orgs = Number(opt('orgs', '200'));
const tenant = Number(opt('tenant', '42'));
const bin = process.env.ORGBACKUP_PG_BINDIR ?? '/usr/lib/postgresql/15/bin';
const work = mkdtempSync(path.join(os.tmpdir(), 'orgbackup-bench-pitr-'));
chmodSync(work, 0o755);
const owner =
  process.getuid() === 0
    ? readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .find((l) => l.startsWith('postgres:'))
        .split(':')
    : undefined;
const asPg = (file, argv) => (owner ? ['setpriv', [`--reuid=${owner[2]}`, `--regid=${owner[3]}`, '--init-groups', '--', file, ...argv]] : [file, argv]);
const sh = (file, argv, options = {}) => execFileSync(...asPg(file, argv), { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26, ...options }).toString();
const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const free = s.address().port;
    s.close(() => resolve(free));
  });
});
const dirs = Object.fromEntries(['data', 'repo', 'pgbr', 'sock', 'copy', 'dump'].map((d) => [d, path.join(work, d)]));
for (const d of Object.values(dirs)) if (d !== dirs.data) mkdirSync(d, { mode: 0o700 });
if (owner) for (const d of [work, ...Object.values(dirs)]) if (d !== dirs.data) chownSync(d, Number(owner[2]), Number(owner[3]));
const conf = path.join(work, 'pgbackrest.conf');
writeFileSync(conf, `[global]\nrepo1-path=${dirs.repo}\nlock-path=${dirs.pgbr}\nlog-path=${dirs.pgbr}\nstart-fast=y\n[bench]\npg1-path=${dirs.data}\npg1-port=${port}\npg1-socket-path=${dirs.sock}\n`);
chmodSync(conf, 0o644);
const pgbackrest = (argv) => sh('pgbackrest', [`--config=${conf}`, '--stanza=bench', '--log-level-console=warn', ...argv]);
const psql = (db, sql) =>
  execFileSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', db, '-XAtqc', sql])
    .toString()
    .trim();
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

function cleanup() {
  spawnSync(...asPg(path.join(bin, 'pg_ctl'), ['-D', dirs.data, '-m', 'immediate', 'stop']));
  spawnSync(...asPg(path.join(bin, 'pg_ctl'), ['-D', dirs.copy, '-m', 'immediate', 'stop']));
  rmSync(work, { recursive: true, force: true });
}

try {
  console.error(`setting up: cluster on port ${port}, fixture scale ${scale}, ${orgs} orgs`);
  sh(path.join(bin, 'initdb'), ['-D', dirs.data, '-U', 'postgres', '--auth=trust', '--locale=C.UTF-8']);
  const settings = {
    port,
    listen_addresses: '127.0.0.1',
    unix_socket_directories: dirs.sock,
    wal_level: 'replica',
    archive_mode: 'on',
    archive_command: `pgbackrest --config=${conf} --stanza=bench archive-push %p`,
    max_wal_size: '1GB',
  };
  const o = Object.entries(settings)
    .map(([k, v]) => `-c ${k}='${v}'`)
    .join(' ');
  sh(path.join(bin, 'pg_ctl'), ['-D', dirs.data, '-l', path.join(work, 'server.log'), '-w', '-o', o, 'start']);
  pgbackrest(['stanza-create']);
  psql('postgres', 'CREATE DATABASE app');
  execFileSync('psql', [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-U',
    'postgres',
    '-d',
    'app',
    '-Xq',
    '-v',
    'ON_ERROR_STOP=1',
    '-v',
    `scale=${scale}`,
    '-v',
    `orgs=${orgs}`,
    '-f',
    path.join(root, 'test/fixtures/saas-pg.sql'),
  ]);
  const size = psql('postgres', `SELECT pg_size_pretty(pg_database_size('app'))`);
  pgbackrest(['--type=full', 'backup']);
  psql('app', `UPDATE issues SET status = 'closed' WHERE org_id = ${tenant} AND id % 5 = 0`);
  const at = psql('postgres', `SELECT to_char(date_trunc('milliseconds', clock_timestamp() AT TIME ZONE 'UTC') + interval '1 millisecond', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
  while (psql('postgres', `SELECT clock_timestamp() > '${at}'::timestamptz`) !== 't');
  psql('app', `DELETE FROM notifications WHERE org_id = ${tenant}; UPDATE issues SET title = title || ' (broken)' WHERE org_id = ${tenant}`);
  const switched = psql('postgres', 'SELECT pg_walfile_name(pg_switch_wal())');
  while (psql('postgres', `SELECT coalesce(last_archived_wal >= '${switched}', false) FROM pg_stat_archiver`) !== 't') await new Promise((r) => setTimeout(r, 200));
  const tables = psql('app', `SELECT string_agg(table_name, ' ') FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`).split(' ');
  console.error(`database app: ${size}; T = ${at}; tables: ${tables.join(', ')}`);

  // orgbackup
  const config = path.join(work, 'backup.config.json');
  const url = `postgres://postgres@127.0.0.1:${port}/app`;
  writeFileSync(
    config,
    JSON.stringify({
      version: 1,
      sources: {
        app: { type: 'postgres', url, tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id FROM organizations ORDER BY id' }, pitr: { type: 'pgbackrest', stanza: 'bench', configFile: conf } },
      },
      storage: { local: { type: 'local', path: path.join(work, 'archives') } },
    }),
  );
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  let t0 = process.hrtime.bigint();
  const run = spawnSync(
    '/usr/bin/time',
    ['-f', '%M', process.execPath, path.join(root, 'bin/orgbackup.js'), '-c', config, '--json', 'restore', '--at', at, '--source', 'app', '--tenant', String(tenant), '--yes', '--no-safety-backup'],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  const orgbackupWall = seconds(t0);
  if (run.status !== 0) throw new Error(`orgbackup failed: ${run.stderr}`);
  const lines = run.stderr.trim().split('\n');
  const rss = Number(lines.pop()) / 1024;
  const events = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const time = (pred) => Date.parse(events.find(pred)?.time);
  const split = {
    preflight: (time((e) => e.event === 'pitr-restore') - (Date.now() - orgbackupWall * 1000)) / 1000,
    restore: (time((e) => e.step === 'restore' && e.end) - time((e) => e.event === 'pitr-restore')) / 1000,
    replay: (time((e) => e.step === 'replay' && e.end) - time((e) => e.step === 'restore' && e.end)) / 1000,
    read: (time((e) => e.event === 'pitr-archive') - time((e) => e.step === 'replay' && e.end)) / 1000,
  };
  split.load = orgbackupWall - (split.preflight + split.restore + split.replay + split.read);

  // The manual procedure, with the same tools.
  const manual = {};
  t0 = process.hrtime.bigint();
  pgbackrest([
    'restore',
    '--type=time',
    `--target=${at.replace('T', ' ').replace('Z', '+00')}`,
    '--target-action=promote',
    `--pg1-path=${dirs.copy}`,
    `--lock-path=${dirs.pgbr}`,
    '--db-include=app',
    '--log-level-file=off',
  ]);
  manual.restore = seconds(t0);
  t0 = process.hrtime.bigint();
  const copyOpts = `-c port=5433 -c listen_addresses='' -c unix_socket_directories='${dirs.sock}' -c archive_mode=off -c hot_standby=off`;
  sh(path.join(bin, 'pg_ctl'), ['-D', dirs.copy, '-l', path.join(work, 'copy.log'), '-o', copyOpts, 'start']);
  const copySql = (sql) => execFileSync('psql', ['-h', dirs.sock, '-p', '5433', '-U', 'postgres', '-d', 'app', '-XAtqc', sql]).toString().trim();
  for (;;) {
    const r = spawnSync('psql', ['-h', dirs.sock, '-p', '5433', '-U', 'postgres', '-d', 'app', '-XAtqc', 'SELECT pg_is_in_recovery()'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() === 'f') break;
    await new Promise((r2) => setTimeout(r2, 200));
  }
  manual.replay = seconds(t0);
  t0 = process.hrtime.bigint();
  const tenantSql = saasQueries(tenant);
  for (const [table, sql] of Object.entries(tenantSql)) copySql(`\\copy (${sql}) TO '${path.join(dirs.dump, table)}'`);
  manual.read = seconds(t0);
  t0 = process.hrtime.bigint();
  const order = Object.keys(tenantSql);
  const script = [
    'BEGIN;',
    'SET LOCAL session_replication_role = replica;',
    ...[...order].reverse().map((t) => `DELETE FROM ${t} WHERE ${deleteWhere(t, tenant)};`),
    ...order.map((t) => `\\copy ${t} FROM '${path.join(dirs.dump, t)}'`),
    'COMMIT;',
  ].join('\n');
  execFileSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'app', '-Xq', '-v', 'ON_ERROR_STOP=1'], { input: script });
  manual.load = seconds(t0);
  const manualWall = manual.restore + manual.replay + manual.read + manual.load;
  const f = (x) => x.toFixed(1);
  console.log(`load average before the orgbackup run: ${load}; database app ${size}; tenant ${tenant} of ${orgs}`);
  console.log(
    `orgbackup restore --at: ${f(orgbackupWall)} s, peak RSS ${rss.toFixed(0)} MB (preflight ${f(split.preflight)}, physical restore ${f(split.restore)}, WAL replay ${f(split.replay)}, tenant read ${f(split.read)}, load ${f(split.load)})`,
  );
  console.log(`manual procedure: ${f(manualWall)} s (pgbackrest restore ${f(manual.restore)}, start + WAL replay ${f(manual.replay)}, COPY out ${f(manual.read)}, load ${f(manual.load)})`);
  console.log(
    `ratio: ${(orgbackupWall / manualWall).toFixed(2)}x; load average after: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  printResult('pitr', [
    { goal: 'issue 18: restore --at ≤ 1.1x the manual procedure', figure: `${(orgbackupWall / manualWall).toFixed(2)}x at scale ${scale}`, met: orgbackupWall / manualWall <= 1.1 },
    { goal: 'issue 18: peak RSS < 200 MB', figure: `${rss.toFixed(0)} MB`, met: rss < 200 },
  ]);
} finally {
  cleanup();
}

/** The tenant's rows of a table, for DELETE (children are deleted first, while their parents still say whose they are). */
function deleteWhere(table, org) {
  if (table === 'organizations') return `id = ${org}`;
  if (table === 'issue_comments') return `issue_id IN (SELECT id FROM issues WHERE org_id = ${org})`;
  if (table === 'comment_reactions') return `comment_id IN (SELECT c.id FROM issue_comments c JOIN issues i ON i.id = c.issue_id WHERE i.org_id = ${org})`;
  return `org_id = ${org}`;
}

/** Each table's rows of one org (test/helpers/tenants.ts saasTenantQueries), parents first. */
function saasQueries(org) {
  return {
    organizations: `SELECT * FROM organizations WHERE id = ${org}`,
    departments: `SELECT * FROM departments WHERE org_id = ${org}`,
    users: `SELECT * FROM users WHERE org_id = ${org}`,
    assets: `SELECT * FROM assets WHERE org_id = ${org}`,
    issues: `SELECT * FROM issues WHERE org_id = ${org}`,
    notifications: `SELECT * FROM notifications WHERE org_id = ${org}`,
    asset_tags: `SELECT * FROM asset_tags WHERE org_id = ${org}`,
    tag_votes: `SELECT * FROM tag_votes WHERE org_id = ${org}`,
    issue_comments: `SELECT c.* FROM issue_comments c JOIN issues i ON i.id = c.issue_id WHERE i.org_id = ${org}`,
    comment_reactions: `SELECT r.* FROM comment_reactions r JOIN issue_comments c ON c.id = r.comment_id JOIN issues i ON i.id = c.issue_id WHERE i.org_id = ${org}`,
  };
}
