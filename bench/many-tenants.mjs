#!/usr/bin/env node
// Many tenants in one run (issue 19, goal 1): rows mode `create` over thousands of small tenants of
// the project's fixture (test/fixtures/saas-pg.sql), local storage. Per run, alternating:
//   read floor: one psql reading every table of the fixture whole (`COPY ... TO STDOUT` to /dev/null):
//               what reading the data costs at the least;
//   start:      `orgbackup --version` (process start);
//   create:     `orgbackup create --json --jobs J` of every tenant.
// Wall time and peak RSS come from /usr/bin/time (the whole process). Reported: medians of the runs,
// ms per tenant, and the split: overhead per tenant = (create - read floor - start) / tenants.
// usage (after `npm run build`):
//   node bench/many-tenants.mjs [--tenants 5000] [--scale 1] [--runs 3] [--jobs 2] [--keep]
//                               [--cpu-prof DIR]    (one extra profiled create, not timed)
//                               [--baseline DIR]    (also times DIR/bin/orgbackup.js, an earlier build, in the
//                                                    same runs: a built checkout of it, or a copy of its bin/,
//                                                    dist/ and package.json inside this checkout, removed
//                                                    after the run as lint would read it)
// PostgreSQL on 127.0.0.1:5432 as postgres (BENCH_PG_PORT to change the port). --keep keeps the
// seeded database for the next invocation (it is reused when it exists).
// MySQL/MariaDB: bench/mysql-tenants.mjs with BENCH_ORGS=3000 BENCH_LOOPS=none (same fixture shape).
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printResult } from './result-line.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SEED = path.join(ROOT, 'test/fixtures/saas-pg.sql');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const TENANTS = Number(opt('tenants', '5000'));
const SCALE = Number(opt('scale', '1'));
const RUNS = Number(opt('runs', '3'));
const JOBS = opt('jobs', '2');
const PROFILE_DIR = opt('cpu-prof', undefined);
const KEEP = args.includes('--keep');
const BASELINE = opt('baseline', undefined);
const PORT = process.env.BENCH_PG_PORT ?? '5432';
const PG = ['-h', '127.0.0.1', '-p', PORT, '-U', 'postgres'];
const TABLES = ['organizations', 'departments', 'users', 'assets', 'issues', 'notifications', 'asset_tags', 'tag_votes', 'countries', 'issue_comments', 'comment_reactions'];
const db = `ob_bench_many_${TENANTS}_s${String(SCALE).replace('.', '_')}`;
const work = mkdtempSync(path.join(os.tmpdir(), 'ob-bench-many-'));

