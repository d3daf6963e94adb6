/**
 * export of the public sample databases, compared value by value with the database they came
 * from: Pagila (PostgreSQL, whole-database archive: enums, domains, arrays, tsvector, bytea,
 * partitions) and Chinook (MySQL/MariaDB). The exported files are loaded into an empty copy of
 * the schema (the .sql files with the stock client, Pagila's CSV with COPY) and every table's
 * digest (all rows, every value) must equal the source's. Skipped, with the reason, when the
 * shared datasets are absent.
 */
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DATASETS_SKIP_REASON, dataset, hasDatasets } from '../helpers/datasets.js';
import { createMysqlDb, dropMysqlDb, loadChinookMysql, MYSQL_HOST, MYSQL_PORT, MYSQL_USER, mysqlDigests, mysqlExec, mysqlUrl } from '../helpers/mysql.js';
import { createDb, dropDb, pgUrl, psql, tableDigests } from '../helpers/pg.js';
import { configWith, createArchives, pgSource } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

interface Index {
  tables: { name: string; file: string; rows: number }[];
}

async function exported(config: string, id: string, dir: string, format: string): Promise<{ out: string; index: Index }> {
  const out = path.join(dir, format);
  const res = await runCli(['-c', config, '--json', 'export', id, '--format', format, '-o', out]);
  expect(res.exitCode, res.stderr).toBe(0);
  return { out, index: JSON.parse(await readFile(path.join(out, 'index.json'), 'utf8')) as Index };
}

const why = hasDatasets ? 'datasets present' : DATASETS_SKIP_REASON;

describe.skipIf(!hasDatasets)(`export of the sample databases (${why})`, () => {
  it('Pagila (PostgreSQL): the sql and csv files load into an empty copy of the schema with every value equal', async () => {
    const db = await createDb('obexppagila');
    cleanups.push(() => dropDb(db));
    await psql(db, { file: dataset('pagila', 'pagila-schema.sql') });
    await psql(db, { file: dataset('pagila', 'pagila-data.sql') });
    const tmp = await tempDir('orgbackup-e2e-export-pagila-');
    cleanups.push(() => tmp.cleanup());
    const config = await configWith(tmp.dir, pgSource(db));
    const [id] = await createArchives(config);
    const source = await tableDigests(db);
    // As pg_dump itself loads data: tables first, the files, then keys, constraints and indexes.
    const section = async (name: string) => (await execa('pg_dump', [`--section=${name}`, '--no-owner', '-d', pgUrl(db)])).stdout;
    const [preData, postData] = await Promise.all([section('pre-data'), section('post-data')]);

    const sql = await exported(config, id!, tmp.dir, 'sql');
    expect(sql.index.tables.find((t) => t.name === 'public.film')).toMatchObject({ rows: 1000, file: 'public.film.sql' });
    const fromSql = await createDb('obexppagila_sql');
    cleanups.push(() => dropDb(fromSql));
    await psql(fromSql, { sql: preData });
    for (const t of sql.index.tables) await psql(fromSql, { file: path.join(sql.out, t.file) });
    await psql(fromSql, { sql: postData });
    expect(await tableDigests(fromSql)).toEqual(source);

    const csv = await exported(config, id!, tmp.dir, 'csv');
    const fromCsv = await createDb('obexppagila_csv');
    cleanups.push(() => dropDb(fromCsv));
    await psql(fromCsv, { sql: preData });
    const copies = csv.index.tables.map(
      (t) =>
        `\\copy ${t.name
          .split('.')
          .map((n) => `"${n}"`)
          .join('.')} FROM '${path.join(csv.out, t.file)}' WITH (FORMAT csv, HEADER)`,
    );
    await psql(fromCsv, { sql: `${copies.join('\n')}\n${postData}` });
    expect(await tableDigests(fromCsv)).toEqual(source);
    // Pagila is loaded three times and exported twice: on a loaded 2-core machine that takes minutes.
  }, 420_000);

  it('Chinook (MySQL/MariaDB): the sql files load into an empty copy of the schema with every value equal', async () => {
    const db = await createMysqlDb('ob_expchinook');
    cleanups.push(() => dropMysqlDb(db));
    await loadChinookMysql(db, dataset('chinook', 'Chinook_MySql.sql'));
    const tmp = await tempDir('orgbackup-e2e-export-chinook-');
    cleanups.push(() => tmp.cleanup());
    const config = await configWith(tmp.dir, { type: 'mysql', url: mysqlUrl(db) });
    const [id] = await createArchives(config);
    const sql = await exported(config, id!, tmp.dir, 'sql');
    expect(sql.index.tables.find((t) => t.name === 'Track')).toMatchObject({ rows: 3503 });
    const copy = await createMysqlDb('ob_expchinook_copy');
    cleanups.push(() => dropMysqlDb(copy));
    const client = process.env.ORGBACKUP_TEST_MYSQL_DUMP ?? 'mariadb-dump';
    const schema = (await execa(client, ['-h', MYSQL_HOST, '-P', String(MYSQL_PORT), '-u', MYSQL_USER, '--no-data', '--skip-triggers', db])).stdout;
    await mysqlExec(copy, schema);
    for (const t of sql.index.tables) await mysqlExec(copy, await readFile(path.join(sql.out, t.file), 'utf8'));
    const [source, loaded] = await Promise.all([mysqlDigests(db), mysqlDigests(copy)]);
    delete source['(objects)'];
    delete loaded['(objects)'];
    expect(loaded).toEqual(source);
  });
});
