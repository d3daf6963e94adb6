/**
 * Reads a mysqldump/mariadb-dump SQL stream as it flows and counts the rows of every table's
 * INSERT statements. MySQL has no exported snapshots, so counting what the dump itself holds is
 * the only way to get row counts that match it exactly (taken in its one transaction). The same
 * scan is verify's level-2 check: the header names the dump tool, every statement ends, the
 * trailer `-- Dump completed` is there (mysqldump writes it last, only on success), and the counts
 * equal the manifest's.
 *
 * The scan is a byte-level state machine. Data INSERTs begin a line with "INSERT INTO `table`"
 * and run to the semicolon that ends them (MySQL writes them on one line, MariaDB 10.11 one tuple
 * per line; strings never hold a raw line break). Inside them it tracks string literals
 * (backslash escapes, doubled quotes) and parenthesis depth, and counts a row at each top-level
 * "(". Lines inside DELIMITER blocks (routines, triggers, events) are bodies, never data.
 */
import { Transform, type TransformCallback } from 'node:stream';

const INSERT_PREFIX = Buffer.from('INSERT INTO `', 'latin1');
/**
 * What separates the table (and column list) from the tuples, followed by a space or a line
 * break (MariaDB 10.11 writes each tuple on its own line); the blanks around it keep a column
 * named VALUES from matching.
 */
const VALUES_WORD = Buffer.from(' VALUES', 'latin1');
const isBlank = (b: number) => b === 0x20 || b === NL || b === 0x0d || b === 0x09;
/** Bytes of each line kept to recognise comments and DELIMITER lines. */
const LINE_HEAD = 200;
/** Lines searched for the header comment. */
const HEADER_LINES = 3;

const NL = 0x0a;
const BACKTICK = 0x60;
const QUOTE = 0x27;
const BACKSLASH = 0x5c;
const OPEN = 0x28;
const CLOSE = 0x29;
const SEMI = 0x3b;

const enum State {
  LineStart,
  /** Matching INSERT_PREFIX. */
  Prefix,
  /** Rest of a line that is not a data INSERT. */
  OtherLine,
  Name,
  NameTick,
  SeekValues,
  Tuples,
  Str,
  StrEscape,
  StrQuote,
  /** After the INSERT's terminating semicolon. */
  AfterStatement,
}

export interface DumpScan {
  /**
   * The header comment, e.g. `-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, ...`: the first
   * comment line among the first lines (MariaDB >= 10.11.8 writes a sandbox-mode line before it).
   */
  header: string;
  completed: boolean;
  /** Rows per table, in the order the tables appear. */
  rows: Map<string, number>;
  /** The scan ended inside a statement (a truncated dump). */
  truncated: boolean;
}

export class DumpScanner {
  private state = State.LineStart;
  private prefixPos = 0;
  private lineHead: number[] = [];
  private lineNo = 0;
  private name: number[] = [];
  private table = '';
  private valuesPos = 0;
  private depth = 0;
  private delimiterBlock = false;
  readonly scan: DumpScan = { header: '', completed: false, rows: new Map(), truncated: false };

