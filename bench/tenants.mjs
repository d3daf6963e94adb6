#!/usr/bin/env node
// Tenants benchmark (issue 4): orgbackup's per-tenant fan-out against the sequential shell loops an
// operator would otherwise write.
//   rows mode:     200 orgs of the fixture at scale 8, `create --jobs 2`, vs one psql with a
//                  `\copy` per table per tenant, tenants one after another;
//   database mode: 200 small databases, `create --jobs 2`, vs a loop of `pg_dump -Fc`.
// Wall time and peak RSS come from /usr/bin/time; each case runs BENCH_RUNS times (default 3),
// orgbackup and the loop alternating, and the medians are reported. Usage (after `npm run build`):
//   node bench/tenants.mjs            BENCH_SCALE=8 BENCH_ORGS=200 BENCH_DBS=200 by default
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printResult } from './result-line.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SEED = path.join(ROOT, 'test/fixtures/saas-pg.sql');
const SCALE = process.env.BENCH_SCALE ?? '8';
const ORGS = Number(process.env.BENCH_ORGS ?? 200);
const DBS = Number(process.env.BENCH_DBS ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PG = ['-h', '127.0.0.1', '-p', '5432', '-U', 'postgres'];
const stamp = Date.now().toString(36);
const work = mkdtempSync(path.join(os.tmpdir(), 'ob-bench-tenants-'));

const psql = (db, sql) => execFileSync('psql', [...PG, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql], { stdio: ['ignore', 'ignore', 'inherit'] });

/** Runs argv under /usr/bin/time; returns wall seconds and peak RSS in MB. */
function timed(label, argv, env = {}) {
  const res = spawnSync('/usr/bin/time', ['-f', '%e %M', ...argv], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const last = res.stderr.trim().split('\n').pop() ?? '';
  const [wall, rssKb] = last.split(' ').map(Number);
  if (res.status !== 0) throw new Error(`${label} exited ${res.status}: ${res.stderr.slice(-2000)}`);
  console.error(`${label}: ${wall}s, peak RSS ${(rssKb / 1024).toFixed(0)} MB`);
  return { wall, rssMb: rssKb / 1024 };
}

function orgbackup(label, config, dir) {
  const file = path.join(dir, 'backup.config.json');
  writeFileSync(file, JSON.stringify(config));
  // Each run writes fresh archives: the previous run's are removed first.
  rmSync(path.join(dir, 'backups'), { recursive: true, force: true });
  return timed(label, [process.execPath, path.join(ROOT, 'bin/orgbackup.js'), '-c', file, '--json', '--no-progress', '-q', 'create', '--jobs', '2']);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs both sides RUNS times, alternating; medians of wall time, the largest peak RSS. */
function compare(what, ours, baseline) {
  const runs = { ours: [], baseline: [] };
  for (let i = 0; i < RUNS; i++) {
    runs.ours.push(ours());
    runs.baseline.push(baseline());
  }
  const summary = (list) => ({ wall: median(list.map((r) => r.wall)), walls: list.map((r) => r.wall), rssMb: Math.max(...list.map((r) => r.rssMb)) });
  results.push({ what, ours: summary(runs.ours), baseline: summary(runs.baseline) });
}

const results = [];
const rowsDb = `ob_bench_rows_${stamp}`;
const dbPrefix = `ob_bench_db_${stamp}`;
try {
  // --- rows mode -------------------------------------------------------------------------
  psql('postgres', `CREATE DATABASE ${rowsDb}`);
  console.error(`seeding ${rowsDb} (scale ${SCALE}, ${ORGS} orgs)...`);
  execFileSync('psql', [...PG, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', `scale=${SCALE}`, '-v', `orgs=${ORGS}`, '-d', rowsDb, '-f', SEED], { stdio: ['ignore', 'ignore', 'inherit'] });
  const rowsDir = path.join(work, 'rows');
  execFileSync('mkdir', ['-p', rowsDir]);
  const rowsConfig = {
    version: 1,
    sources: { app: { type: 'postgres', url: `postgres://postgres@127.0.0.1:5432/${rowsDb}`, tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' } } },
    storage: { local: { type: 'local', path: path.join(rowsDir, 'backups') } },
  };
  const loopDir = path.join(work, 'rows-loop');
  const tables = { organizations: 'id', departments: 'org_id', users: 'org_id', assets: 'org_id', issues: 'org_id', notifications: 'org_id' };
  const copies = Object.entries(tables)
    .map(([t, c]) => `-c "\\\\copy (SELECT * FROM ${t} WHERE ${c} = $id) TO '${loopDir}/$id.${t}.copy'"`)
    .join(' ');
  const loop = `rm -rf ${loopDir}; mkdir -p ${loopDir}; for id in $(seq 1 ${ORGS}); do psql -X -q -h 127.0.0.1 -U postgres -d ${rowsDb} ${copies} || exit 1; done`;
  compare(
    `rows mode, ${ORGS} tenants, scale ${SCALE}`,
    () => orgbackup('orgbackup rows --jobs 2', rowsConfig, rowsDir),
    () => timed('sequential psql \\copy loop', ['bash', '-c', loop]),
  );

  // --- database mode (BENCH_DBS=0 skips it) -----------------------------------------------
  if (DBS > 0) {
    console.error(`creating ${DBS} small databases...`);
    for (let i = 0; i < DBS; i++) {
      const db = `${dbPrefix}_${i}`;
      psql('postgres', `CREATE DATABASE ${db}`);
      psql(db, `CREATE TABLE items (id serial PRIMARY KEY, v text); INSERT INTO items (v) SELECT md5(g::text) FROM generate_series(1, 2000) g`);
    }
    const dbDir = path.join(work, 'db');
    execFileSync('mkdir', ['-p', dbDir]);
    const dbConfig = {
      version: 1,
      sources: { app: { type: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/postgres', tenants: { mode: 'database', match: `${dbPrefix}\\_%` } } },
      storage: { local: { type: 'local', path: path.join(dbDir, 'backups') } },
    };
    const dumpLoop = `rm -rf ${work}/db-loop; mkdir -p ${work}/db-loop; for i in $(seq 0 ${DBS - 1}); do pg_dump -h 127.0.0.1 -U postgres -Fc -f ${work}/db-loop/$i.dump -d ${dbPrefix}_$i || exit 1; done`;
    compare(
      `database mode, ${DBS} databases`,
      () => orgbackup('orgbackup database --jobs 2', dbConfig, dbDir),
      () => timed('sequential pg_dump -Fc loop', ['bash', '-c', dumpLoop]),
    );
  }
} finally {
  spawnSync('psql', [...PG, '-X', '-q', '-d', 'postgres', '-c', `DROP DATABASE IF EXISTS ${rowsDb} WITH (FORCE)`]);
  for (let i = 0; i < DBS; i++) spawnSync('psql', [...PG, '-X', '-q', '-d', 'postgres', '-c', `DROP DATABASE IF EXISTS ${dbPrefix}_${i}`]);
  rmSync(work, { recursive: true, force: true });
}

console.log(`| case | sequential loop s (median of ${RUNS}) | orgbackup --jobs 2 s (median of ${RUNS}) | ratio | orgbackup peak RSS MB (max) |`);
console.log(`|---|---|---|---|---|`);
for (const r of results) {
  const all = (s) => s.walls.map((w) => w.toFixed(1)).join(', ');
  console.log(
    `| ${r.what} | ${r.baseline.wall.toFixed(1)} (${all(r.baseline)}) | ${r.ours.wall.toFixed(1)} (${all(r.ours)}) | ${(r.ours.wall / r.baseline.wall).toFixed(2)}x | ${r.ours.rssMb.toFixed(0)} |`,
  );
}
// Goals: rows mode ≤ 0.6x its loop (issue 4), database mode ≤ 0.55x (issue 19 goal 5), RSS < 200 MB.
printResult(
  'tenants',
  results.flatMap((r) => {
    const ratio = r.ours.wall / r.baseline.wall;
    const limit = r.what.startsWith('rows') ? 0.6 : 0.55;
    return [
      { goal: `${r.what.split(',')[0]} ≤ ${limit}x the sequential loop`, figure: `${ratio.toFixed(2)}x (${r.what})`, met: ratio <= limit },
      { goal: `${r.what.split(',')[0]}: peak RSS < 200 MB`, figure: `${r.ours.rssMb.toFixed(0)} MB`, met: r.ours.rssMb < 200 },
    ];
  }),
);
