/** The files engine's code: a directory tree, or one subdirectory per tenant (mode directory). */
import type { EngineCode } from '../types.js';
import type { FilesSourceConfig } from './config.js';

export const engine: EngineCode<FilesSourceConfig> = {
  async create(name, config, baseDir) {
    const { FilesSource } = await import('./source.js');
    return new FilesSource(name, config, baseDir);
  },
  async preflight(ctx, name, config, purpose) {
    const { checkFilesSource } = await import('./preflight.js');
    return checkFilesSource(ctx, name, config, purpose);
  },
};
