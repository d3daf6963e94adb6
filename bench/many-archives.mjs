#!/usr/bin/env node
// Many archives (issue 19, goal 3): `list`, `list --stale`, `prune --dry-run` and `verify --all
// --quick` over a fleet of synthesized archives in local storage and in s3rver, each command one
// CLI process under /usr/bin/time (wall time, peak RSS), S3 requests counted by a proxy between
// the CLI and s3rver. Also `list` of one tenant, which must stay one prefix listing.
//
// The archives are written straight in the key layout (SPEC.md "Archives"), not made by create:
// one real archive of a files source is the template, and every synthesized archive is its zip
// (the same bytes, so its size and sha256 hold) beside its sidecar with the id, tenant and object
// key rewritten -- what level 1 of verify checks. s3rver's share is written into its filesystem
// store directly (object + .md5 files, as s3rver keeps them), since 200,000 PUTs through s3rver
// would take longer than the benchmark.
// usage (after `npm run build`):
//   node bench/many-archives.mjs [--local 100000] [--s3 10000] [--per-tenant 10] [--skip s3|local]
// Retention is keepLast 7, so prune --dry-run would remove 3 of every 10 archives (reading their sidecars).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import { printResult } from './result-line.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
// --bin: another build's bin/orgbackup.js (an earlier checkout), to compare; commands it lacks are reported as failed.
const BIN = path.resolve(opt('bin', path.join(ROOT, 'bin/orgbackup.js')));
// --local 10000,100000: measured at each size in turn, the fleet grown between (tenants are added).
const LOCAL = opt('local', '100000').split(',').map(Number);
const S3 = Number(opt('s3', '10000'));
const PER_TENANT = Number(opt('per-tenant', '10'));
const SKIP = opt('skip', '');
// --commands list,stale,prune,verify,one picks the commands; --verify-upto N skips verify --quick above N archives.
const PICKED = opt('commands', 'list,stale,prune,verify,one').split(',');
const VERIFY_UPTO = Number(opt('verify-upto', 'Infinity'));
// --heap MB runs the CLI with --max-old-space-size=MB: a run that finishes shows what the heap is bounded by.
const HEAP = opt('heap', undefined);
const WORKERS = Number(opt('workers', '4'));
const work = isMainThread ? mkdtempSync(path.join(opt('dir', os.tmpdir()), 'ob-bench-archives-')) : '';
const log = (msg) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
const tenantName = (i) => `org-${String(i).padStart(6, '0')}`;

const cli = (argv) => [process.execPath, ...(HEAP ? [`--max-old-space-size=${HEAP}`] : []), BIN, ...argv];

/** Runs the CLI under /usr/bin/time with stdout to /dev/null; returns wall s, peak RSS MB, exit code. */
function timed(argv) {
  const res = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', ...cli(argv)], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 28 });
  const m = /TIME ([\d.]+) (\d+)/.exec(res.stderr);
  if (!m) throw new Error(`no timing for ${argv.join(' ')}: ${res.stderr.slice(-2000)}`);
  // list --stale exits 1 when tenants are stale; anything else non-zero is a failure.
  if (res.status !== 0 && !(argv.includes('--stale') && res.status === 1)) throw new Error(`orgbackup ${argv.join(' ')} exited ${res.status}: ${res.stderr.slice(-2000)}`);
  return { wall: Number(m[1]), rssMb: Number(m[2]) / 1024, exit: res.status };
}

