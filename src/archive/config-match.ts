/**
 * Whether an archive brought from elsewhere belongs to a source of this config: one of the same
 * name, engine and tenant mode. An archive of another source would be listed, pruned and restored
 * against a configuration it was not made with, so it is refused (exit 2) before anything is stored.
 */
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { Sidecar } from './manifest.js';

const HINT = 'an archive is imported and restored only into a source of its own name, type and tenant mode: add that source to the config (or use the config of the installation it came from)';

/** Before the source is made: the archive's source is configured at all. */
export function checkSourceConfigured(config: Config, sidecar: Sidecar, what: string): void {
  if (config.sources[sidecar.source.name]) return;
  const known = Object.keys(config.sources);
  throw new UsageError(`${what} belongs to source "${sidecar.source.name}", which is not in the config (${known.length ? `sources: ${known.join(', ')}` : 'no sources'}); nothing was done`, {
    hint: HINT,
  });
}

/** Once the source is made: the same engine and tenant mode. */
export function checkSourceMatches(source: { name: string; type: string; mode: string }, sidecar: Sidecar, what: string): void {
  const wrong: string[] = [];
  if (source.type !== sidecar.source.type) wrong.push(`type "${sidecar.source.type}" (the config says "${source.type}")`);
  if (source.mode !== sidecar.tenant.mode) wrong.push(`tenant mode "${sidecar.tenant.mode}" (the config says "${source.mode}")`);
  if (wrong.length === 0) return;
  throw new UsageError(`${what} was made by a source "${source.name}" of ${wrong.join(' and ')}; nothing was done`, { hint: HINT });
}