const psql = (database, sql) => execFileSync('psql', [...PG, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', sql], { encoding: 'utf8' }).trim();

/** Runs argv under /usr/bin/time, stdout to `out`; returns wall seconds and peak RSS in MB. */
function timed(label, argv, out = '/dev/null') {
  const fd = openSync(out, 'w');
  try {
    const res = spawnSync('/usr/bin/time', ['-f', '%e %M', ...argv], { cwd: ROOT, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const last = res.stderr.trim().split('\n').pop() ?? '';
    const [wall, rssKb] = last.split(' ').map(Number);
    if (res.status !== 0) throw new Error(`${label} exited ${res.status}: ${res.stderr.slice(-2000)}`);
    console.error(`${label}: ${wall}s, peak RSS ${(rssKb / 1024).toFixed(0)} MB`);
    return { wall, rssMb: rssKb / 1024 };
  } finally {
    closeSync(fd);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const exists = psql('postgres', `SELECT count(*) FROM pg_database WHERE datname = '${db}'`) === '1';
if (!exists) {
  psql('postgres', `CREATE DATABASE ${db}`);
  console.error(`seeding ${db} (scale ${SCALE}, ${TENANTS} orgs)...`);
  execFileSync('psql', [...PG, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', `scale=${SCALE}`, '-v', `orgs=${TENANTS}`, '-d', db, '-f', SEED], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, PGOPTIONS: '--client-min-messages=warning' },
  });
  psql(db, 'VACUUM ANALYZE');
}
const dbMb = Number(psql('postgres', `SELECT pg_database_size('${db}')`)) / 1e6;
const config = path.join(work, 'backup.config.json');
writeFileSync(
  config,
  JSON.stringify({
    version: 1,
    sources: { app: { type: 'postgres', url: `postgres://postgres@127.0.0.1:${PORT}/${db}`, tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' } } },
    storage: { local: { type: 'local', path: path.join(work, 'backups') } },
  }),
);
const cli = (...argv) => [path.join(ROOT, 'bin/orgbackup.js'), '-c', config, ...argv];
const baselineCli = (...argv) => [path.join(path.resolve(BASELINE ?? '.'), 'bin/orgbackup.js'), '-c', config, ...argv];
const createArgs = ['--json', '--no-progress', '-q', 'create', '--jobs', JOBS];
const readAll = TABLES.flatMap((t) => ['-c', `\\copy ${t} TO '/dev/null'`]);

/** Checks the --json document: every tenant archived. */
function checkResult(file) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const text = JSON.stringify(doc);
  const ok = (text.match(/"status":"ok"/g) ?? []).length;
  if (ok < TENANTS) throw new Error(`create reported ${ok} ok results for ${TENANTS} tenants`);
}

const runs = { floor: [], start: [], create: [], rss: [], baseline: [], baselineRss: [] };

/** One timed create of every tenant into fresh local storage. */
function create(label, argv) {
  rmSync(path.join(work, 'backups'), { recursive: true, force: true });
  const out = path.join(work, 'create.json');
  const created = timed(label, [process.execPath, ...argv], out);
  checkResult(out);
  return created;
}
try {
  for (let run = 1; run <= RUNS; run++) {
    console.error(`run ${run}/${RUNS}`);
    runs.floor.push(timed('read floor (psql \\copy every table)', ['psql', ...PG, '-X', '-q', '-d', db, ...readAll]).wall);
    runs.start.push(timed('orgbackup --version', [process.execPath, ...cli('--version')]).wall);
    if (BASELINE) {
      const before = create(`baseline create --jobs ${JOBS}`, baselineCli(...createArgs));
      runs.baseline.push(before.wall);
      runs.baselineRss.push(before.rssMb);
    }
    const created = create(`orgbackup create --jobs ${JOBS}`, cli(...createArgs));
    runs.create.push(created.wall);
    runs.rss.push(created.rssMb);
  }
  if (PROFILE_DIR) {
    rmSync(path.join(work, 'backups'), { recursive: true, force: true });
    timed('profiled create', [process.execPath, '--cpu-prof', '--cpu-prof-dir', path.resolve(PROFILE_DIR), ...cli(...createArgs)]);
  }
} finally {
  if (!KEEP) spawnSync('psql', [...PG, '-X', '-q', '-d', 'postgres', '-c', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`]);
  rmSync(work, { recursive: true, force: true });
}

const createWall = median(runs.create);
const floor = median(runs.floor);
const start = median(runs.start);
const all = (xs) => xs.map((x) => x.toFixed(1)).join(', ');
const row = (what, walls, rss) => {
  const wall = median(walls);
  return `| ${what} | ${TENANTS} | ${SCALE} (${dbMb.toFixed(0)}) | ${wall.toFixed(1)} (${all(walls)}) | ${Math.max(...rss).toFixed(0)} (${all(rss)}) | ${((wall * 1000) / TENANTS).toFixed(2)} | ${floor.toFixed(2)} | ${start.toFixed(2)} | ${(((wall - floor - start) * 1000) / TENANTS).toFixed(2)} |`;
};
console.log(`| build | tenants | scale (database MB) | create s (median of ${RUNS}; runs) | peak RSS MB (max; runs) | ms/tenant | read floor s | start s | overhead ms/tenant |`);
console.log('|---|---|---|---|---|---|---|---|---|');
if (BASELINE) console.log(row(`baseline (${BASELINE})`, runs.baseline, runs.baselineRss));
console.log(row('this checkout', runs.create, runs.rss));
if (BASELINE) console.log(`ratio this/baseline (medians): ${(createWall / median(runs.baseline)).toFixed(2)}x`);
const overhead = ((createWall - floor - start) * 1000) / TENANTS;
const peakRss = Math.max(...runs.rss);
printResult('many-tenants', [
  { goal: 'issue 19 goal 1: ≤ 1 ms per tenant beyond reading', figure: `${overhead.toFixed(2)} ms/tenant at ${TENANTS} tenants`, met: overhead <= 1 },
  { goal: 'issue 19 goal 1: peak RSS < 200 MB (at 100,000 tenants)', figure: `${peakRss.toFixed(0)} MB at ${TENANTS} tenants`, met: peakRss < 200 },
]);
