/**
 * The one config pipeline (DESIGN.md convention 5): find -> read -> interpolate env -> zod
 * safeParse -> cross-field rules. Every problem is reported at once as `path: message` (exit 2).
 */
import { cosmiconfig } from 'cosmiconfig';
import path from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import { interpolate, type Env } from './interpolate.js';
import { formatIssues, withoutUnknownKeys } from './issues.js';
import { parseJsonc } from './jsonc.js';
import { checkRules } from './rules.js';
import { configSchema, type Config } from './schema.js';

export interface LoadedConfig {
  config: Config;
  /** The file it came from; relative paths in the config are relative to its directory. */
  filepath: string;
  baseDir: string;
}

export interface LoadOptions {
  /** --config; else ORGBACKUP_CONFIG; else a cosmiconfig search from cwd. */
  configPath?: string;
  cwd?: string;
  env?: Env;
}

const MODULE = 'orgbackup';
const CODE_EXTENSIONS = ['.js', '.cjs', '.mjs', '.ts', '.cts', '.mts'];
const SUPPORTED = 'orgbackup reads .json, .jsonc, .yaml and .yml config files (or one without an extension)';

function refuseCodeConfig(filepath: string): never {
  throw new UsageError(`cannot read config ${filepath}: ${SUPPORTED}; a JavaScript or TypeScript config is not run`, { hint: 'write the config as JSON or YAML' });
}

export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explorer = cosmiconfig(MODULE, {
    searchPlaces: [
      'package.json',
      `.${MODULE}rc`,
      `.${MODULE}rc.json`,
      `.${MODULE}rc.jsonc`,
      `.${MODULE}rc.yaml`,
      `.${MODULE}rc.yml`,
      `${MODULE}.config.json`,
      `${MODULE}.config.jsonc`,
      'backup.config.json',
      'backup.config.jsonc',
    ],
    searchStrategy: 'project',
    // Config files may carry comments and trailing commas (JSONC), as the starter config does;
    // editors name such files .jsonc.
    // A JavaScript config would run code as the backup user: cosmiconfig's own .js/.ts loaders are replaced by a refusal.
    loaders: { '.json': parseJsonc, '.jsonc': parseJsonc, noExt: parseJsonc, ...Object.fromEntries(CODE_EXTENSIONS.map((ext) => [ext, refuseCodeConfig])) },
  });
  const explicit = options.configPath ?? env.ORGBACKUP_CONFIG;
  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  try {
    found = explicit ? await explorer.load(path.resolve(cwd, explicit)) : await explorer.search(cwd);
  } catch (error) {
    throw readError(error, explicit);
  }
  if (!found) {
    throw new UsageError('no configuration found', {
      hint: 'pass --config <file>, set ORGBACKUP_CONFIG, or run `orgbackup init` to write backup.config.json',
    });
  }
  return { config: parseConfig(found.config, env, found.filepath), filepath: found.filepath, baseDir: path.dirname(found.filepath) };
}

/** Validates a raw config object; throws ConfigError listing every problem. */
export function parseConfig(raw: unknown, env: Env, filepath?: string): Config {
  const problems: string[] = [];
  const interpolated = interpolate(raw ?? {}, env, problems);
  const parsed = configSchema.safeParse(interpolated);
  if (!parsed.success) {
    problems.push(...formatIssues(parsed.error.issues, configSchema, interpolated));
    // An unknown key alone fails the parse; without those keys the rest may be valid, and its
    // cross-field problems belong in the same report (every problem at once).
    const rest = configSchema.safeParse(withoutUnknownKeys(interpolated, parsed.error.issues));
    if (rest.success) problems.push(...checkRules(rest.data));
  } else {
    problems.push(...checkRules(parsed.data));
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems, filepath);
  return parsed.data;
}

function readError(error: unknown, file: string | undefined): UsageError {
  // The JSONC loader's syntax errors already name the file, line and column.
  if (error instanceof UsageError) return error;
  const err = error as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') {
    return new UsageError(`config file ${file ?? ''} does not exist`, { hint: 'check the path, or run `orgbackup init --path <file>`' });
  }
  // A file the process may not open is not a syntax problem: say so, with the errno and who we are.
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    const [uid, gid] = [process.getuid?.() ?? '?', process.getgid?.() ?? '?'];
    return new UsageError(`cannot read config ${file ?? ''}: permission denied (${err.code}) for uid ${uid}`, {
      hint: `make it readable by this user, e.g. as root: \`chgrp ${gid} ${file ?? '<file>'} && chmod 640 ${file ?? '<file>'}\``,
    });
  }
  if (err.code === 'EISDIR') return new UsageError(`cannot read config ${file ?? ''}: it is a directory (EISDIR)`, { hint: 'pass the config file itself, e.g. --config <dir>/backup.config.json' });
  if (err.code) return new UsageError(`cannot read config ${file ?? ''}: ${err.message.split('\n')[0] ?? ''}`, { hint: 'check the path and its permissions' });
  if (/No loader specified for extension/.test(err.message)) {
    return new UsageError(`cannot read config ${file ?? ''}: ${SUPPORTED}`, {
      hint: 'rename the file, or convert it to JSON or YAML',
    });
  }
  return new UsageError(`cannot read config ${file ?? ''}: ${parserReason(err.message)}`, {
    hint: 'the file must be valid JSON (or YAML for .orgbackuprc.yaml)',
  });
}

/**
 * The parser's reason in one line. cosmiconfig puts "YAML Error in <file>:" on a line of its own
 * and js-yaml's reason (`duplicated mapping key (4:1)`) on the next, then a snippet of the file.
 */
export function parserReason(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const [first = '', second] = lines;
  return first.endsWith(':') && second ? `${first} ${second}` : first;
}
