/** Spawns the built binary (dist/) exactly as a user would run it; --json output must follow the shipped schemas. */
import { execa, type Options } from 'execa';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertJsonContract } from './json-contract.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/orgbackup.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when it is JSON. */
  json: any;
}

export async function runCli(args: string[], options: Options & { input?: string } = {}): Promise<CliResult> {
  const result = await execa(process.execPath, [BIN, ...args], {
    reject: false,
    env: { NO_COLOR: '1', ...options.env },
    cwd: options.cwd ?? ROOT,
    ...options,
    stdin: options.input === undefined ? 'ignore' : undefined,
    input: options.input,
  } as Options);
  const stdout = String(result.stdout ?? '');
  // A process killed by a signal may not have printed its document; anything it printed is checked.
  assertJsonContract(ROOT, args, stdout);
  let json: any;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { exitCode: result.exitCode ?? -1, stdout, stderr: String(result.stderr ?? ''), json };
}
