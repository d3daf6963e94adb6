#!/usr/bin/env node
// Single-database benchmark (issue 11): orgbackup create/verify/restore against the native tools,
// run alternately in one session, medians of N runs, archive sizes and peak RSS (/usr/bin/time).
// usage: npm run bench -- [--scale 8] [--runs 3] [--keep] [--create-only] [--baseline DIR]
//   (needs PostgreSQL on 127.0.0.1:5432). --baseline DIR also times `create` of another build (a
//   checkout with its own dist/, e.g. a copy of main) in the same runs, alternating.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printResult } from './result-line.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
// --all: every benchmark under bench/ at reduced sizes, one table of ratios (bench/all.mjs).
if (args.includes('--all')) process.exit(await (await import('./all.mjs')).runAll(args));
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const scale = Number(opt('scale', '8'));
const runs = Number(opt('runs', '3'));
const keep = args.includes('--keep');
const createOnly = args.includes('--create-only');
const baseline = opt('baseline', undefined);
const pg = ['-h', '127.0.0.1', '-U', 'postgres'];
const db = `ob_bench_s${scale}`;
const work = mkdtempSync(path.join(os.tmpdir(), 'orgbackup-bench-'));

function sh(cmd, argv, options = {}) {
  return execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26, ...options }).toString();
}
function psql(database, sql) {
  return sh('psql', [...pg, '-d', database, '-XAtqc', sql]).trim();
}
/** Runs a command under /usr/bin/time; returns wall seconds and peak RSS in MB. */
function timed(cmd, argv, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...argv], { env: { ...process.env, ...env }, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  const rssKb = Number(r.stderr.trim().split('\n').pop());
  return { wall, rss: rssKb / 1024 };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const mb = (bytes) => (bytes / 1e6).toFixed(1);
function dirSize(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile() && e.name.endsWith('.zip')) total += statSync(path.join(e.parentPath, e.name)).size;
  return total;
}

