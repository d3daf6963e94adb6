// MySQL source throughput: (1) the in-process passes every dump byte goes through (the row-counting
// dump scanner on create and verify, the DEFINER stripper on restore), on a real mariadb-dump of
// the test fixture repeated to ~100 MiB; (2) whole-process `create` and `verify` of that fixture.
// Rows mode over many tenants against a mysqldump --where loop: bench/mysql-tenants.mjs.
// usage: npm run build && node bench/mysql.mjs   (needs MariaDB on 127.0.0.1:3306, root, no password)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { printResult } from './result-line.mjs';
import { fileURLToPath } from 'node:url';
import { DumpScanner } from '../dist/sources/mysql/dump-scanner.js';
import { DefinerStripper } from '../dist/sources/mysql/definers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const db = `ob_bench_${Date.now().toString(36)}`;
const mysql = (args, input) => execFileSync('mariadb', ['-h', '127.0.0.1', '-uroot', '--default-character-set=utf8mb4', ...args], { input });
const work = mkdtempSync(path.join(tmpdir(), 'orgbackup-bench-mysql-'));
const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;

mysql(['-e', `CREATE DATABASE ${db}`]);
try {
  mysql([db], readFileSync(path.join(root, 'test/fixtures/mysql-saas.sql')));
  const dump = execFileSync('mariadb-dump', ['-h', '127.0.0.1', '-uroot', '--single-transaction', '--routines', '--triggers', '--events', '--hex-blob', db], { maxBuffer: 1 << 30 });
  const reps = Math.ceil((100 * 1048576) / dump.length);
  const chunks = function* () {
    for (let r = 0; r < reps; r++) for (let i = 0; i < dump.length; i += 65536) yield dump.subarray(i, i + 65536);
  };
  const mib = (dump.length * reps) / 1048576;
  let start = process.hrtime.bigint();
  const scanner = new DumpScanner();
  for (const chunk of chunks()) scanner.push(chunk);
  scanner.end();
  const scannerRate = mib / seconds(start);
  console.log(`dump scanner: ${mib.toFixed(0)} MiB in ${seconds(start).toFixed(2)} s = ${scannerRate.toFixed(0)} MiB/s`);
  start = process.hrtime.bigint();
  for await (const _ of Readable.from(chunks()).pipe(new DefinerStripper())) void _;
  const stripperRate = mib / seconds(start);
  console.log(`DEFINER stripper: ${mib.toFixed(0)} MiB in ${seconds(start).toFixed(2)} s = ${stripperRate.toFixed(0)} MiB/s`);

  const config = path.join(work, 'c.json');
  writeFileSync(
    config,
    JSON.stringify({ version: 1, sources: { app: { type: 'mysql', url: `mysql://root@127.0.0.1:3306/${db}` } }, storage: { local: { type: 'local', path: path.join(work, 'b') } } }),
  );
  for (const command of ['create', 'verify']) {
    start = process.hrtime.bigint();
    execFileSync(process.execPath, [path.join(root, 'bin/orgbackup.js'), '-c', config, '-q', command]);
    console.log(`${command} of the fixture (${(dump.length / 1048576).toFixed(1)} MiB of SQL): ${seconds(start).toFixed(2)} s whole process`);
  }
  printResult('mysql', [
    { goal: 'in-process passes over mariadb-dump SQL (no threshold)', figure: `scanner ${scannerRate.toFixed(0)} MiB/s, DEFINER stripper ${stripperRate.toFixed(0)} MiB/s`, met: null },
  ]);
} finally {
  mysql(['-e', `DROP DATABASE IF EXISTS ${db}`]);
  rmSync(work, { recursive: true, force: true });
}