  push(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      switch (this.state) {
        case State.Str: {
          // Hot path: skip to the next quote or backslash in one tight loop.
          let j = i;
          while (j < chunk.length && chunk[j] !== QUOTE && chunk[j] !== BACKSLASH) j++;
          i = j;
          if (j < chunk.length) this.state = chunk[j] === QUOTE ? State.StrQuote : State.StrEscape;
          break;
        }
        case State.StrEscape:
          this.state = State.Str;
          break;
        case State.StrQuote:
          if (b === QUOTE) this.state = State.Str;
          else {
            this.state = State.Tuples;
            i--;
          }
          break;
        case State.Tuples: {
          // Hot path: numbers, commas and hex skip to the next byte that matters.
          let j = i;
          for (let c = chunk[j]!; j < chunk.length && c !== QUOTE && c !== OPEN && c !== CLOSE && c !== SEMI; c = chunk[++j]!);
          i = j;
          if (j < chunk.length) this.tuplesByte(chunk[j]!);
          break;
        }
        default:
          this.lineByte(b);
      }
    }
  }

  private tuplesByte(b: number): void {
    if (b === QUOTE) this.state = State.Str;
    else if (b === OPEN) {
      if (this.depth === 0) this.scan.rows.set(this.table, (this.scan.rows.get(this.table) ?? 0) + 1);
      this.depth++;
    } else if (b === CLOSE) this.depth--;
    else if (b === SEMI && this.depth === 0) this.state = State.AfterStatement;
  }

  private lineByte(b: number): void {
    switch (this.state) {
      case State.LineStart:
        this.lineHead = [];
        this.prefixPos = 0;
        this.state = this.delimiterBlock ? State.OtherLine : State.Prefix;
        this.lineByte(b);
        return;
      case State.Prefix:
        if (b === INSERT_PREFIX[this.prefixPos]) {
          if (++this.prefixPos === INSERT_PREFIX.length) {
            this.state = State.Name;
            this.name = [];
          }
          return;
        }
        this.lineHead = [...INSERT_PREFIX.subarray(0, this.prefixPos)];
        this.state = State.OtherLine;
        this.lineByte(b);
        return;
      case State.OtherLine:
        if (b === NL) this.endLine();
        else if (this.lineHead.length < LINE_HEAD) this.lineHead.push(b);
        return;
      case State.Name:
        if (b === BACKTICK) this.state = State.NameTick;
        else this.name.push(b);
        return;
      case State.NameTick:
        if (b === BACKTICK) {
          this.name.push(b);
          this.state = State.Name;
          return;
        }
        this.table = Buffer.from(this.name).toString('utf8');
        if (!this.scan.rows.has(this.table)) this.scan.rows.set(this.table, 0);
        this.valuesPos = 0;
        this.state = State.SeekValues;
        this.lineByte(b);
        return;
      case State.SeekValues:
        if (this.valuesPos === VALUES_WORD.length) {
          if (isBlank(b)) {
            this.depth = 0;
            this.state = State.Tuples;
            return;
          }
          this.valuesPos = 0;
        }
        this.valuesPos = b === VALUES_WORD[this.valuesPos] ? this.valuesPos + 1 : b === VALUES_WORD[0] ? 1 : 0;
        return;
      case State.AfterStatement:
        if (b === NL) {
          this.lineNo++;
          this.state = State.LineStart;
        }
        return;
      default:
        return;
    }
  }

  private endLine(): void {
    const line = Buffer.from(this.lineHead).toString('utf8');
    if (this.lineNo < HEADER_LINES && !this.scan.header && line.startsWith('-- ')) this.scan.header = line;
    if (line.startsWith('-- Dump completed')) this.scan.completed = true;
    else if (line.startsWith('DELIMITER ')) this.delimiterBlock = line.slice('DELIMITER '.length).trim() !== ';';
    this.lineNo++;
    this.state = State.LineStart;
  }

  /** Call at the end of the stream; a last line without a newline still counts. */
  end(): DumpScan {
    if (this.state === State.OtherLine) this.endLine();
    const inStatement = this.state !== State.LineStart && this.state !== State.AfterStatement && this.state !== State.Prefix;
    this.scan.truncated = inStatement || (this.state === State.Prefix && this.prefixPos > 0);
    return this.scan;
  }
}

/** A pass-through that scans the dump as it flows to the compressor. */
export class ScanningStream extends Transform {
  readonly scanner = new DumpScanner();
  result: DumpScan | undefined;

  constructor() {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.scanner.push(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.result = this.scanner.end();
    callback();
  }
}

/** Whether the first line is a mysqldump/mariadb-dump header. */
export function isDumpHeader(line: string): boolean {
  return /^-- (MySQL|MariaDB) dump /.test(line) || /^-- (mysqldump|mariadb-dump) /.test(line);
}
