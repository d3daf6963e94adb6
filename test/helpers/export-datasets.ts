/**
 * The sample databases' export check, shared by the local suite (export-datasets) and the
 * remote-storage one: Pagila (PostgreSQL) and Chinook (MySQL/MariaDB) loaded, archived whole,
 * exported from the archive, the exported files loaded into an empty copy of the schema (the .sql
 * files with the stock client, Pagila's CSV with COPY), and every table's digest (all rows, every
 * value) compared with the source's. `configFor` says where the archive is stored.
 */
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { runCli } from './cli.js';
import { dataset } from './datasets.js';
import { createMysqlDb, dropMysqlDb, loadChinookMysql, MYSQL_HOST, MYSQL_PORT, MYSQL_USER, mysqlDigests, mysqlExec, mysqlUrl } from './mysql.js';
import { createDb, dropDb, pgUrl, psql, tableDigests } from './pg.js';
import { createArchives, pgSource } from './restore.js';
import { workDir, type Later } from './restore-fixtures.js';

interface Index {
  tables: { name: string; file: string; rows: number }[];
}

type ConfigFor = (dir: string, source: Record<string, unknown>) => Promise<string>;

async function exported(config: string, id: string, dir: string, format: string): Promise<{ out: string; index: Index }> {
  const out = path.join(dir, format);
  const res = await runCli(['-c', config, '--json', 'export', id, '--format', format, '-o', out]);
  expect(res.exitCode, res.stderr).toBe(0);
  return { out, index: JSON.parse(await readFile(path.join(out, 'index.json'), 'utf8')) as Index };
}

/** Pagila archived whole, exported as each of `formats` (sql, csv), each loaded and compared. */
export async function expectPagilaExport(configFor: ConfigFor, later: Later, formats: ('sql' | 'csv')[]): Promise<void> {
  const db = await createDb('obexppagila');
  later(() => dropDb(db));
  await psql(db, { file: dataset('pagila', 'pagila-schema.sql') });
  await psql(db, { file: dataset('pagila', 'pagila-data.sql') });
  const dir = await workDir(later);
  const config = await configFor(dir, pgSource(db));
  const [id] = (await createArchives(config)) as [string];
  const source = await tableDigests(db);
  // As pg_dump itself loads data: tables first, the files, then keys, constraints and indexes.
  const section = async (name: string) => (await execa('pg_dump', [`--section=${name}`, '--no-owner', '-d', pgUrl(db)])).stdout;
  const [preData, postData] = await Promise.all([section('pre-data'), section('post-data')]);
  for (const format of formats) {
    const files = await exported(config, id, dir, format);
    const copy = await createDb(`obexppagila_${format}`);
    later(() => dropDb(copy));
    await psql(copy, { sql: preData });
    if (format === 'sql') {
      expect(files.index.tables.find((t) => t.name === 'public.film')).toMatchObject({ rows: 1000, file: 'public.film.sql' });
      for (const t of files.index.tables) await psql(copy, { file: path.join(files.out, t.file) });
    } else {
      const quoted = (name: string) =>
        name
          .split('.')
          .map((n) => `"${n}"`)
          .join('.');
      const copies = files.index.tables.map((t) => `\\copy ${quoted(t.name)} FROM '${path.join(files.out, t.file)}' WITH (FORMAT csv, HEADER)`);
      await psql(copy, { sql: copies.join('\n') });
    }
    await psql(copy, { sql: postData });
    expect(await tableDigests(copy), format).toEqual(source);
  }
}

/** Chinook archived whole, exported as sql, loaded into an empty copy of its schema and compared. */
export async function expectChinookExport(configFor: ConfigFor, later: Later): Promise<void> {
  const db = await createMysqlDb('ob_expchinook');
  later(() => dropMysqlDb(db));
  await loadChinookMysql(db, dataset('chinook', 'Chinook_MySql.sql'));
  const dir = await workDir(later);
  const config = await configFor(dir, { type: 'mysql', url: mysqlUrl(db) });
  const [id] = (await createArchives(config)) as [string];
  const sql = await exported(config, id, dir, 'sql');
  expect(sql.index.tables.find((t) => t.name === 'Track')).toMatchObject({ rows: 3503 });
  const copy = await createMysqlDb('ob_expchinook_copy');
  later(() => dropMysqlDb(copy));
  const client = process.env.ORGBACKUP_TEST_MYSQL_DUMP ?? 'mariadb-dump';
  const schema = (await execa(client, ['-h', MYSQL_HOST, '-P', String(MYSQL_PORT), '-u', MYSQL_USER, '--no-data', '--skip-triggers', db])).stdout;
  await mysqlExec(copy, schema);
  for (const t of sql.index.tables) await mysqlExec(copy, await readFile(path.join(sql.out, t.file), 'utf8'));
  const [source, loaded] = await Promise.all([mysqlDigests(db), mysqlDigests(copy)]);
  delete source['(objects)'];
  delete loaded['(objects)'];
  expect(loaded).toEqual(source);
}
