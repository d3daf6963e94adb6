import { describe, expect, it } from 'vitest';
import { withoutCleanStatements } from '../../src/sources/postgres/clean-filter.js';

const DROP = 'ALTER TABLE IF EXISTS ONLY public.p1 DROP CONSTRAINT IF EXISTS p1_pkey;';
const NAMED = 'ALTER TABLE IF EXISTS ONLY "Ünï".p1 DROP CONSTRAINT IF EXISTS "ké";';

async function filtered(chunks: string[], skip: string[]): Promise<string> {
  async function* source(): AsyncGenerator<Buffer> {
    for (const c of chunks) yield Buffer.from(c, 'utf8');
  }
  const skipBytes = new Set(skip.map((s) => Buffer.from(s, 'utf8').toString('latin1')));
  const out: Buffer[] = [];
  for await (const chunk of withoutCleanStatements(source(), skipBytes)) out.push(chunk);
  return Buffer.concat(out).toString('utf8');
}

describe('clean phase without inherited constraint drops', () => {
  it.each([
    { case: 'drop left out', chunks: [`SET x;\n${DROP}\nDROP TABLE IF EXISTS public.p1;\nCREATE TABLE t ();\n`], skip: [DROP], out: 'SET x;\nDROP TABLE IF EXISTS public.p1;\nCREATE TABLE t ();\n' },
    {
      case: 'split across chunks',
      chunks: ['SET x;\nALTER TABLE IF EXISTS ONLY pub', 'lic.p1 DROP CONSTRAINT IF EXISTS p1_pkey;\nDROP', ' TABLE x;\nCREATE TABLE t ();\n'],
      skip: [DROP],
      out: 'SET x;\nDROP TABLE x;\nCREATE TABLE t ();\n',
    },
    { case: 'non-ASCII names', chunks: [`${NAMED}\nCREATE TABLE "é" ();\n`], skip: [NAMED], out: 'CREATE TABLE "é" ();\n' },
    { case: 'the same line after CREATE is kept (a function body)', chunks: [`CREATE FUNCTION f() AS $$\n${DROP}\n$$;\n`], skip: [DROP], out: `CREATE FUNCTION f() AS $$\n${DROP}\n$$;\n` },
    { case: 'the same line in COPY data is kept', chunks: [`COPY t (a) FROM stdin;\n`, `${DROP}\n\\.\n`], skip: [DROP], out: `COPY t (a) FROM stdin;\n${DROP}\n\\.\n` },
    { case: 'nothing to skip passes bytes through', chunks: [`${DROP}\nno newline at the end`], skip: [], out: `${DROP}\nno newline at the end` },
    { case: 'a last line without newline', chunks: [`${DROP}\nCOMMENT ON x`], skip: [DROP], out: 'COMMENT ON x' },
  ])('$case', async ({ chunks, skip, out }) => {
    expect(await filtered(chunks, skip)).toBe(out);
  });

  it('matches a non-ASCII name whose character is split between chunks', async () => {
    const bytes = Buffer.from(`${NAMED}\nCREATE TABLE "é" ();\n`, 'utf8');
    // Byte 28 is the first byte of the two-byte Ü.
    expect(bytes[28]).toBe(0xc3);
    async function* source(): AsyncGenerator<Buffer> {
      yield bytes.subarray(0, 29);
      yield bytes.subarray(29);
    }
    const out: Buffer[] = [];
    for await (const chunk of withoutCleanStatements(source(), new Set([Buffer.from(NAMED, 'utf8').toString('latin1')]))) out.push(chunk);
    expect(Buffer.concat(out).toString('utf8')).toBe('CREATE TABLE "é" ();\n');
  });

  it('keeps every byte of a non-UTF-8 script', async () => {
    const latin1 = Buffer.from([0x43, 0x52, 0x45, 0x41, 0x54, 0x45, 0x20, 0xe9, 0xff, 0x0a]);
    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from(`${DROP}\n`);
      yield latin1;
    }
    const out: Buffer[] = [];
    for await (const chunk of withoutCleanStatements(source(), new Set([DROP]))) out.push(chunk);
    expect(Buffer.concat(out)).toEqual(latin1);
  });
});
