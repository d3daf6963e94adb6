#!/usr/bin/env node
// Storage benchmark (issue 7): `orgbackup create` of the scale-8 fixture (test/fixtures/saas-pg.sql)
// to s3rver on loopback vs to local disk (wall time ratio, peak RSS via /usr/bin/time -f %M), and
// `orgbackup list` over 10,000 archives in s3rver (wall time). Needs the build (npm run build),
// PostgreSQL on 127.0.0.1:5432 and /usr/bin/time. Prints a markdown section and, with --write,
// puts it in bench/RESULTS.md under "## Storage".
//   node bench/storage.mjs [--scale 8] [--runs 3] [--archives 10000] [--write]
import { execa } from 'execa';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printResult } from './result-line.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/orgbackup.js');
const SEED = path.join(ROOT, 'test/fixtures/saas-pg.sql');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SCALE = opt('scale', 8);
const RUNS = opt('runs', 3);
const ARCHIVES = opt('archives', 10_000);
const PG = ['-h', '127.0.0.1', '-p', '5432', '-U', 'postgres'];
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

async function startS3rver(dir) {
  const child = execa(process.execPath, ['--openssl-legacy-provider', path.join(ROOT, 'bench/s3rver-server.mjs'), dir, '0', 'backups'], { reject: false, buffer: false });
  const port = await new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (c) => {
      seen += c;
      const m = /\{"port":(\d+)\}/.exec(seen);
      if (m) resolve(Number(m[1]));
    });
    child.then(() => reject(new Error('s3rver exited')));
  });
  return { child, port, endpoint: `http://127.0.0.1:${port}` };
}

/** Runs the CLI under /usr/bin/time; returns wall seconds, peak RSS MiB and the parsed JSON. */
async function timed(cliArgs) {
  const started = performance.now();
  const r = await execa('/usr/bin/time', ['-f', 'MAXRSS %M', process.execPath, BIN, ...cliArgs], { reject: false, env: { NO_COLOR: '1' } });
  const wall = (performance.now() - started) / 1000;
  const rss = Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
  if (r.exitCode !== 0) throw new Error(`orgbackup ${cliArgs.join(' ')} exited ${r.exitCode}: ${r.stderr.slice(-2000)}`);
  return { wall, rss, json: cliArgs.includes('--json') ? JSON.parse(r.stdout) : undefined };
}

/** The same listing with the bare SDK in this process: how much of list's time is the server's. */
async function rawListSeconds(endpoint, prefix) {
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const started = performance.now();
  let token;
  let keys = 0;
  let pages = 0;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: 'backups', Prefix: `${prefix}/`, ContinuationToken: token }));
    keys += page.KeyCount ?? 0;
    pages++;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  client.destroy();
  return { seconds: (performance.now() - started) / 1000, keys, pages };
}

/** 10,000 archives as key pairs (tiny zip + sidecar), written with the SDK: list reads keys only. */
async function seedArchives(endpoint, prefix, count) {
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const base = Date.UTC(2026, 0, 1);
  const keys = [];
  for (let i = 0; i < count; i++) {
    const ts = new Date(base + i * 60_000).toISOString().replace(/:/g, '-');
    const id = `app/org${String(i % 200).padStart(3, '0')}/${ts}`;
    keys.push(`${prefix}/${id}.zip`, `${prefix}/${id}.manifest.json`);
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < keys.length) {
        const key = keys[next++];
        await client.send(new PutObjectCommand({ Bucket: 'backups', Key: key, Body: key.endsWith('.zip') ? 'PK' : '{}' }));
      }
    }),
  );
  client.destroy();
}

