/**
 * Signed seals (audit.signingKeyFile): each run's seal line carries `signature`, the Ed25519
 * signature (base64) of the seal's canonical JSON without that field. `audit verify` checks it
 * with audit.verifyKeyFile, else the public key derived from the signing key. Without the private
 * key nobody can rewrite a run consistently, so an edited, rewritten or forged run shows as a bad
 * or missing signature. The private key is read through resolveSecret, so it is registered with
 * the redactor and never reaches a log; errors name the file, never its contents.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import { resolveSecret } from '../config/secrets.js';
import { UsageError } from '../errors.js';
import { canonical, type SealRecord } from './chain.js';

const KEY_HINT = 'make one with `openssl genpkey -algorithm ed25519 -out audit.key` (public key: `openssl pkey -in audit.key -pubout -out audit.pub`)';

function ed25519(key: KeyObject, option: string, file: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new UsageError(`${option}: ${file} holds a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, not an Ed25519 one`, { hint: KEY_HINT });
  return key;
}

/** The signing key, or undefined when audit.signingKeyFile is not set. */
export async function loadSigningKey(config: Config): Promise<KeyObject | undefined> {
  const file = config.audit?.signingKeyFile;
  if (!file) return undefined;
  const pem = (await resolveSecret(undefined, file, 'audit.signingKeyFile'))!;
  try {
    return ed25519(createPrivateKey(pem), 'audit.signingKeyFile', file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`audit.signingKeyFile: ${file} is not a PEM private key`, { hint: KEY_HINT });
  }
}

/** The key seals are checked with: verifyKeyFile, else derived from signingKeyFile; undefined when neither is set. */
export async function loadVerifyKey(config: Config): Promise<KeyObject | undefined> {
  const file = config.audit?.verifyKeyFile;
  if (!file) {
    const signing = await loadSigningKey(config);
    return signing ? createPublicKey(signing) : undefined;
  }
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`audit.verifyKeyFile: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
      hint: 'check that the public key file exists and is readable by this user',
    });
  }
  try {
    return ed25519(createPublicKey(pem), 'audit.verifyKeyFile', file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`audit.verifyKeyFile: ${file} is not a PEM public key`, { hint: KEY_HINT });
  }
}

/** The signature of a seal (without its `signature` field), base64. */
export function signSeal(seal: SealRecord, key: KeyObject): string {
  return sign(null, Buffer.from(canonical({ ...seal, signature: undefined }), 'utf8'), key).toString('base64');
}

/** Why an object's seal does not carry a good signature, or undefined when it does. */
export function signatureProblem(text: string, key: KeyObject): { status: 'unsigned' | 'bad-signature'; message: string } | undefined {
  let seal: Partial<SealRecord> & { signature?: unknown };
  try {
    seal = JSON.parse(text.trimEnd().split('\n').at(-1) ?? '') as typeof seal;
  } catch {
    return { status: 'unsigned', message: 'no seal to check a signature on' };
  }
  if (typeof seal.signature !== 'string' || seal.signature === '')
    return { status: 'unsigned', message: 'the seal is not signed: it was written without audit.signingKeyFile, or its signature was removed' };
  const data = Buffer.from(canonical({ ...seal, signature: undefined }), 'utf8');
  if (!verify(null, data, key, Buffer.from(seal.signature, 'base64')))
    return { status: 'bad-signature', message: "the seal's signature does not match the verify key: the run was edited or rewritten, or signed with another key" };
  return undefined;
}
