/**
 * Source hooks (`hooks.preCreate/postCreate/preRestore/postRestore`): a command run around one
 * tenant's backup or restore, e.g. to put that tenant into maintenance mode while it is restored.
 * The command is an argv array run without a shell. Its environment is minimal on purpose: PATH,
 * HOME, LANG, TZ, the ORGBACKUP_* variables of the event and the hook's own `env`; nothing else of
 * orgbackup's environment (passwords, keys) reaches it unless configured there. A hook that exits
 * non-zero, cannot start, or outlives its timeout (killed) has failed; `onError` says what then.
 */
import { spawn } from 'node:child_process';
import type { HookConfig } from '../config/schema.js';

export type HookEvent = 'preCreate' | 'postCreate' | 'preRestore' | 'postRestore';

export interface HookContext {
  event: HookEvent;
  source: string;
  tenant: string;
  /** The archive made (create) or restored (restore). */
  archiveId: string;
  /** post-hooks: how the operation ended. */
  outcome?: string;
}

/** Why the hook failed, or undefined when it succeeded (or is not configured). */
export async function runHook(hook: HookConfig | undefined, context: HookContext, signal?: AbortSignal): Promise<string | undefined> {
  if (!hook) return undefined;
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'LANG', 'TZ']) if (process.env[key] !== undefined) env[key] = process.env[key]!;
  Object.assign(env, {
    ORGBACKUP_EVENT: context.event,
    ORGBACKUP_SOURCE: context.source,
    ORGBACKUP_TENANT: context.tenant,
    ORGBACKUP_ARCHIVE_ID: context.archiveId,
    ...(context.outcome ? { ORGBACKUP_OUTCOME: context.outcome } : {}),
    ...hook.env,
  });
  const [file, ...args] = hook.command;
  return new Promise((resolve) => {
    const child = spawn(file!, args, { env, stdio: ['ignore', 'ignore', 'pipe'], shell: false, signal });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, hook.timeout * 1000);
    const tail = () => (stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' / ')}` : '');
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve(`${context.event} hook ${file} could not run: ${error.message}`);
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      if (timedOut) resolve(`${context.event} hook ${file} did not finish within ${hook.timeout}s and was killed`);
      else if (code !== 0) resolve(`${context.event} hook ${file} failed (${code === null ? `signal ${sig}` : `exit ${code}`})${tail()}`);
      else resolve(undefined);
    });
  });
}
