/**
 * SQL of MySQL rows mode: which rows belong to a tenant (a WHERE predicate per planned table,
 * following the plan's foreign-key paths), and the rows themselves written as extended INSERT
 * statements in mysqldump's style, so that an entry loads with the stock mysql client.
 * Values arrive as the server's text (mysql2 with typeCast off): binary, bit and spatial values
 * are written in hex, numbers bare, everything else quoted with mysqldump's escapes.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { PlannedTable, RowsPlan } from '../../rows/plan.js';
import { RowDigest } from '../../rows/digest.js';
import { quoteMysqlIdent } from '../connection.js';

const HEX_TYPES = new Set([
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'bit',
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);
const NUMERIC_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'decimal', 'numeric', 'float', 'double', 'real']);
const ENTRY_SESSION = "/*!40101 SET NAMES utf8mb4 */;\nSET time_zone = '+00:00';\nSET sql_mode = 'NO_AUTO_VALUE_ON_ZERO';\nSET foreign_key_checks = 0;\n";
/** Statements are cut at about this size, well under the default max_allowed_packet (16 MiB). */
const STATEMENT_BYTES = 1024 * 1024;

export function columnList(columns: readonly string[]): string {
  return columns.map(quoteMysqlIdent).join(',');
}

/** `column = 'tenant'` for tenant and root tables; an IN-subquery chain up the plan for children. */
export function tenantPredicate(plan: RowsPlan, table: PlannedTable, literal: string): string {
  if (table.role !== 'child') return `${quoteMysqlIdent(table.filterColumn!)} = ${literal}`;
  const fk = table.via!;
  const parent = plan.tables.find((t) => t.table === fk.references);
  if (!parent) throw new Error(`internal: ${table.table} references ${fk.references}, which is not in the rows plan`);
  const left = fk.columns.length === 1 ? quoteMysqlIdent(fk.columns[0]!) : `(${columnList(fk.columns)})`;
  return `${left} IN (SELECT ${columnList(fk.referencedColumns)} FROM ${quoteMysqlIdent(parent.name)} WHERE ${tenantPredicate(plan, parent, literal)})`;
}

export function selectSql(plan: RowsPlan, table: PlannedTable, literal: string): string {
  const order = table.primaryKey.length > 0 ? ` ORDER BY ${columnList(table.primaryKey)}` : '';
  return `SELECT ${columnList(table.columns)} FROM ${quoteMysqlIdent(table.name)} WHERE ${tenantPredicate(plan, table, literal)}${order}`;
}

const ESCAPES: Record<number, string> = { 0x00: '\\0', 0x0a: '\\n', 0x0d: '\\r', 0x1a: '\\Z', 0x22: '\\"', 0x27: "\\'", 0x5c: '\\\\' };

/** A quoted string literal of raw UTF-8 bytes; multi-byte sequences never hold these ASCII bytes. */
export function quoteBytes(value: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from("'")];
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const escape = ESCAPES[value[i]!];
    if (escape === undefined) continue;
    parts.push(value.subarray(from, i), Buffer.from(escape, 'latin1'));
    from = i + 1;
  }
  parts.push(value.subarray(from), Buffer.from("'"));
  return Buffer.concat(parts);
}

export type ValueKind = 'hex' | 'number' | 'string';

export function valueKind(dataType: string | undefined): ValueKind {
  if (dataType && HEX_TYPES.has(dataType)) return 'hex';
  return dataType && NUMERIC_TYPES.has(dataType) ? 'number' : 'string';
}

export function encodeValue(value: Buffer | null, kind: ValueKind): Buffer {
  if (value === null) return Buffer.from('NULL');
  if (kind === 'hex') return value.length === 0 ? Buffer.from("''") : Buffer.from(`0x${value.toString('hex')}`);
  return kind === 'number' ? value : quoteBytes(value);
}

/** A row's values as they stand between the parentheses of an INSERT tuple: `1,'a\\'b',NULL`; never holds a line break. */
export function encodeRow(row: readonly (Buffer | null)[], kinds: readonly ValueKind[]): Buffer {
  return Buffer.concat(join(row.map((v, i) => encodeValue(v, kinds[i] ?? 'string'))));
}

/** The writer of a table's entry; `types` is the table's column -> DATA_TYPE. */
export function insertWriterFor(table: Pick<PlannedTable, 'name' | 'columns'>, types: Record<string, string>): InsertWriter {
  return new InsertWriter(
    table.name,
    table.columns,
    table.columns.map((c) => valueKind(types[c])),
  );
}

/**
 * Rows (arrays of raw values) in, INSERT statements out, between a header comment and a
 * `-- Dump completed` trailer (which verify requires, like mysqldump's). Counts rows, hashes the
 * output and takes the order-independent digest of the rows (each row's encoded values) as it
 * goes: a restore test reads the restored rows through the same writer and compares digests.
 */
export class InsertWriter extends Transform {
  rows = 0;
  private readonly hash = createHash('sha256');
  private sha: string | undefined;
  private readonly rowDigest = new RowDigest();
  private readonly prefix: Buffer;
  private statement: Buffer[] = [];
  private statementBytes = 0;

  constructor(
    private readonly table: string,
    columns: readonly string[],
    private readonly kinds: readonly ValueKind[],
  ) {
    super({ writableObjectMode: true, readableHighWaterMark: 1024 * 1024 });
    this.prefix = Buffer.from(`INSERT INTO ${quoteMysqlIdent(table)} (${columnList(columns)}) VALUES `);
    // The session settings the values were read with, for loading an entry with the stock client.
    this.emit_(Buffer.from(`-- orgbackup rows of table ${quoteMysqlIdent(table)}\n${ENTRY_SESSION}`));
  }

  /** A row as raw values, or as the tuple body `encodeRow` made of them (a rows batch's spool holds those). */
  override _transform(row: (Buffer | null)[] | Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const values = Buffer.isBuffer(row) ? row : encodeRow(row, this.kinds);
    this.rowDigest.addRow(values);
    const tuple = Buffer.concat([Buffer.from(this.statementBytes === 0 ? '(' : ',('), values, Buffer.from(')')]);
    if (this.statementBytes === 0) this.statement.push(this.prefix);
    this.statement.push(tuple);
    this.statementBytes += tuple.length;
    this.rows++;
    if (this.statementBytes >= STATEMENT_BYTES) this.endStatement();
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.endStatement();
    this.emit_(Buffer.from(`-- Dump completed: ${this.rows} rows of ${quoteMysqlIdent(this.table)}\n`));
    callback();
  }

  get sha256(): string {
    this.sha ??= this.hash.digest('hex');
    return this.sha;
  }

  /** The order-independent digest of the rows written (rows/digest.ts). */
  get digest(): string {
    return this.rowDigest.hex;
  }

  private endStatement(): void {
    if (this.statementBytes === 0) return;
    this.statement.push(Buffer.from(';\n'));
    this.emit_(Buffer.concat(this.statement));
    this.statement = [];
    this.statementBytes = 0;
  }

  private emit_(chunk: Buffer): void {
    this.hash.update(chunk);
    this.push(chunk);
  }
}

function join(values: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  values.forEach((v, i) => {
    if (i > 0) out.push(Buffer.from(','));
    out.push(v);
  });
  return out;
}
