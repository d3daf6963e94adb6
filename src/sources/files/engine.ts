/** The files engine: a directory tree, or one subdirectory per tenant (mode directory). */
import type { FilesSourceConfig } from '../../config/schema.js';
import type { Engine } from '../types.js';

export const filesEngine: Engine<FilesSourceConfig> = {
  type: 'files',
  runsQueries: false,
  async create(name, config, baseDir) {
    const { FilesSource } = await import('./source.js');
    return new FilesSource(name, config, baseDir);
  },
  async preflight(ctx, name, config, purpose) {
    const { checkFilesSource } = await import('./preflight.js');
    return checkFilesSource(ctx, name, config, purpose);
  },
};
