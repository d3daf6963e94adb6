/** `orgbackup init`: writes a commented starter config (JSON with comments, which orgbackup reads). */
import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineConfigs } from '../config/schema.js';
import type { EngineConfig } from '../config/source-parts.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';

export interface InitOptions {
  path?: string;
  cwd: string;
}

export interface InitResult {
  command: 'init';
  ok: boolean;
  exitCode: ExitCodeValue;
  path: string;
}

/** The JSON Schema shipped in this installation's package (dist/commands/init.js -> schema/). */
const SHIPPED_SCHEMA = fileURLToPath(new URL('../../schema/orgbackup.schema.json', import.meta.url));

/**
 * The config's "$schema": the shipped schema's path relative to the config file, so an editor finds it
 * wherever orgbackup is installed (globally, in node_modules, in a checkout). None when the schema is
 * missing (a build that did not write it), rather than a reference that does not resolve.
 */
export async function schemaReference(configFile: string, schemaFile = SHIPPED_SCHEMA): Promise<string | undefined> {
  if (
    !(await access(schemaFile).then(
      () => true,
      () => false,
    ))
  )
    return undefined;
  const relative = path.relative(path.dirname(configFile), schemaFile).split(path.sep).join('/');
  return relative.startsWith('.') || relative.startsWith('/') ? relative : `./${relative}`;
}

export function starterConfig(schemaRef: string | undefined): string {
  const schemaLine = schemaRef === undefined ? '' : `\n  "$schema": ${JSON.stringify(schemaRef)},`;
  return STARTER_CONFIG.replace('\n  "version": 1,', `${schemaLine}\n  "version": 1,`);
}

/** Each engine's own starter source (EngineConfig.init, in src/sources/<engine>/config.ts), in registry order. */
const STARTER_SOURCES = Object.values(engineConfigs)
  .flatMap((engine: EngineConfig) => (engine.init ? [engine.init] : []))
  .join(',\n');

const STARTER_CONFIG = `{
  // orgbackup configuration, version 1. Reference: docs/configuration.md.
  // Strings may use \${VAR} and \${VAR:-default}; secrets may come from files (passwordFile...).
  "version": 1,
  "sources": {
${STARTER_SOURCES}
  },
  "storage": {
    // Archives are written 0600 in 0700 directories.
    "local": { "type": "local", "path": "./backups" }
    // "offsite": { "type": "s3", "bucket": "acme-backups", "prefix": "prod", "region": "eu-west-1" }
  },
  "defaults": { "storage": ["local"], "compression": "zstd", "jobs": 2 },
  // Keep the newest 3, one a day for a week, one a week for a month, one a month for a year.
  "retention": { "keepLast": 3, "keepDaily": 7, "keepWeekly": 4, "keepMonthly": 12 },
  // Run \`orgbackup schedule-run\` from cron or a Kubernetes CronJob every few minutes.
  "schedules": { "nightly": { "cron": "0 2 * * *", "timezone": "UTC", "prune": true } }
}
`;

export async function runInit(options: InitOptions): Promise<InitResult> {
  const file = path.resolve(options.cwd, options.path ?? 'backup.config.json');
  if (
    await access(file).then(
      () => true,
      () => false,
    )
  ) {
    throw new UsageError(`${file} already exists; init never overwrites a config`, { hint: 'choose another path with --path' });
  }
  await writeFile(file, starterConfig(await schemaReference(file)), { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot write ${file}: ${error.code ?? error.message}`, { hint: 'check that the directory exists and is writable' });
  });
  return { command: 'init', ok: true, exitCode: ExitCode.ok, path: file };
}
