#!/usr/bin/env node
// MySQL/MariaDB rows mode over many tenants (issue 19, goal 2): `orgbackup create --jobs 2` of every
// tenant of the fixture (bench/mysql-seed.mjs: 200 orgs, ~925 rows each at scale 1) against the
// sequential loop an operator would write with `mysqldump --where`, tenants one after another.
// mysqldump's --where is one condition for all the tables of a call, so a tenant takes three calls:
// organizations by id, the five tables with org_id, and issue_comments through issues. The "one
// call" loop (only the org_id tables) is the floor of any such loop and is reported beside it.
// Each case runs BENCH_RUNS times (default 3), alternating; medians; wall time and peak RSS from
// /usr/bin/time. Usage (after `npm run build`; MariaDB on 127.0.0.1, root without password):
//   BENCH_MYSQL_PORT=3306 BENCH_ORGS=200 BENCH_SCALE=1 BENCH_RUNS=3 node bench/mysql-tenants.mjs [--keep]
// BENCH_LOOPS=3,1 (default) picks the loops timed: "3" only the three-call loop, "none" only orgbackup
// (the many-tenant case: BENCH_ORGS=3000 BENCH_SCALE=0.25 BENCH_LOOPS=none, peak RSS is the point).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printResult } from './result-line.mjs';
import { dropMysql, MYSQL_CLIENT_ARGS, MYSQL_PORT, seedMysql } from './mysql-seed.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ORGS = Number(process.env.BENCH_ORGS ?? 200);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const KEEP = process.argv.includes('--keep');
const LOOPS = (process.env.BENCH_LOOPS ?? '3,1').split(',');
const db = `ob_bench_mysql_tenants_${ORGS}_s${String(SCALE).replace('.', '_')}`;
const work = mkdtempSync(path.join(os.tmpdir(), 'ob-bench-mysql-tenants-'));

/** Runs argv under /usr/bin/time; returns wall seconds and peak RSS in MB. */
function timed(label, argv) {
  const res = spawnSync('/usr/bin/time', ['-f', '%e %M', ...argv], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const [wall, rssKb] = (res.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  if (res.status !== 0) throw new Error(`${label} exited ${res.status}: ${res.stderr.slice(-2000)}`);
  console.error(`${label}: ${wall}s, peak RSS ${(rssKb / 1024).toFixed(0)} MB`);
  return { wall, rssMb: rssKb / 1024 };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dump = `mysqldump ${MYSQL_CLIENT_ARGS.join(' ')} --single-transaction --no-create-info --skip-triggers --hex-blob`;
const loopDir = path.join(work, 'loop');
const threeCalls = [
  `${dump} --where "id = $id" ${db} organizations > ${loopDir}/$id.organizations.sql`,
  `${dump} --where "org_id = $id" ${db} departments users assets issues notifications > ${loopDir}/$id.org.sql`,
  `${dump} --where "issue_id IN (SELECT id FROM issues WHERE org_id = $id)" ${db} issue_comments > ${loopDir}/$id.issue_comments.sql`,
];
const loop = (calls) => `rm -rf ${loopDir}; mkdir -p ${loopDir}; for id in $(seq 1 ${ORGS}); do ${calls.join(' && ')} || exit 1; done`;

try {
  const dbMb = seedMysql(db, ORGS, SCALE);
  const config = path.join(work, 'backup.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      version: 1,
      sources: { app: { type: 'mysql', url: `mysql://root@127.0.0.1:${MYSQL_PORT}/${db}`, tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' } } },
      storage: { local: { type: 'local', path: path.join(work, 'backups') } },
    }),
  );
  const runs = { three: [], one: [], create: [], rss: [] };
  for (let run = 1; run <= RUNS; run++) {
    console.error(`run ${run}/${RUNS}`);
    if (LOOPS.includes('3')) runs.three.push(timed('mysqldump --where loop (3 calls per tenant)', ['bash', '-c', loop(threeCalls)]).wall);
    rmSync(path.join(work, 'backups'), { recursive: true, force: true });
    const created = timed('orgbackup create --jobs 2', [process.execPath, path.join(ROOT, 'bin/orgbackup.js'), '-c', config, '-q', '--no-progress', 'create', '--jobs', '2']);
    runs.create.push(created.wall);
    runs.rss.push(created.rssMb);
    if (LOOPS.includes('1')) runs.one.push(timed('mysqldump --where loop (1 call per tenant, org_id tables only)', ['bash', '-c', loop([threeCalls[1]])]).wall);
  }
  const all = (xs) => xs.map((x) => x.toFixed(1)).join(', ');
  const create = median(runs.create);
  const ratio = (loop) => (loop.length > 0 ? `${(create / median(loop)).toFixed(2)}x` : '-');
  const loopCell = (loop) => (loop.length > 0 ? `${median(loop).toFixed(1)} (${all(loop)})` : '-');
  console.log(
    `| tenants | database MB | mysqldump loop, 3 calls/tenant s (median of ${RUNS}; runs) | 1 call/tenant s | orgbackup create --jobs 2 s | ratio vs 3 calls | ratio vs 1 call | orgbackup peak RSS MB |`,
  );
  console.log('|---|---|---|---|---|---|---|---|');
  console.log(
    `| ${ORGS} (scale ${SCALE}) | ${dbMb.toFixed(0)} | ${loopCell(runs.three)} | ${loopCell(runs.one)} | ${create.toFixed(1)} (${all(runs.create)}) | **${ratio(runs.three)}** | ${ratio(runs.one)} | ${Math.max(...runs.rss).toFixed(0)} |`,
  );
  const vsThree = runs.three.length > 0 ? create / median(runs.three) : undefined;
  printResult('mysql-tenants', [
    {
      goal: 'issue 19 goal 2: ≤ 0.4x a mysqldump --where loop (200 tenants)',
      figure: vsThree === undefined ? 'loop not timed' : `${vsThree.toFixed(2)}x at ${ORGS} tenants`,
      met: vsThree === undefined ? null : vsThree <= 0.4,
    },
  ]);
} finally {
  if (!KEEP) dropMysql(db);
  rmSync(work, { recursive: true, force: true });
}