async function main() {
  const work = await mkdtemp(path.join(os.tmpdir(), 'orgbackup-bench-storage-'));
  const db = `ob_bench_storage_${Date.now().toString(36)}`;
  const s3 = await startS3rver(path.join(work, 's3'));
  try {
    log(`seeding ${db} at scale ${SCALE}`);
    await execa('createdb', [...PG, db]);
    await execa('psql', [...PG, '-q', '-X', '-v', 'ON_ERROR_STOP=1', '-v', `scale=${SCALE}`, '-v', 'orgs=200', '-d', db, '-f', SEED], { env: { PGOPTIONS: '--client-min-messages=warning' } });
    const { stdout: dbSize } = await execa('psql', [...PG, '-Atc', `SELECT pg_size_pretty(pg_database_size('${db}'))`, '-d', db]);
    const config = path.join(work, 'bench.config.json');
    await writeFile(
      config,
      JSON.stringify({
        version: 1,
        sources: { app: { type: 'postgres', url: `postgres://postgres@127.0.0.1:5432/${db}` } },
        storage: {
          local: { type: 'local', path: path.join(work, 'local') },
          offsite: { type: 's3', bucket: 'backups', prefix: 'create', endpoint: s3.endpoint, forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
          many: { type: 's3', bucket: 'backups', prefix: 'list', endpoint: s3.endpoint, forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        },
      }),
    );
    const runs = { local: [], offsite: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const storage of i % 2 ? ['offsite', 'local'] : ['local', 'offsite']) {
        const r = await timed(['-c', config, '--json', 'create', '--storage', storage]);
        runs[storage].push({ wall: r.wall, rss: r.rss, size: r.json.archives[0].size });
        log(`create to ${storage}: ${r.wall.toFixed(2)} s, ${r.rss.toFixed(0)} MiB`);
      }
    }
    log(`writing ${ARCHIVES} archives (${ARCHIVES * 2} keys) to s3rver`);
    await seedArchives(s3.endpoint, 'list', ARCHIVES);
    const lists = [];
    const raws = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await timed(['-c', config, '--json', 'list', '--storage', 'many']);
      if (r.json.archives.length !== ARCHIVES) throw new Error(`list returned ${r.json.archives.length} archives, expected ${ARCHIVES}`);
      lists.push(r);
      const raw = await rawListSeconds(s3.endpoint, 'list');
      raws.push(raw);
      log(`list: ${r.wall.toFixed(2)} s, ${r.rss.toFixed(0)} MiB; bare SDK pagination ${raw.seconds.toFixed(2)} s (${raw.pages} pages, ${raw.keys} keys)`);
    }
    const nodeStart = [];
    for (let i = 0; i < RUNS; i++) nodeStart.push((await timed(['--version'])).wall);
    const local = median(runs.local.map((r) => r.wall));
    const offsite = median(runs.offsite.map((r) => r.wall));
    const cpu = os.cpus();
    const section = `## Storage

Measured ${new Date().toISOString().slice(0, 10)} by \`node bench/storage.mjs\` on ${cpu.length} × ${cpu[0]?.model.trim()} (shared with other work), Node ${process.version}, PostgreSQL on loopback, s3rver 3.7 on loopback (its filesystem store on the same disk). Medians of ${RUNS} runs; wall time of the whole CLI process; peak RSS from \`/usr/bin/time -f %M\`.

| what | wall s | peak RSS MiB | notes |
|---|---|---|---|
| \`create\` scale-${SCALE} fixture (${dbSize} database, one archive of ${(runs.local[0].size / 1048576).toFixed(0)} MiB) to local | ${local.toFixed(2)} | ${median(runs.local.map((r) => r.rss)).toFixed(0)} | |
| same to s3 (s3rver), 16 MiB parts × 2 in flight | ${offsite.toFixed(2)} | ${median(runs.offsite.map((r) => r.rss)).toFixed(0)} | ratio s3/local **${(offsite / local).toFixed(2)}×** (goal ≤ 1.3×); RSS goal < 200 MB |
| \`list\` over ${ARCHIVES.toLocaleString('en')} archives (${(ARCHIVES * 2).toLocaleString('en')} keys) in s3rver | ${median(lists.map((r) => r.wall)).toFixed(2)} | ${median(lists.map((r) => r.rss)).toFixed(0)} | ${raws[0].pages} ListObjectsV2 pages, no object read (goal < 5 s) |
| of which: the same pages with the bare SDK (s3rver's share) | ${median(raws.map((r) => r.seconds)).toFixed(2)} | | s3rver stats and reads 3 files per key listed |
| of which: \`orgbackup --version\` (process start) | ${median(nodeStart).toFixed(2)} | | |
`;
    process.stdout.write(section);
    const listWall = median(lists.map((r) => r.wall));
    printResult('storage', [
      { goal: 'issue 7: create to s3 ≤ 1.3x to local', figure: `${(offsite / local).toFixed(2)}x at scale ${SCALE}`, met: offsite / local <= 1.3 },
      { goal: 'issue 7: create to s3 peak RSS < 200 MB', figure: `${median(runs.offsite.map((r) => r.rss)).toFixed(0)} MB`, met: median(runs.offsite.map((r) => r.rss)) < 200 },
      {
        goal: 'issue 7: list of 10,000 archives in s3 < 5 s',
        figure: `${listWall.toFixed(1)} s for ${Number(ARCHIVES).toLocaleString('en')} (s3rver's own share ${median(raws.map((r) => r.seconds)).toFixed(1)} s)`,
        met: Number(ARCHIVES) >= 10_000 ? listWall < 5 : null,
      },
    ]);
    if (args.includes('--write')) {
      const file = path.join(ROOT, 'bench/RESULTS.md');
      const current = await readFile(file, 'utf8').catch(() => '# Benchmark results\n');
      const start = current.indexOf('## Storage\n');
      let updated;
      if (start < 0) updated = `${current.trimEnd()}\n\n${section}`;
      else {
        const end = current.indexOf('\n## ', start + 1);
        updated = current.slice(0, start) + section + (end < 0 ? '' : current.slice(end + 1));
      }
      await writeFile(file, updated);
      log(`updated ${file}`);
    }
  } finally {
    s3.child.kill('SIGKILL');
    await execa('dropdb', [...PG, '--if-exists', '--force', db], { reject: false });
    await rm(work, { recursive: true, force: true });
  }
}

await main();
