/**
 * A native tool is present, runnable, and (when the server's major version is known) at least as
 * new as the server: pg_dump refuses servers newer than itself, mysqldump misses newer syntax.
 */
import { errorMessage } from '../../errors.js';
import { ToolError } from '../../exec.js';
import { parseMajorVersion, toolVersion, type ResolvedTool } from '../tools.js';
import { fail, pass, type CheckResult } from './result.js';

export interface ToolCheckInput {
  id: string;
  /** The tool's name as configured (`pg_dump`). */
  name: string;
  resolved: ResolvedTool;
  /** The server's major version; undefined when the server could not be asked. */
  serverMajor?: number;
  /** Where to get one, e.g. pgInstallHint(...). */
  installHint: string;
  subject?: string;
  signal?: AbortSignal;
}

export interface ToolCheckOutcome {
  check: CheckResult;
  /** The tool's major version when it ran. */
  major?: number;
}

export async function checkTool(input: ToolCheckInput): Promise<ToolCheckOutcome> {
  const { id, name, resolved, serverMajor, subject } = input;
  let output: string;
  try {
    output = await toolVersion(resolved.file, input.signal);
  } catch (error) {
    const notFound = error instanceof ToolError && /was not found/.test(error.message);
    const what = notFound ? `${name} was not found (${resolved.reason})` : `${name} at ${resolved.file} does not run: ${errorMessage(error)}`;
    return { check: fail(id, what, input.installHint, subject) };
  }
  const major = parseMajorVersion(output);
  const firstLine = output.split('\n')[0] ?? output;
  const where = `${resolved.file} (${resolved.reason})`;
  if (major === undefined) return { check: fail(id, `cannot read the version of ${where} from "${firstLine}"`, input.installHint, subject) };
  if (serverMajor !== undefined && major < serverMajor) {
    return { check: fail(id, `${firstLine} at ${where} is older than the server (major ${serverMajor})`, input.installHint, subject), major };
  }
  const against = serverMajor !== undefined ? `, server major ${serverMajor}` : '';
  return { check: pass(id, `${firstLine} at ${where}${against}`, subject), major };
}
