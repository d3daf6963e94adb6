// `node bench/run.mjs --all`: every benchmark under bench/ in one go at reduced sizes (about 30
// minutes on 2 loaded vCPUs), one after another (they would compete for the same cores), each in
// its own process; each prints a BENCH-RESULT line (bench/result-line.mjs) that is collected here
// into one table: benchmark, goal, measured ratio or figure, met or not. Reduced sizes make the
// ratios noisier and shift fixed costs (process start) into them: the goals are judged at the
// sizes bench/RESULTS.md records, this table is the quick check that nothing regressed.
//   node bench/run.mjs --all [--only many-archives,storage] [--skip pitr] [--timeout-min 10]
// Needs what the benchmarks need: the build, PostgreSQL on 127.0.0.1:5432, MariaDB on
// 127.0.0.1:3306, pgbackrest for pitr, /usr/bin/time.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResult } from './result-line.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Each benchmark at its reduced size: the script, its arguments and environment. */
export const BENCHMARKS = [
  { name: 'single-database', script: 'run.mjs', args: ['--scale', '4', '--runs', '3'] },
  { name: 'tenants', script: 'tenants.mjs', env: { BENCH_SCALE: '2', BENCH_ORGS: '100', BENCH_DBS: '100', BENCH_RUNS: '1' } },
  { name: 'many-tenants', script: 'many-tenants.mjs', args: ['--tenants', '2000', '--runs', '1'] },
  { name: 'mysql-tenants', script: 'mysql-tenants.mjs', env: { BENCH_ORGS: '100', BENCH_RUNS: '1', BENCH_LOOPS: '3' } },
  { name: 'many-archives', script: 'many-archives.mjs', args: ['--local', '10000', '--s3', '1000'] },
  { name: 'storage', script: 'storage.mjs', args: ['--scale', '2', '--runs', '1', '--archives', '2000'] },
  { name: 'encryption', script: 'encryption.mjs', env: { BENCH_SCALE: '2', BENCH_ORGS: '50', BENCH_RUNS: '1' } },
  { name: 'pitr', script: 'pitr.mjs', args: ['--scale', '1', '--orgs', '20', '--tenant', '7'] },
  { name: 'schedule', script: 'schedule.mjs', env: { BENCH_TENANTS: '50', BENCH_REPEAT: '3' } },
  { name: 'mysql', script: 'mysql.mjs' },
];

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const stamp = () => new Date().toISOString().slice(11, 19);

/** Runs one benchmark; its stderr goes through (progress), its stdout is kept for the result line. */
function runOne(bench, timeoutMs) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [path.join(HERE, bench.script), ...(bench.args ?? [])], { env: { ...process.env, ...bench.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let tail = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      tail = (tail + d).slice(-2000);
      process.stderr.write(d);
    });
    // A benchmark past its time is stopped with its children (psql, pg_dump, s3rver): its own process group.
    const timer = setTimeout(() => process.kill(-child.pid, 'SIGTERM'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      const result = parseResult(stdout);
      if (result) resolve({ ...result, seconds, code });
      else
        resolve({
          bench: bench.name,
          seconds,
          code,
          rows: [{ goal: '-', figure: `no result (${signal ? `stopped: ${signal}` : `exit ${code}`}): ${tail.trim().split('\n').pop() ?? ''}`.slice(0, 160), met: false }],
        });
    });
  });
}

const cell = (met) => (met === true ? 'met' : met === false ? '**not met**' : '-');

export async function runAll(argv) {
  const opt = (name) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = opt('only')?.split(',');
  const skip = opt('skip')?.split(',') ?? [];
  const timeoutMs = Number(opt('timeout-min') ?? '10') * 60_000;
  const picked = BENCHMARKS.filter((b) => (!only || only.includes(b.name)) && !skip.includes(b.name));
  const start = { at: new Date(), load: loadavg() };
  const results = [];
  for (const bench of picked) {
    console.error(
      `[${stamp()}] === ${bench.name}: node bench/${bench.script} ${(bench.args ?? []).join(' ')} ${Object.entries(bench.env ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
    const result = await runOne(bench, timeoutMs);
    console.error(`[${stamp()}] === ${bench.name}: ${result.seconds.toFixed(0)} s`);
    results.push({ ...result, name: bench.name });
  }
  const minutes = (Date.now() - start.at.getTime()) / 60_000;
  console.log(`\n\`node bench/run.mjs --all\` ${start.at.toISOString().slice(0, 16)}Z, ${minutes.toFixed(1)} min; load average at the start ${start.load}, at the end ${loadavg()}.\n`);
  console.log('| benchmark | goal | measured (reduced size) | met | s |');
  console.log('|---|---|---|---|---|');
  for (const r of results)
    for (const [i, row] of r.rows.entries()) console.log(`| ${i === 0 ? r.name : ''} | ${row.goal} | ${row.figure} | ${cell(row.met)} | ${i === 0 ? r.seconds.toFixed(0) : ''} |`);
  return results.every((r) => r.code === 0) ? 0 : 1;
}
