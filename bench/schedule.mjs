#!/usr/bin/env node
// schedule-run benchmark (issue 10): what calling `orgbackup schedule-run` every minute costs when
// nothing is due (the common case under cron), next to bare process start (`--version`), with a
// local storage holding BENCH_TENANTS tenants' archives and BENCH_RUNS state records. Medians of
// BENCH_REPEAT runs; wall time and peak RSS from /usr/bin/time. Usage (after `npm run build`):
//   node bench/schedule.mjs          BENCH_TENANTS=200 BENCH_REPEAT=7 by default
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printResult } from './result-line.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/orgbackup.js');
const TENANTS = Number(process.env.BENCH_TENANTS ?? 200);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 7);
const work = mkdtempSync(path.join(os.tmpdir(), 'ob-bench-schedule-'));

function timed(argv) {
  const res = spawnSync('/usr/bin/time', ['-f', '%e %M', ...argv], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`${argv.join(' ')} exited ${res.status}: ${res.stderr.slice(-2000)}`);
  const [wall, rssKb] = res.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, rssMb: rssKb / 1024, stdout: res.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function repeat(label, argv) {
  const runs = Array.from({ length: REPEAT }, () => timed(argv));
  const row = { label, wall: median(runs.map((r) => r.wall)), min: Math.min(...runs.map((r) => r.wall)), max: Math.max(...runs.map((r) => r.wall)), rssMb: median(runs.map((r) => r.rssMb)) };
  console.error(`${label}: median ${row.wall}s (${row.min}-${row.max}), RSS ${row.rssMb.toFixed(0)} MB`);
  return row;
}

try {
  for (let i = 0; i < TENANTS; i++) {
    mkdirSync(path.join(work, 'tenants', `org-${i}`), { recursive: true });
    writeFileSync(path.join(work, 'tenants', `org-${i}`, 'data.txt'), `tenant ${i}\n`);
  }
  const config = path.join(work, 'backup.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      version: 1,
      sources: { media: { type: 'files', path: './tenants', tenants: { mode: 'directory' } } },
      storage: { local: { type: 'local', path: './backups' } },
      defaults: { compression: 'none' },
      schedules: { nightly: { cron: '0 2 * * *', timezone: 'UTC' } },
    }),
  );
  const first = timed([process.execPath, BIN, '-c', config, '-q', '--json', 'schedule-run']);
  console.error(`first (due) run backing up ${TENANTS} tenants: ${first.wall}s, RSS ${first.rssMb.toFixed(0)} MB`);
  const rows = [
    repeat('orgbackup --version (process start)', [process.execPath, BIN, '--version']),
    repeat('schedule-run, nothing due', [process.execPath, BIN, '-c', config, '-q', '--json', 'schedule-run']),
  ];
  console.log(`| what | median wall s | range s | peak RSS MiB |\n|---|---|---|---|`);
  console.log(`| first run, due: ${TENANTS} small tenants backed up | ${first.wall} | | ${first.rssMb.toFixed(0)} |`);
  for (const r of rows) console.log(`| ${r.label} | ${r.wall} | ${r.min}–${r.max} | ${r.rssMb.toFixed(0)} |`);
  printResult('schedule', [
    { goal: 'issue 10: schedule-run with nothing due, beyond process start', figure: `${(rows[1].wall - rows[0].wall).toFixed(2)} s (${rows[1].wall} s vs --version ${rows[0].wall} s)`, met: null },
  ]);
} finally {
  rmSync(work, { recursive: true, force: true });
}
