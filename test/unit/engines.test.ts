/**
 * The engine list (src/sources/engines.ts) and the registry that loads each engine's code by its
 * type (src/sources/registry.ts): a key that is not its schema's type, or a folder without the
 * engine.ts the registry looks for, would only show when a command first used that engine.
 */
import { describe, expect, it } from 'vitest';
import type { SourceConfig } from '../../src/config/schema.js';
import { UsageError } from '../../src/errors.js';
import type { EngineDescriptor } from '../../src/sources/descriptor.js';
import { ENGINES } from '../../src/sources/engines.js';
import { engineOf } from '../../src/sources/registry.js';
import type { EngineCode } from '../../src/sources/types.js';

const types = Object.keys(ENGINES) as SourceConfig['type'][];

describe('the engine list', () => {
  it.each(types)('%s: its key is the type its schema names', (type) => {
    expect(ENGINES[type].schema.shape.type.value).toBe(type);
  });

  it.each(types)('%s: its folder has the engine.ts the registry loads, with the code its descriptor promises', async (type) => {
    const { engine } = (await import(`../../src/sources/${type}/engine.ts`)) as { engine: EngineCode };
    expect(typeof engine.create).toBe('function');
    expect(typeof engine.preflight).toBe('function');
    // A scratch server named in the descriptor is checked by the engine's code.
    expect(typeof engine.checkScratchUrl).toBe('scratchServer' in ENGINES[type] ? 'function' : 'undefined');
  });
});

describe('engineOf', () => {
  it.each<{ type: SourceConfig['type']; url: string; error: RegExp }>([
    { type: 'postgres', url: 'mysql://user@host:3306/mysql', error: /--scratch/ },
    { type: 'mysql', url: 'postgres://user@host:5432/postgres', error: /--scratch/ },
  ])('$type: the scratch URL check loads the engine and refuses $url', async ({ type, url, error }) => {
    const engine = engineOf({ type } as SourceConfig);
    const descriptor: EngineDescriptor = ENGINES[type];
    expect(engine.scratchServer).toMatchObject({ engine: descriptor.scratchServer!.engine });
    const refused = await engine.scratchServer!.check(url, '--scratch').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as UsageError).message).toMatch(error);
  });

  it.each<{ type: SourceConfig['type']; runsQueries: boolean; schemaOnlyCommand: string | undefined; scratch: boolean }>([
    { type: 'postgres', runsQueries: true, schemaOnlyCommand: 'pg_dump --schema-only', scratch: true },
    { type: 'mysql', runsQueries: true, schemaOnlyCommand: 'mysqldump --no-data', scratch: true },
    { type: 'sqlite', runsQueries: false, schemaOnlyCommand: undefined, scratch: false },
    { type: 'files', runsQueries: false, schemaOnlyCommand: undefined, scratch: false },
  ])('$type: the facts of its descriptor, without loading its code', ({ type, runsQueries, schemaOnlyCommand, scratch }) => {
    const engine = engineOf({ type } as SourceConfig);
    expect({ runsQueries: engine.runsQueries, schemaOnlyCommand: engine.schemaOnlyCommand, scratch: engine.scratchServer !== undefined }).toEqual({ runsQueries, schemaOnlyCommand, scratch });
  });
});