/** The CLI's stdout (JSON), for checking what a run found. */
function json(argv) {
  const out = execFileSync(process.execPath, [BIN, ...argv], { cwd: work, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out);
}

/** One real archive: its zip bytes and its sidecar text, with the id and tenant to rewrite. */
function makeTemplate(config) {
  const created = json(['-c', config, '--json', 'create', '--source', 'app', '--tenant', tenantName(0), '--storage', 'template']);
  const id = created.archives[0].id;
  const dir = path.join(work, 'template', 'app', tenantName(0));
  const stamp = id.split('/')[2];
  return { id, stamp, zip: readFileSync(path.join(dir, `${stamp}.zip`)), sidecar: readFileSync(path.join(dir, `${stamp}.manifest.json`), 'utf8') };
}

/** Per tenant of [from, to), PER_TENANT archives a day apart, the newest 2 days old (so `list --stale 26h` finds every tenant stale). */
function* archivesOf(from, to, count, perTenant, template) {
  const newest = Date.now() - 2 * 86_400_000;
  for (let t = from; t < to; t++) {
    const tenant = tenantName(t);
    for (let a = 0; a < perTenant && t * perTenant + a < count; a++) {
      const stamp = new Date(newest - a * 86_400_000 - t).toISOString().replace(/:/g, '-');
      const id = `app/${tenant}/${stamp}`;
      const sidecar = template.sidecar
        .split(template.id)
        .join(id)
        .split(`"${tenantName(0)}"`)
        .join(`"${tenant}"`);
      yield { tenant, stamp, sidecar };
    }
  }
}

/**
 * One synthesis worker's share (tenants [from, to)). A tenant's first zip is written, its others
 * are hard links of it (the same bytes, so size and sha256 hold; a link is one syscall instead of
 * a create and a write; one file per tenant keeps under the filesystem's ~65,000 links per inode);
 * sidecars are written. s3rver's store keeps `<name>._S3rver_object` and its `.md5`.
 */
function synthesize({ kind, root, from, to, count, perTenant, template, zipMd5 }) {
  const zip = Buffer.from(template.zip, 'base64');
  const suffix = kind === 'local' ? '' : '._S3rver_object';
  let dir;
  let first;
  for (const { tenant, stamp, sidecar } of archivesOf(from, to, count, perTenant, template)) {
    const tenantDir = path.join(root, 'app', tenant);
    if (dir !== tenantDir) {
      mkdirSync((dir = tenantDir), { recursive: true });
      first = undefined;
    }
    const zipPath = path.join(dir, `${stamp}.zip${suffix}`);
    if (first) linkSync(first, zipPath);
    else writeFileSync((first = zipPath), zip);
    writeFileSync(path.join(dir, `${stamp}.manifest.json${suffix}`), sidecar);
    if (kind === 'local') continue;
    writeFileSync(`${zipPath}.md5`, zipMd5);
    writeFileSync(path.join(dir, `${stamp}.manifest.json${suffix}.md5`), createHash('md5').update(sidecar).digest('hex'));
  }
}

/** Adds tenants [fromTenant, toTenant) of a `count`-archive fleet under root, WORKERS threads at once. */
async function writeArchives(kind, root, fromTenant, toTenant, count, template) {
  const zipMd5 = createHash('md5').update(template.zip).digest('hex');
  const started = Date.now();
  const span = Math.ceil((toTenant - fromTenant) / WORKERS);
  const shares = [];
  for (let from = fromTenant; from < toTenant; from += span) {
    const data = {
      kind,
      root,
      from,
      to: Math.min(toTenant, from + span),
      count,
      perTenant: PER_TENANT,
      template: { id: template.id, sidecar: template.sidecar, zip: template.zip.toString('base64') },
      zipMd5,
    };
    shares.push(
      new Promise((resolve, reject) => {
        const worker = new Worker(fileURLToPath(import.meta.url), { workerData: data });
        worker.once('error', reject);
        worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`synthesis worker exited ${code}`))));
      }),
    );
  }
  await Promise.all(shares);
  const seconds = (Date.now() - started) / 1000;
  log(`${kind}: tenants ${fromTenant}..${toTenant - 1} written in ${seconds.toFixed(1)} s`);
  return seconds;
}

async function startS3rver(dir) {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', path.join(ROOT, 'bench/s3rver-server.mjs'), dir, '0', 'backups'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(JSON.parse(String(d)).port));
    child.once('exit', () => reject(new Error('s3rver exited')));
  });
  return { child, port };
}

/** A proxy in front of s3rver that counts requests: ListObjectsV2 pages, GETs, others. */
function countingProxy(targetPort) {
  const counts = { list: 0, get: 0, other: 0, listPrefixes: new Set() };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
      counts.list++;
      counts.listPrefixes.add(url.searchParams.get('prefix') ?? '');
    } else if (req.method === 'GET') counts.get++;
    else counts.other++;
    const upstream = http.request({ host: '127.0.0.1', port: targetPort, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (e) => res.destroy(e));
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port, counts })));
}

function reset(counts) {
  Object.assign(counts, { list: 0, get: 0, other: 0, listPrefixes: new Set() });
}

const COMMANDS = [
  ['list', 'list', ['list']],
  ['stale', 'list --stale 26h', ['list', '--stale', '26h']],
  ['prune', 'prune --dry-run', ['prune', '--dry-run']],
  ['verify', 'verify --all --quick', ['verify', '--all', '--quick']],
  ['one', 'list one tenant', ['list', '--source', 'app', '--tenant', tenantName(1)]],
];

async function measure(storage, archives, counts, rows, results) {
  for (const [key, label, argv] of COMMANDS) {
    if (!PICKED.includes(key) || (key === 'verify' && archives > VERIFY_UPTO)) continue;
    if (counts) reset(counts);
    // The proxy answers in this process: the CLI must run without blocking its event loop.
    let r;
    try {
      r = counts ? await timedAsync(['-c', 'bench.config.json', ...argv, '--storage', storage]) : timed(['-c', 'bench.config.json', ...argv, '--storage', storage]);
    } catch (error) {
      log(`${storage} ${archives}: ${label}: ${String(error).split('\n')[0]}`);
      rows.push(`| ${storage} | ${archives.toLocaleString('en')} | \`${label}\` | failed | | |`);
      results.push({ storage, archives, command: label, failed: true });
      continue;
    }
    const requests = counts ? `${counts.list} list, ${counts.get} get, ${counts.other} other${label === 'list one tenant' ? ` (prefixes: ${[...counts.listPrefixes].join(' ')})` : ''}` : '-';
    log(`${storage} ${archives}: ${label}: ${r.wall} s, ${r.rssMb.toFixed(0)} MB, requests ${requests}`);
    rows.push(`| ${storage} | ${archives.toLocaleString('en')} | \`${label}\` | ${r.wall.toFixed(1)} | ${r.rssMb.toFixed(0)} | ${requests} |`);
    results.push({ storage, archives, command: label, wall: r.wall, rssMb: Math.round(r.rssMb), ...(counts ? { list: counts.list, get: counts.get, other: counts.other } : {}) });
  }
}

