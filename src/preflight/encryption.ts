/**
 * Encryption preflight (SPEC.md "Preflight"): the recipients parse (create, and restore for its
 * safety backup); for restore and verify the configured identity really decrypts a probe
 * encrypted to those recipients.
 */
import type { Context } from '../context.js';
import { errorMessage, isOrgbackupError } from '../errors.js';
import { loadEncryptionKeys, loadIdentityKeys, type EncryptionKeys } from '../crypto/keys.js';
import { canDecrypt } from '../crypto/probe.js';
import { fail, pass, warn, type CheckResult, type PreflightOptions } from './types.js';

const RECIPIENTS = 'encryption.recipients';
const IDENTITY = 'encryption.identity';

export async function checkEncryption(ctx: Context, options: PreflightOptions): Promise<CheckResult[]> {
  const enc = ctx.config.encryption;
  if (!enc || options.for === 'prune') return [];
  const checks: CheckResult[] = [];
  let keys: EncryptionKeys;
  try {
    keys = await loadEncryptionKeys(enc, ctx.baseDir);
  } catch (error) {
    return [failure(RECIPIENTS, error)];
  }
  if (options.for !== 'verify') checks.push(...describeRecipients(keys));
  if (options.for === 'restore' || options.for === 'verify') checks.push(await checkIdentity(ctx, keys));
  return checks;
}

function describeRecipients(keys: EncryptionKeys): CheckResult[] {
  if (keys.passphrase !== undefined) return [pass(RECIPIENTS, 'archives are encrypted with the configured passphrase (age scrypt)')];
  const perTenant = keys.tenantRecipients.size > 0 ? ` (${keys.tenantRecipients.size} tenant(s) have their own keys)` : '';
  if (keys.recipients.length > 0) return [pass(RECIPIENTS, `archives are encrypted to ${keys.recipients.length} age public key(s)${perTenant}`)];
  return [
    warn(
      RECIPIENTS,
      `only the ${keys.tenantRecipients.size} tenant(s) listed in encryption.tenantRecipients can be backed up; others fail`,
      'set encryption.recipients as the default for tenants without their own key',
    ),
  ];
}

async function checkIdentity(ctx: Context, keys: EncryptionKeys): Promise<CheckResult> {
  let identity;
  try {
    identity = await loadIdentityKeys(ctx.config.encryption!, ctx.baseDir);
  } catch (error) {
    return failure(IDENTITY, error);
  }
  if (identity.identities.length === 0 && identity.passphrase === undefined) {
    return fail(
      IDENTITY,
      'no identity is configured, so encrypted archives cannot be decrypted',
      'set encryption.identityFile (or identity, or identityFiles) to the age secret key of the recipients',
    );
  }
  if (identity.identities.length === 0) return pass(IDENTITY, 'the passphrase is available to decrypt passphrase-encrypted archives');
  if (keys.recipients.length === 0) {
    return pass(IDENTITY, `${identity.identities.length} identity(ies) loaded (${identity.publicKeys.join(', ')}); no default recipients to probe against`);
  }
  if (await canDecrypt(keys.recipients, identity)) return pass(IDENTITY, `the configured identity decrypts archives encrypted to the configured recipients`);
  return fail(
    IDENTITY,
    `none of the configured identities (${identity.publicKeys.join(', ')}) decrypts archives encrypted to encryption.recipients`,
    'point encryption.identityFile at the secret key of one of the recipients (`age-keygen -y key.txt` prints its public key); keep old keys in identityFiles after a rotation',
  );
}

function failure(id: string, error: unknown): CheckResult {
  return fail(id, errorMessage(error), isOrgbackupError(error) ? error.hint : undefined);
}
