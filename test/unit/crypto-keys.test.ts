/** Key parsing, per-tenant recipient choice and header splitting: tables of cases. */
import { describe, expect, it } from 'vitest';
import { Decrypter, generateIdentity, identityToRecipient } from 'age-encryption';
import { checkRecipient, keyLines, parseIdentities, parseRecipients } from '../../src/crypto/parse.js';
import { recipientsFor, type EncryptionKeys } from '../../src/crypto/keys.js';
import { encodeHeader, splitHeader, stanzaTypes } from '../../src/crypto/header.js';
import { X25519Recipient, bech32Decode, isNativeRecipient } from '../../src/crypto/x25519.js';
import { UsageError } from '../../src/errors.js';
import { redact } from '../../src/redact.js';

const identity = await generateIdentity();
const recipient = await identityToRecipient(identity);
const other = await identityToRecipient(await generateIdentity());

describe('keyLines', () => {
  it.each([
    ['', []],
    ['age1a\n', ['age1a']],
    ['# comment\n\n  age1a  \r\nage1b\n# age1c', ['age1a', 'age1b']],
    ['# created: 2026-11-20\n# public key: age1x\nAGE-SECRET-KEY-1Z\n', ['AGE-SECRET-KEY-1Z']],
  ])('%j -> %j', (text, lines) => {
    expect(keyLines(text)).toEqual(lines);
  });
});

describe('checkRecipient', () => {
  it.each([
    [() => recipient, null],
    [() => `  ${recipient}\n`, null],
    [() => 'age1notakey', /encryption.recipients.0: "age1notakey" is not a valid age public key/],
    // One character changed (never to itself: the key is random), which bech32's checksum always detects.
    [() => `${recipient.slice(0, -1)}${recipient.endsWith('q') ? 'p' : 'q'}`, /is not a valid age public key/],
    [() => 'ssh-ed25519 AAAAC3Nza', /SSH public keys are not supported/],
    [() => identity, /this is a secret key, not a recipient/],
    [() => 'hunter2-password', /encryption.recipients.0: is not a valid age public key/],
  ])('case %#', (value, problem) => {
    const run = () => checkRecipient(value(), 'encryption.recipients.0');
    if (problem === null) return expect(run()).toBe(recipient);
    const error = (() => {
      try {
        run();
      } catch (e) {
        return e as UsageError;
      }
      throw new Error('expected a UsageError');
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(problem);
    expect(error.message).not.toContain(identity);
    expect(error.message).not.toContain('hunter2');
    expect(error.hint).toBeTruthy();
  });

  it('a recipients file reports the line of a bad key', () => {
    expect(parseRecipients(`# team\n${recipient}\n${other}\n`, 'encryption.recipientsFile')).toEqual([recipient, other]);
    expect(() => parseRecipients(`${recipient}\nage1bad\n`, 'encryption.recipientsFile')).toThrow(/encryption.recipientsFile line 2: "age1bad" is not a valid age public key/);
  });
});

describe('parseIdentities', () => {
  it.each([
    [() => `# created\n# public key: ${recipient}\n${identity}\n`, 1, null],
    [() => `${identity}\n${identity}\n`, 2, null],
    [() => '# only comments\n', 0, /holds no age secret key/],
    [() => recipient, 0, /not an age identity \(expected a line starting with AGE-SECRET-KEY-1\)/],
    [() => `${identity.slice(0, -2)}QQ`, 0, /the age secret key is malformed/],
  ])('case %#', (text, count, problem) => {
    if (problem === null) return expect(parseIdentities(text(), 'encryption.identityFile')).toHaveLength(count);
    let message = '';
    try {
      parseIdentities(text(), 'encryption.identityFile');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(problem);
    expect(message).toMatch(/^encryption.identityFile/);
    expect(message).not.toContain('AGE-SECRET-KEY-1Q');
  });

  it('registers every secret key so logs and errors redact it', () => {
    const [key] = parseIdentities(`${identity}\n`, 'encryption.identity');
    expect(redact(`oops ${key}`)).toBe('oops ***');
  });
});

describe('recipientsFor: a tenant key replaces the default (crypto-erasure)', () => {
  const keys: EncryptionKeys = {
    recipients: ['age1default'],
    tenantRecipients: new Map([
      ['app/42', ['age1app42']],
      ['42', ['age1any42']],
      ['acme', ['age1acme']],
    ]),
  };
  it.each([
    ['app', '42', ['age1app42']],
    ['crm', '42', ['age1any42']],
    ['media', 'acme', ['age1acme']],
    ['app', '43', ['age1default']],
  ])('%s/%s -> %j', (source, tenant, expected) => {
    expect(recipientsFor(keys, source, tenant)).toEqual(expected);
  });
  it('no default and no own key: none', () => {
    expect(recipientsFor({ ...keys, recipients: [] }, 'app', '43')).toEqual([]);
  });
});

describe('splitHeader', () => {
  const header = 'age-encryption.org/v1\n-> X25519 abc\nQUJD\n--- bWFj\n';
  it.each([
    ['whole header and more', `${header}NONCE`, 'complete', header.length],
    ['cut in the MAC line', header.slice(0, -3), 'more', 0],
    ['only the version line so far', 'age-encryption.org/v1\n', 'more', 0],
    ['a partial version line', 'age-enc', 'more', 0],
    ['a zip', 'PK\u0003\u0004', 'not-age', 0],
    ['armored age', '-----BEGIN AGE ENCRYPTED FILE-----\n', 'not-age', 0],
  ])('%s', (_label, text, state, length) => {
    const split = splitHeader(Buffer.from(text, 'latin1'));
    expect(split.state).toBe(state);
    if (split.state === 'complete') {
      expect(split.header.length).toBe(length);
      expect(stanzaTypes(split.header)).toEqual(['X25519']);
    }
  });
});

describe('native X25519 recipients', () => {
  it.each([
    ['a valid key', () => recipient, null],
    ['upper case (bech32 allows it)', () => recipient.toUpperCase(), null],
    ['mixed case', () => `A${recipient.slice(1)}`, /mixed-case/],
    ['a changed character', () => `${recipient.slice(0, 10)}${recipient[10] === 'q' ? 'p' : 'q'}${recipient.slice(11)}`, /checksum/],
    ['a character outside the charset', () => `${recipient.slice(0, -1)}b`, /invalid bech32 character/],
    ['no separator', () => 'agexyz', /malformed/],
  ])('bech32Decode: %s', (_label, text, problem) => {
    if (problem) return expect(() => bech32Decode(text())).toThrow(problem);
    const { prefix, bytes } = bech32Decode(text());
    expect(prefix).toBe('age');
    expect(bytes).toHaveLength(32);
  });

  it('plain X25519 keys are wrapped natively, other types by the age-encryption package', () => {
    expect(isNativeRecipient(recipient)).toBe(true);
    expect(isNativeRecipient('age1pq1abc')).toBe(false);
  });

  it('a native stanza and header open with the identity through the package (same file key)', async () => {
    const fileKey = new Uint8Array(16).fill(7);
    const stanzas = new X25519Recipient(recipient).wrapFileKey(fileKey);
    expect(stanzas[0]!.args[0]).toBe('X25519');
    const decrypter = new Decrypter();
    decrypter.addIdentity(identity);
    const opened = await decrypter.decryptHeader(encodeHeader(stanzas, fileKey));
    expect(Buffer.from(opened)).toEqual(Buffer.from(fileKey));
  });
});
