/** Key parsing, per-tenant recipient choice and header splitting: tables of cases. */
import { describe, expect, it } from 'vitest';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { checkRecipient, keyLines, parseIdentities, parseRecipients } from '../../src/crypto/parse.js';
import { recipientsFor, type EncryptionKeys } from '../../src/crypto/keys.js';
import { splitHeader, stanzaTypes } from '../../src/crypto/header.js';
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
    [() => `${recipient.slice(0, -1)}q`, /is not a valid age public key/],
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
