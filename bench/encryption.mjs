#!/usr/bin/env node
// Encryption benchmark (issue 8). Goal: `create` with age recipients takes at most 1.15x the time of
// `create` without encryption, with the same peak RSS, on the scale-8 fixture.
//   1. the cipher alone, 128 MiB, per CPU second: the age-encryption package's pure-JS stream,
//      Node's native ChaCha20-Poly1305 (what orgbackup uses for the payload), and the `age` binary;
//      and the CPU cost of one archive header (package vs orgbackup's native X25519);
//   2. `orgbackup create` of the scale-8 fixture as one archive (mode none) and as 200 tenants
//      (rows mode, --jobs 2), without and with encryption, runs interleaved, median reported.
// Wall time, CPU time (user + sys, with the dump tools it waited for: steadier than wall time on a
// shared machine) and peak RSS come from /usr/bin/time. Usage (after `npm run build`):
//   node bench/encryption.mjs         BENCH_SCALE=8 BENCH_ORGS=200 BENCH_RUNS=3 by default
import { execFileSync, spawnSync } from 'node:child_process';
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printResult } from './result-line.mjs';
import { Encrypter, generateIdentity, identityToRecipient } from 'age-encryption';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SEED = path.join(ROOT, 'test/fixtures/saas-pg.sql');
const SCALE = process.env.BENCH_SCALE ?? '8';
const ORGS = Number(process.env.BENCH_ORGS ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PG = ['-h', '127.0.0.1', '-p', '5432', '-U', 'postgres'];
const work = mkdtempSync(path.join(os.tmpdir(), 'ob-bench-enc-'));
const db = `ob_bench_enc_${Date.now().toString(36)}`;
const MIB = 128;

// A private snapshot of the build: other work may rebuild dist/ while the benchmark runs.
const app = path.join(work, 'app');
for (const part of ['bin', 'dist', 'package.json']) cpSync(path.join(ROOT, part), path.join(app, part), { recursive: true });
symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));

const psql = (database, args) => execFileSync('psql', [...PG, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', database, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs argv under /usr/bin/time; returns wall and CPU seconds and peak RSS in MB. */
function timed(label, argv) {
  const res = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', ...argv], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const [wall, user, sys, rssKb] = (res.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  if (res.status !== 0) throw new Error(`${label} exited ${res.status}: ${res.stderr.slice(-2000)}`);
  const cpu = user + sys;
  console.error(`${label}: ${wall}s wall, ${cpu.toFixed(2)}s CPU, peak RSS ${(rssKb / 1024).toFixed(0)} MB`);
  return { wall, cpu, rssMb: rssKb / 1024 };
}

/** MB per CPU second (not per wall second: the machine is shared), 128 MiB through each. */
async function cipherThroughput(recipient) {
  const chunk = randomBytes(1 << 20);
  const cpuSeconds = (c) => (c.user + c.system) / 1e6;
  const out = {};
  let c0 = process.cpuUsage();
  let n = 0;
  const source = new ReadableStream({ pull: (c) => (n++ < MIB ? c.enqueue(new Uint8Array(chunk)) : c.close()) });
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  for await (const piece of await encrypter.encrypt(source)) void piece;
  out['age-encryption package (pure JS) stream'] = MIB / cpuSeconds(process.cpuUsage(c0));

  c0 = process.cpuUsage();
  const key = Buffer.from(hkdfSync('sha256', randomBytes(16), randomBytes(16), 'payload', 32));
  for (let i = 0; i < MIB * 16; i++) {
    const nonce = Buffer.alloc(12);
    nonce.writeUIntBE(i, 5, 6);
    const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    cipher.update(chunk.subarray((i % 16) * 65536, ((i % 16) + 1) * 65536));
    cipher.final();
  }
  out['node:crypto ChaCha20-Poly1305 (orgbackup)'] = MIB / cpuSeconds(process.cpuUsage(c0));

  const plain = path.join(work, 'plain.bin');
  writeFileSync(plain, Buffer.concat(Array.from({ length: MIB }, () => chunk)));
  const byAge = timed('age binary, 128 MiB', ['age', '-r', recipient, '-o', `${plain}.age`, plain]);
  out['age 1.1 binary (incl. process start)'] = MIB / byAge.cpu;
  rmSync(plain);
  rmSync(`${plain}.age`);
  return out;
}

/** CPU milliseconds per archive header (a fresh file key wrapped for one recipient). */
async function headerCost(recipient) {
  const { sealHeader } = await import(path.join(app, 'dist/crypto/header.js'));
  const viaPackage = async () => {
    const e = new Encrypter();
    e.addRecipient(recipient);
    await e.encrypt(new Uint8Array(0));
  };
  const per = async (fn) => {
    await fn();
    const c0 = process.cpuUsage();
    for (let i = 0; i < 200; i++) await fn();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / 200;
  };
  return { package: await per(viaPackage), orgbackup: await per(() => sealHeader({ recipients: [recipient] })) };
}

function orgbackup(label, dir, source, encryption) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'backup.config.json');
  rmSync(path.join(dir, 'backups'), { recursive: true, force: true });
  writeFileSync(file, JSON.stringify({ version: 1, sources: { app: source }, storage: { local: { type: 'local', path: path.join(dir, 'backups') } }, ...(encryption ? { encryption } : {}) }));
  return timed(label, [process.execPath, path.join(app, 'bin/orgbackup.js'), '-c', file, '--json', '--no-progress', '-q', 'create', '--jobs', '2']);
}