function timedAsync(argv) {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'TIME %e %M', ...cli(argv)], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-8000)));
    child.on('exit', (status) => {
      const m = /TIME ([\d.]+) (\d+)/.exec(stderr);
      if (!m || (status !== 0 && !(argv.includes('--stale') && status === 1))) return reject(new Error(`orgbackup ${argv.join(' ')} exited ${status}: ${stderr}`));
      resolve({ wall: Number(m[1]), rssMb: Number(m[2]) / 1024, exit: status });
    });
  });
}

async function main() {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const largest = Math.max(...LOCAL, S3);
  const tenants = Math.ceil(largest / PER_TENANT);
  log(`work dir ${work}; load ${load}; up to ${tenants} tenants`);
  const tenantsDir = path.join(work, 'tenants');
  // The source's tenants (what --stale and prune discover) grow with the fleet: as many as have archives.
  let discovered = 0;
  const addTenants = (upTo) => {
    for (; discovered < upTo; discovered++) mkdirSync(path.join(tenantsDir, tenantName(discovered)), { recursive: true });
  };
  addTenants(1);
  writeFileSync(path.join(tenantsDir, tenantName(0), 'data.txt'), 'tenant data\n');
  const s3dir = path.join(work, 's3');
  const s3 = await startS3rver(s3dir);
  const proxy = await countingProxy(s3.port);
  const s3storage = { type: 's3', bucket: 'backups', prefix: 'many', endpoint: `http://127.0.0.1:${proxy.port}`, forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const config = path.join(work, 'bench.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      version: 1,
      sources: { app: { type: 'files', path: './tenants', tenants: { mode: 'directory' } } },
      storage: { template: { type: 'local', path: './template' }, local: { type: 'local', path: './local' }, s3: s3storage },
      retention: { keepLast: 7 },
    }),
  );
  const rows = [];
  const results = [];
  const synthesis = [];
  try {
    const template = makeTemplate(config);
    if (!SKIP.includes('local')) {
      // Each size adds the tenants the previous one lacked: the fleet grows, nothing is rewritten.
      let written = 0;
      for (const size of [...LOCAL].sort((a, b) => a - b)) {
        const upTo = Math.ceil(size / PER_TENANT);
        log(`local: growing to ${size} archives`);
        synthesis.push({ storage: 'local', archives: size, seconds: await writeArchives('local', path.join(work, 'local'), written, upTo, size, template) });
        written = upTo;
        addTenants(upTo);
        await measure('local', size, undefined, rows, results);
      }
    }
    if (!SKIP.includes('s3')) {
      log(`writing ${S3} archives into s3rver's store`);
      addTenants(Math.ceil(S3 / PER_TENANT));
      synthesis.push({ storage: 's3', archives: S3, seconds: await writeArchives('s3', path.join(s3dir, 'backups', 'many'), 0, Math.ceil(S3 / PER_TENANT), S3, template) });
      await measure('s3', S3, proxy.counts, rows, results);
    }
  } finally {
    proxy.server.close();
    s3.child.kill();
    // Removing millions of files takes minutes: left to a detached rm, so the result comes now.
    spawn('rm', ['-rf', work], { detached: true, stdio: 'ignore' }).unref();
  }
  const end = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const flags = process.argv.slice(2).join(' ');
  console.log(
    `\nMeasured ${new Date().toISOString().slice(0, 16)}Z by \`node bench/many-archives.mjs ${flags}\`, ${os.cpus().length} CPUs, load average at the start ${load}, at the end ${end}; one run each; ${PER_TENANT} archives per tenant, retention keepLast 7.`,
  );
  console.log(`Synthesis: ${synthesis.map((s) => `${s.storage} to ${s.archives.toLocaleString('en')} in ${s.seconds.toFixed(0)} s`).join(', ')} (${WORKERS} threads).\n`);
  console.log('| storage | archives | command | wall s | peak RSS MB | S3 requests |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  const peak = Math.max(...results.map((r) => r.rssMb ?? 0));
  const failed = results.filter((r) => r.failed).length;
  printResult(
    'many-archives',
    [{ goal: 'issue 19 goal 3: list/prune/verify peak RSS < 200 MB', figure: `${peak} MB peak over ${results.length} commands${failed ? `, ${failed} failed` : ''}`, met: peak < 200 && failed === 0 }],
    { results, synthesis, heapMb: HEAP },
  );
}

if (isMainThread) await main();
else synthesize(workerData);
