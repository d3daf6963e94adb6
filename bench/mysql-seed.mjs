// Seeds the MySQL/MariaDB SaaS fixture (test/fixtures/mysql-saas.sql) for benchmarks with any number
// of organizations and rows growing with them: the fixture's row counts (users 500, assets 2,000,
// issues 8,000, notifications 4,000 for 20 orgs) become per-org rates times `scale`, so each org
// holds about 925 × scale rows whatever the org count. Needs MariaDB (its seq_1_to_N tables).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const MYSQL_PORT = process.env.BENCH_MYSQL_PORT ?? '3306';
export const MYSQL_CLIENT_ARGS = ['-h', '127.0.0.1', '-P', MYSQL_PORT, '-uroot'];

export function mysqlRun(database, sql) {
  return execFileSync('mariadb', [...MYSQL_CLIENT_ARGS, '--default-character-set=utf8mb4', '-N', '-B', ...(database ? [database] : [])], { input: sql, encoding: 'utf8', maxBuffer: 1 << 26 }).trim();
}

/** The fixture's SQL for `orgs` organizations at `scale` (rows per org relative to the fixture's). */
export function scaledFixture(orgs, scale = 1) {
  const rate = (n) => Math.max(1, Math.round((n / 20) * orgs * scale));
  const [users, assets, issues, notifications] = [rate(500), rate(2000), rate(8000), rate(4000)];
  const max = Math.max(users, assets, issues, notifications, orgs, 5);
  const edits = [
    ['SET @orgs = 20;', `SET @orgs = ${orgs};`],
    [/INSERT INTO _seq SELECT .*;/, `INSERT INTO _seq SELECT seq FROM seq_1_to_${max};`],
    ['FROM _seq WHERE n <= 500;', `FROM _seq WHERE n <= ${users};`],
    [/1 \+ s\.n % 500/g, `1 + s.n % ${users}`],
    ['WHERE s.n <= 2000;', `WHERE s.n <= ${assets};`],
    ['1 + s.n % 2000', `1 + s.n % ${assets}`],
    ['WHERE s.n <= 8000;', `WHERE s.n <= ${issues};`],
    ['WHERE s.n <= 4000;', `WHERE s.n <= ${notifications};`],
  ];
  let sql = readFileSync(path.join(ROOT, 'test/fixtures/mysql-saas.sql'), 'utf8');
  for (const [from, to] of edits) {
    const next = sql.replace(from, to);
    if (next === sql) throw new Error(`bench/mysql-seed.mjs: the fixture no longer has ${from}`);
    sql = next;
  }
  return sql;
}

/** Creates `db` with the scaled fixture unless it exists (then it is reused); returns its size in MB. */
export function seedMysql(db, orgs, scale = 1) {
  const exists = mysqlRun(undefined, `SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${db}'`) === '1';
  if (!exists) {
    console.error(`seeding ${db} (${orgs} orgs, scale ${scale})...`);
    mysqlRun(undefined, `CREATE DATABASE ${db} CHARACTER SET utf8mb4`);
    mysqlRun(db, scaledFixture(orgs, scale));
    mysqlRun(db, 'ANALYZE TABLE organizations, departments, users, assets, issues, issue_comments, notifications');
  }
  return Number(mysqlRun(undefined, `SELECT SUM(DATA_LENGTH + INDEX_LENGTH) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${db}'`)) / 1e6;
}

export function dropMysql(db) {
  mysqlRun(undefined, `DROP DATABASE IF EXISTS ${db}`);
}
