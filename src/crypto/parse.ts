/**
 * Parsing of age keys as operators write them: recipients (public keys, one per line in a
 * recipients file, as `age -R` reads) and identities (secret keys, as `age-keygen` writes them,
 * with `#` comments). Messages name the config key and never echo a secret.
 */
import { Decrypter, Encrypter, identityToRecipient } from 'age-encryption';
import { UsageError } from '../errors.js';
import { registerSecret } from '../redact.js';

/** Non-empty lines that are not `#` comments, trimmed. */
export function keyLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Checks one public key; `where` is the config key (`encryption.recipients.0`). */
export function checkRecipient(recipient: string, where: string): string {
  const value = recipient.trim();
  if (value.startsWith('AGE-SECRET-KEY-')) {
    registerSecret(value);
    throw new UsageError(`${where}: this is a secret key, not a recipient`, {
      hint: 'put its public key here (`age-keygen -y key.txt` prints it) and keep the secret key off the backup host',
    });
  }
  if (value.startsWith('ssh-')) {
    throw new UsageError(`${where}: SSH public keys are not supported as recipients`, { hint: 'create an age key with `age-keygen -o key.txt` and use the age1... public key it prints' });
  }
  try {
    new Encrypter().addRecipient(value);
  } catch {
    const shown = value.startsWith('age1') ? ` "${value}"` : '';
    throw new UsageError(`${where}:${shown} is not a valid age public key (age1...)`, { hint: 'copy the "public key" line that `age-keygen` printed, without spaces' });
  }
  return value;
}

export function parseRecipients(text: string, where: string): string[] {
  return keyLines(text).map((line, i) => checkRecipient(line, `${where} line ${i + 1}`));
}

/** Secret keys from an identity file's text; each is registered for redaction. */
export function parseIdentities(text: string, where: string): string[] {
  const identities = keyLines(text);
  identities.forEach((identity, i) => {
    registerSecret(identity);
    const at = identities.length > 1 ? `${where} (key ${i + 1})` : where;
    if (!identity.startsWith('AGE-SECRET-KEY-')) {
      throw new UsageError(`${at}: not an age identity (expected a line starting with AGE-SECRET-KEY-1)`, { hint: 'point it at a key file written by `age-keygen -o key.txt`' });
    }
    try {
      new Decrypter().addIdentity(identity);
    } catch {
      throw new UsageError(`${at}: the age secret key is malformed (bad checksum or length)`, { hint: 'restore the key file from its safe copy; a single changed character breaks it' });
    }
  });
  if (identities.length === 0) throw new UsageError(`${where}: holds no age secret key`, { hint: 'point it at a key file written by `age-keygen -o key.txt`' });
  return identities;
}

/** The public key (age1...) of each identity, for messages and preflight. */
export async function publicKeysOf(identities: readonly string[]): Promise<string[]> {
  return Promise.all(identities.map((identity) => identityToRecipient(identity)));
}
