/** Secrets come from the config (usually `${ENV}`) or from a file (Kubernetes secret mounts). */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { registerSecret } from '../redact.js';

export async function resolveSecret(value: string | undefined, file: string | undefined, key: string): Promise<string | undefined> {
  if (value !== undefined && value !== '') {
    registerSecret(value);
    return value;
  }
  if (!file) return undefined;
  try {
    const secret = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
    registerSecret(secret);
    return secret;
  } catch (error) {
    throw new UsageError(`${key}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
      hint: 'check that the secret file exists and is readable by this user',
    });
  }
}