const exists = psql('postgres', `SELECT count(*) FROM pg_database WHERE datname = '${db}'`) === '1';
if (!exists || !keep) {
  psql('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  psql('postgres', `CREATE DATABASE ${db}`);
  console.error(`seeding ${db} at scale ${scale} ...`);
  sh('psql', [...pg, '-d', db, '-Xq', '-v', `scale=${scale}`, '-v', 'orgs=200', '-f', path.join(root, 'test/fixtures/saas-pg.sql')], {
    env: { ...process.env, PGOPTIONS: '--client-min-messages=warning' },
  });
  psql(db, 'VACUUM ANALYZE');
}
const dbSize = Number(psql('postgres', `SELECT pg_database_size('${db}')`));
const config = path.join(work, 'backup.config.json');
writeFileSync(
  config,
  JSON.stringify({ version: 1, sources: { app: { type: 'postgres', url: `postgres://postgres@127.0.0.1:5432/${db}` } }, storage: { local: { type: 'local', path: path.join(work, 'backups') } } }),
);
const cli = (argv, from = root) => [path.join(from, 'bin/orgbackup.js'), '-c', config, '--quiet', ...argv];

const results = { pgDumpFc: [], floor: [], create: [], createRss: [], baseline: [], verify: [], startup: [], pgRestore: [], restore: [], restoreRss: [], restoreJobs: [] };
let archiveBytes = 0;
let pgDumpBytes = 0;
for (let run = 1; run <= runs; run++) {
  console.error(`run ${run}/${runs}`);
  const dumpFile = path.join(work, 'dump.pgdump');
  results.pgDumpFc.push(timed('pg_dump', [...pg, '-Fc', '-f', dumpFile, db]).wall);
  pgDumpBytes = statSync(dumpFile).size;
  results.floor.push(timed('pg_dump', [...pg, '-Fc', '-Z0', '--no-sync', '-f', '/dev/null', db]).wall);
  rmSync(path.join(work, 'backups'), { recursive: true, force: true });
  const created = timed(process.execPath, cli(['create']), { cwd: root });
  results.create.push(created.wall);
  results.createRss.push(created.rss);
  archiveBytes = dirSize(path.join(work, 'backups'));
  if (baseline) {
    rmSync(path.join(work, 'backups'), { recursive: true, force: true });
    results.baseline.push(timed(process.execPath, cli(['create'], path.resolve(baseline))).wall);
  }
  if (createOnly) continue;
  const verified = timed(process.execPath, cli(['verify']));
  results.verify.push(verified.wall);
  // Node start, module loading and config: the fixed cost in every command's wall time.
  results.startup.push(timed(process.execPath, cli(['list'])).wall);

  const target = `${db}_restore`;
  psql('postgres', `DROP DATABASE IF EXISTS ${target} WITH (FORCE)`);
  psql('postgres', `CREATE DATABASE ${target}`);
  results.pgRestore.push(timed('pg_restore', [...pg, '-d', target, dumpFile]).wall);
  psql('postgres', `DROP DATABASE IF EXISTS ${target} WITH (FORCE)`);
  const restored = timed(process.execPath, cli(['restore', 'latest', '--source', 'app', '--target', `postgres://postgres@127.0.0.1:5432/${target}`, '--yes', '--no-safety-backup']));
  results.restore.push(restored.wall);
  results.restoreRss.push(restored.rss);
  psql('postgres', `DROP DATABASE IF EXISTS ${target} WITH (FORCE)`);
  results.restoreJobs.push(
    timed(process.execPath, cli(['restore', 'latest', '--source', 'app', '--target', `postgres://postgres@127.0.0.1:5432/${target}`, '--yes', '--no-safety-backup', '--jobs', '2'])).wall,
  );
  psql('postgres', `DROP DATABASE IF EXISTS ${target} WITH (FORCE)`);
  rmSync(dumpFile, { force: true });
}

const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
const lines = [
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at the end`,
  `Scale ${scale} (database ${mb(dbSize)} MB), ${runs} runs alternated, medians; ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}`,
  '',
  '| measure | value | ratio |',
  '|---|---|---|',
  `| \`pg_dump -Fc -f file\` | ${m.pgDumpFc.toFixed(2)} s, ${mb(pgDumpBytes)} MB | 1.00 |`,
  `| \`pg_dump -Fc -Z0 --no-sync -f /dev/null\` (floor) | ${m.floor.toFixed(2)} s | ${(m.floor / m.pgDumpFc).toFixed(2)} |`,
  `| \`orgbackup create\` (mode none, local, defaults) | ${m.create.toFixed(2)} s, ${mb(archiveBytes)} MB | ${(m.create / m.pgDumpFc).toFixed(2)} |`,
  ...(baseline ? [`| \`orgbackup create\` of the baseline build (${baseline}) | ${m.baseline.toFixed(2)} s | ${(m.baseline / m.pgDumpFc).toFixed(2)} |`] : []),
  `| archive size vs pg_dump -Fc file | | ${(archiveBytes / pgDumpBytes).toFixed(2)} |`,
  `| peak RSS of orgbackup create | ${m.createRss.toFixed(0)} MB | |`,
];
if (!createOnly)
  lines.push(
    `| \`orgbackup verify\` (levels 1-2) | ${m.verify.toFixed(2)} s, ${(archiveBytes / 1e6 / m.verify).toFixed(0)} MB/s of archive | |`,
    `| verify throughput without the fixed start cost (\`orgbackup list\`: ${m.startup.toFixed(2)} s) | ${(archiveBytes / 1e6 / Math.max(m.verify - m.startup, 0.001)).toFixed(0)} MB/s | |`,
    `| \`pg_restore -d\` from the -Fc file | ${m.pgRestore.toFixed(2)} s | 1.00 |`,
    `| \`orgbackup restore --target\` (verifies first) | ${m.restore.toFixed(2)} s | ${(m.restore / m.pgRestore).toFixed(2)} |`,
    `| \`orgbackup restore --target --jobs 2\` | ${m.restoreJobs.toFixed(2)} s | ${(m.restoreJobs / m.pgRestore).toFixed(2)} |`,
    `| peak RSS of orgbackup restore | ${m.restoreRss.toFixed(0)} MB | |`,
  );
console.log(lines.join('\n'));
rmSync(work, { recursive: true, force: true });
if (!keep) psql('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
const at = `scale ${scale}`;
printResult('single-database', [
  { goal: 'issue 19 goal 4: create ≤ 0.6x pg_dump -Fc', figure: `${(m.create / m.pgDumpFc).toFixed(2)}x at ${at} (floor ${(m.floor / m.pgDumpFc).toFixed(2)}x)`, met: m.create / m.pgDumpFc <= 0.6 },
  { goal: 'issue 19 goal 4: archive ≤ 0.9x the -Fc file', figure: `${(archiveBytes / pgDumpBytes).toFixed(2)}x`, met: archiveBytes / pgDumpBytes <= 0.9 },
  { goal: 'issue 11: create peak RSS < 150 MB', figure: `${m.createRss.toFixed(0)} MB`, met: m.createRss < 150 },
  ...(createOnly
    ? []
    : [
        {
          goal: 'issue 19 goal 6: verify ≥ 300 MB/s of archive, whole process',
          figure: `${(archiveBytes / 1e6 / m.verify).toFixed(0)} MB/s at ${at} (${(archiveBytes / 1e6 / Math.max(m.verify - m.startup, 0.001)).toFixed(0)} MB/s beyond process start)`,
          met: archiveBytes / 1e6 / m.verify >= 300,
        },
        { goal: 'issue 19 goal 6: restore ≤ 1.0x pg_restore -d', figure: `${(m.restore / m.pgRestore).toFixed(2)}x`, met: m.restore / m.pgRestore <= 1.0 },
      ]),
]);
