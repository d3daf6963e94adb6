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
import { listTable } from './list.js';
import { printableResult } from './printable.js';
import { pruneTable, renderPruneTail } from './prune.js';
import { renderVerifyTail, verifyTable } from './verify.js';

type Table = (items: never[], c: ChalkInstance) => string;

/** Per streaming command: its table of a block of items, and what follows the table. */
const STREAMED: Record<string, { table: Table; tail: (result: never, c: ChalkInstance) => string }> = {
  list: { table: listTable, tail: () => '' },
  prune: { table: pruneTable, tail: renderPruneTail },
  verify: { table: verifyTable, tail: renderVerifyTail },
};

export const TEXT_BLOCK_ROWS = 1000;

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
  ) {}

  for(command: string): ((item: unknown) => void) | undefined {
    return command === this.command && STREAMED[command] ? (item) => this.write(item) : undefined;
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
    const text = STREAMED[this.command]!.table(printableResult(this.block) as never[], this.options.chalk);
    // The header row once, above the first block.
    const first = this.written <= this.block.length;
    this.options.write(redact(first ? text : text.slice(text.indexOf('\n') + 1)));
    this.block = [];
  }

  /** The rest of the output once the command returned: its remaining items, then its other fields. */
  finish(result: CommandResultBase & { archives?: unknown[] }): string {
    if (!this.started) return renderResult(result, this.options);
    const { command: _command, archives = [], ...rest } = result;
    for (const item of archives) this.write(item);
    if (!this.options.json) {
      this.flushBlock();
      return redact(STREAMED[this.command]!.tail(printableResult(result) as never, this.options.chalk));
    }
    const tail = JSON.stringify(rest, null, 2);
    return redact(`\n  ]${tail === '{}' ? '\n}' : `,${tail.slice(1)}`}`) + '\n';
  }
}
