/**
 * The items of a long result (one per archive: list, prune, verify over a fleet) written to stdout
 * as the command hands them over (Context.items), so that a million archives never sit in memory
 * as result objects. The output is the one renderResult prints: with --json the same document
 * (the `archives` array written item by item, the other fields after it), as text the same table,
 * written in blocks of rows whose columns are aligned within the block.
 */
import type { ChalkInstance } from 'chalk';
import type { ResultItems } from '../../context.js';
import { redact } from '../../redact.js';
import { RESULT_SCHEMA_VERSION } from '../../results/schemas.js';
import { renderResult, type CommandResultBase } from './index.js';
import { TEXT_BLOCK_ROWS, withoutHeader } from './format.js';
import { listTable, staleTable } from './list.js';
import { printableResult } from './printable.js';
import { pruneTable, renderPruneTail } from './prune.js';
import { renderVerifyTail, verifyTable } from './verify.js';

type Table = (items: never[], c: ChalkInstance) => string;

/**
 * Per streamed kind (a command, or `list --stale`): its table of a block of items, what follows
 * the table, the result field the items belong to, and whether --json streams it too (the stale
 * rows are not the `archives` array, which is the one a JSON document is streamed by).
 */
const STREAMED: Record<string, { table: Table; tail: (result: never, c: ChalkInstance) => string; field: 'archives' | 'stale'; json: boolean }> = {
  list: { table: listTable, tail: () => '', field: 'archives', json: true },
  'list --stale': { table: staleTable, tail: () => '', field: 'stale', json: false },
  prune: { table: pruneTable, tail: renderPruneTail, field: 'archives', json: true },
  verify: { table: verifyTable, tail: renderVerifyTail, field: 'archives', json: true },
};

export interface StreamOptions {
  json: boolean;
  chalk: ChalkInstance;
  write: (text: string) => void;
  /** Keep every item too (the audit trail or notifications read the whole result). */
  retain: boolean;
}

const indent = (text: string, spaces: number) => text.replace(/^/gm, ' '.repeat(spaces));

export class StreamedItems implements ResultItems {
  private written = 0;
  private block: unknown[] = [];
  readonly retained: unknown[] = [];

  constructor(
    private readonly command: string,
    private readonly options: StreamOptions,
  ) {
    this.kind = command;
  }

  /** The kind whose items are written (the first `for` that answered). */
  private kind: string;

  for(kind: string): ((item: unknown) => void) | undefined {
    const streamed = STREAMED[kind];
    if (kind.split(' ')[0] !== this.command || !streamed || (this.options.json && !streamed.json)) return undefined;
    this.kind = kind;
    return (item) => this.write(item);
  }

  /** The result field the written items belong to: `archives`, or `stale` for list --stale. */
  get field(): 'archives' | 'stale' {
    return STREAMED[this.kind]?.field ?? 'archives';
  }

  /** Whether output has begun: the result must then be finished by finish(), not renderResult. */
  get started(): boolean {
    return this.written > 0;
  }

  private write(item: unknown): void {
    if (this.options.retain) this.retained.push(item);
    if (this.options.json) {
      const head = `{\n  "schemaVersion": ${JSON.stringify(RESULT_SCHEMA_VERSION)},\n  "command": ${JSON.stringify(this.command)},\n  "archives": [\n`;
      this.options.write(redact((this.written === 0 ? head : ',\n') + indent(JSON.stringify(item, null, 2), 4)));
    } else {
      this.block.push(item);
      if (this.block.length >= TEXT_BLOCK_ROWS) this.flushBlock();
    }
    this.written++;
  }

  private flushBlock(): void {
    if (this.block.length === 0) return;
    const text = STREAMED[this.kind]!.table(printableResult(this.block) as never[], this.options.chalk);
    // The header row once, above the first block.
    const first = this.written <= this.block.length;
    this.options.write(redact(first ? text : withoutHeader(text)));
    this.block = [];
  }

  /** The rest of the output once the command returned: its remaining items, then its other fields. */
  finish(result: CommandResultBase & { archives?: unknown[]; stale?: unknown[] }): string {
    if (!this.started) return renderResult(result, this.options);
    const { command: _command, [this.field]: items = [], ...rest } = result;
    for (const item of items) this.write(item);
    if (!this.options.json) {
      this.flushBlock();
      return redact(STREAMED[this.kind]!.tail(printableResult(result) as never, this.options.chalk));
    }
    const tail = JSON.stringify(rest, null, 2);
    return redact(`\n  ]${tail === '{}' ? '\n}' : `,${tail.slice(1)}`}`) + '\n';
  }
}