const results = [];
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
process.on('exit', () => {
  try {
    psql('postgres', ['-c', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`]);
  } catch {
    // the server is gone; nothing to drop
  }
  rmSync(work, { recursive: true, force: true });
});
try {
  const identity = await generateIdentity();
  const recipient = await identityToRecipient(identity);
  const throughput = await cipherThroughput(recipient);
  const header = await headerCost(recipient);

  psql('postgres', ['-c', `CREATE DATABASE ${db}`]);
  console.error(`seeding ${db} (scale ${SCALE}, ${ORGS} orgs)...`);
  psql(db, ['-v', `scale=${SCALE}`, '-v', `orgs=${ORGS}`, '-f', SEED]);
  const url = `postgres://postgres@127.0.0.1:5432/${db}`;
  const shapes = [
    { what: `mode none (1 archive)`, source: { type: 'postgres', url } },
    { what: `rows mode (${ORGS} archives, --jobs 2)`, source: { type: 'postgres', url, tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' } } },
  ];
  for (const shape of shapes) {
    const plain = [];
    const encrypted = [];
    for (let run = 0; run < RUNS; run++) {
      plain.push(orgbackup(`${shape.what} plain #${run + 1}`, path.join(work, 'plain'), shape.source));
      encrypted.push(orgbackup(`${shape.what} age #${run + 1}`, path.join(work, 'age'), shape.source, { recipients: [recipient] }));
    }
    results.push({ what: shape.what, plain, encrypted });
  }

  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, shared with other jobs (load ${os.loadavg()[0].toFixed(1)})`;
  const lines = [
    `### ${date} UTC — ${machine}`,
    '',
    `Scale ${SCALE} fixture (${ORGS} orgs), median of ${RUNS} interleaved runs; CPU = user + sys of orgbackup and the tools it ran.`,
    '',
    '| create | wall plain | wall age | ratio | CPU plain | CPU age | ratio | peak RSS plain / age |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const [pw, ew] = [median(r.plain.map((x) => x.wall)), median(r.encrypted.map((x) => x.wall))];
    const [pc, ec] = [median(r.plain.map((x) => x.cpu)), median(r.encrypted.map((x) => x.cpu))];
    const rss = (xs) => Math.max(...xs.map((x) => x.rssMb)).toFixed(0);
    lines.push(
      `| ${r.what} | ${pw.toFixed(2)} s | ${ew.toFixed(2)} s | ${(ew / pw).toFixed(2)}x | ${pc.toFixed(2)} s | ${ec.toFixed(2)} s | ${(ec / pc).toFixed(2)}x | ${rss(r.plain)} / ${rss(r.encrypted)} MB |`,
    );
  }
  lines.push(
    '',
    `Cipher alone, ${MIB} MiB, MB per CPU second: ${Object.entries(throughput)
      .map(([k, v]) => `${k} ${v.toFixed(0)}`)
      .join('; ')}.`,
  );
  lines.push(`Header per archive (X25519, one recipient), CPU: age-encryption package ${header.package.toFixed(2)} ms, orgbackup (native X25519) ${header.orgbackup.toFixed(2)} ms.`);
  console.log(lines.join('\n'));
  printResult(
    'encryption',
    results.map((r) => {
      const ratio = median(r.encrypted.map((x) => x.wall)) / median(r.plain.map((x) => x.wall));
      return { goal: `issue 8: create with age ≤ 1.15x without, ${r.what}`, figure: `${ratio.toFixed(2)}x wall at scale ${SCALE}`, met: ratio <= 1.15 };
    }),
  );
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
