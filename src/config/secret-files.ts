/**
 * Secret files a command will need, checked when the config is loaded: a missing or unreadable
 * `passwordFile` is a configuration error (exit 2) naming the key, before any work or dry run,
 * instead of a failure at the first connection. Only the sources the command uses are checked, so
 * `list` or `verify` still run on a host without the database secret; the file is read (and
 * registered for redaction) later, when the secret is needed.
 */
import { accessSync, constants, statSync } from 'node:fs';
import type { Config } from './schema.js';
import { ConfigError } from '../errors.js';

/** Problems with the secret files of `sourceNames` (all sources when empty). */
export function secretFileProblems(config: Config, sourceNames: readonly string[]): string[] {
  const names = sourceNames.length > 0 ? sourceNames : Object.keys(config.sources);
  const problems: string[] = [];
  for (const name of names) {
    const source = config.sources[name];
    const file = source && 'passwordFile' in source ? source.passwordFile : undefined;
    if (!file) continue;
    const why = unreadable(file);
    if (why) problems.push(`sources.${name}.passwordFile: cannot read ${file}: ${why} (the secret file must exist and be readable by this user)`);
  }
  return problems;
}

export function assertSecretFilesReadable(config: Config, sourceNames: readonly string[], filepath?: string): void {
  const problems = secretFileProblems(config, sourceNames);
  if (problems.length > 0) throw new ConfigError(problems, filepath);
}

function unreadable(file: string): string | undefined {
  try {
    if (statSync(file).isDirectory()) return 'EISDIR';
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'error';
  }
}
