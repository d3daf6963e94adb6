/**
 * An archive aborted while it is being finished (its only storage failed just after the dump
 * ended) settles with the abort's reason instead of waiting for ever: on the base code a rows run
 * whose last tenant's storage failed this way hung until Node reported "an operation was left waiting".
 */
import { describe, expect, it } from 'vitest';
import { ArchiveWriter, type ManifestDraft } from '../../src/archive/writer.js';

const draft = { id: 'app/t/2026-01-01T00-00-00.000Z' } as unknown as ManifestDraft;

function writer(): ArchiveWriter {
  const w = new ArchiveWriter(new Date('2026-01-01T00:00:00Z'));
  w.output.on('error', () => undefined).resume();
  return w;
}

describe('ArchiveWriter.finish and abort', () => {
  it.each([
    ['aborted while finalizing', false],
    ['aborted before finish', true],
  ])('%s: finish rejects with the reason', async (_label, abortFirst) => {
    const w = writer();
    await w.addEntry('rows/a.copy', Buffer.from('1\tx\n'));
    const reason = new Error('storage local: ENAMETOOLONG');
    if (abortFirst) w.abort(reason);
    const finishing = w.finish(draft);
    if (!abortFirst) w.abort(reason);
    await expect(finishing).rejects.toBe(reason);
  });

  it('finishes normally when nothing aborts it', async () => {
    const w = writer();
    await w.addEntry('rows/a.copy', Buffer.from('1\tx\n'));
    const manifest = await w.finish(draft);
    expect(manifest.entries.map((e) => e.name)).toEqual(['rows/a.copy']);
  });
});
