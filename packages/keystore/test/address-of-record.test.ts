import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addressOfRecord,
  parseSipUri,
  sameAddressOfRecord,
  SipParseError,
} from '@mcptt-smime/smime';

import { canonicalAddressOfRecord } from '../src/index.js';
import { TestPki } from './pki.js';
import { openTestStore } from './store.js';

const USER_SAFE = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/]$/;
const ESCAPE = /%[0-9A-Fa-f]{2}/;

interface Spelling {
  /** Escapes every character, not only the reserved ones. */
  readonly escapeAll: boolean;
  readonly lowerHex: boolean;
}

/** Writes `user` as the user part of a SIP URI, with escapes chosen by `spelling`. */
function escapeUser(user: string, spelling: Spelling): string {
  let out = '';
  for (const character of user) {
    if (USER_SAFE.test(character) && !spelling.escapeAll) {
      out += character;
      continue;
    }
    for (const byte of new TextEncoder().encode(character)) {
      const hex = byte.toString(16).padStart(2, '0');
      out += `%${spelling.lowerHex ? hex.toLowerCase() : hex.toUpperCase()}`;
    }
  }
  return out;
}

function uriOf(user: string, host: string, port: number | undefined, spelling: Spelling): string {
  const portText = port === undefined ? '' : `:${port}`;
  return `sip:${escapeUser(user, spelling)}@${host}${portText}`;
}

const users = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 });
const hosts = fc.constantFrom(
  'example.org',
  'Example.ORG',
  'example.net',
  '192.0.2.1',
  '[2001:db8::1]',
);
const ports = fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined });
const spellings = fc.record({ escapeAll: fc.boolean(), lowerHex: fc.boolean() });

describe('canonicalAddressOfRecord', () => {
  it.each([
    ['SIP:Alice@Example.ORG;transport=ws', 'sip:Alice@example.org'],
    ['sips:bob@example.org:5061?subject=x', 'sips:bob@example.org:5061'],
    ['sip:%61lice@example.org', 'sip:alice@example.org'],
    ['sip:a%3ab@example.org', 'sip:a%3Ab@example.org'],
    ['sip:a:b@example.org', 'sip:a%3Ab@example.org'],
    ['sip:a%40b@example.org', 'sip:a%40b@example.org'],
    ['sip:a@b@example.org', 'sip:a%40b@example.org'],
    ['sip:al%20ice@example.org', 'sip:al%20ice@example.org'],
    ['sip:al ice@example.org', 'sip:al%20ice@example.org'],
    ['sip:a%00@example.org', 'sip:a%00@example.org'],
    ['sip:a\0@example.org', 'sip:a%00@example.org'],
    ['sip:caf%c3%a9@example.org', 'sip:caf%C3%A9@example.org'],
    ['sip:café@example.org', 'sip:caf%C3%A9@example.org'],
    ['sip:example.org', 'sip:example.org'],
  ])('maps %j to %j', (uri, expected) => {
    expect(canonicalAddressOfRecord(uri)).toBe(expected);
  });

  it.each([
    'mailto:alice@example.org',
    'sip:alice@example.org\0.evil.example',
    'sip:alice@exa mple.org',
    'sip:@example.org',
    'sip:alice@',
    'sip:\uD800@example.org',
    '',
  ])('returns undefined for %j', (uri) => {
    expect(canonicalAddressOfRecord(uri)).toBeUndefined();
  });

  it('keeps the user case-sensitive', () => {
    expect(canonicalAddressOfRecord('sip:Bob@example.org')).not.toBe(
      canonicalAddressOfRecord('sip:bob@example.org'),
    );
  });

  it('keeps sip and sips apart', () => {
    expect(canonicalAddressOfRecord('sips:bob@example.org')).not.toBe(
      canonicalAddressOfRecord('sip:bob@example.org'),
    );
  });

  it('agrees on escaped and decoded spellings', () => {
    fc.assert(
      fc.property(
        users.filter((user) => !ESCAPE.test(user)),
        hosts,
        ports,
        spellings,
        (user, host, port, spelling) => {
          const escaped = uriOf(user, host, port, spelling);
          const minimal = uriOf(user, host, port, { escapeAll: false, lowerHex: false });

          expect(canonicalAddressOfRecord(escaped)).toBe(canonicalAddressOfRecord(minimal));
          expect(canonicalAddressOfRecord(addressOfRecord(escaped))).toBe(
            canonicalAddressOfRecord(escaped),
          );
        },
      ),
    );
  });

  it('maps distinct addresses to distinct keys', () => {
    const address = fc.tuple(users, hosts, ports, spellings);
    fc.assert(
      fc.property(address, address, ([userA, hostA, portA, a], [userB, hostB, portB, b]) => {
        const same =
          userA === userB && hostA.toLowerCase() === hostB.toLowerCase() && portA === portB;
        const left = uriOf(userA, hostA, portA, a);
        const right = uriOf(userB, hostB, portB, b);

        expect(canonicalAddressOfRecord(left) === canonicalAddressOfRecord(right)).toBe(same);
        expect(sameAddressOfRecord(left, right)).toBe(same);
      }),
    );
  });

  it('returns a stable SIP URI', () => {
    fc.assert(
      fc.property(users, hosts, ports, spellings, (user, host, port, spelling) => {
        const uri = uriOf(user, host, port, spelling);
        const key = canonicalAddressOfRecord(uri) ?? '';

        expect(canonicalAddressOfRecord(key)).toBe(key);
        expect(parseSipUri(key).user).toBe(user);
        expect(sameAddressOfRecord(key, uri)).toBe(true);
      }),
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        for (const uri of [text, `sip:${text}`, `sip:${text}@example.org`]) {
          const key = canonicalAddressOfRecord(uri);
          if (key !== undefined) expect(canonicalAddressOfRecord(key)).toBe(key);
        }
      }),
    );
  });
});

const ESCAPED_USERS = ['sip:al%20ice@example.org', 'sip:a%40b@example.org', 'sip:a%00@example.org'];

describe('peer keyring addresses', () => {
  const pki = new TestPki();
  let mallory = new Uint8Array();
  let bob = new Uint8Array();
  /** A certificate per URI of ESCAPED_USERS, with that URI as its subjectAltName. */
  const escaped = new Map<string, Uint8Array>();

  const der = (file: string) =>
    new Uint8Array(pki.openssl(['x509', '-in', file, '-outform', 'DER']));

  beforeAll(() => {
    pki.createCa('ca');
    pki.createIdentity('ca', 'mallory', 'sip:a%3Ab@example.org', 30);
    pki.createIdentity('ca', 'bob', 'sip:a@example.org', 30);
    mallory = der('mallory.cert.pem');
    bob = der('bob.cert.pem');
    for (const [index, uri] of ESCAPED_USERS.entries()) {
      pki.createIdentity('ca', `escaped-${index}`, uri, 30);
      escaped.set(uri, der(`escaped-${index}.cert.pem`));
    }
  });
  afterAll(() => pki.dispose());

  it('keeps a colon user apart from a password', async () => {
    const store = await openTestStore();
    await store.setPeerCertificate(addressOfRecord('sip:a%3Ab@example.org'), mallory);

    expect(await store.getPeerCertificate(addressOfRecord('sip:a@example.org'))).toBeUndefined();
    expect(await store.getPeerCertificate('sip:a@example.org')).toBeUndefined();
    expect(await store.getPeerCertificate('sip:a%3Ab@example.org')).toEqual(mallory);
    expect(await store.getPeerCertificate('sip:a:b@example.org')).toEqual(mallory);
  });

  it('stores both peers of a colon user', async () => {
    const store = await openTestStore();
    await store.setPeerCertificate(addressOfRecord('sip:a%3Ab@example.org'), mallory);
    await store.setPeerCertificate(addressOfRecord('sip:a@example.org'), bob);

    expect(await store.getPeerCertificate(addressOfRecord('sip:a@example.org'))).toEqual(bob);
    expect(await store.getPeerCertificate(addressOfRecord('sip:a%3Ab@example.org'))).toEqual(
      mallory,
    );
  });

  it.each(ESCAPED_USERS)('stores %s under both spellings', async (uri) => {
    const store = await openTestStore();
    const certificate = escaped.get(uri) as Uint8Array;
    await store.setPeerCertificate(addressOfRecord(uri), certificate);

    expect(await store.getPeerCertificate(uri)).toEqual(certificate);
    expect(await store.getPeerCertificate(addressOfRecord(uri))).toEqual(certificate);
    expect(await store.getPeerCertificate('sip:a@example.org')).toBeUndefined();
    expect(await store.getPeerCertificate('sip:b@example.org')).toBeUndefined();
  });

  it('compares scheme and host without case', async () => {
    const store = await openTestStore();
    await store.setPeerCertificate('SIP:a@EXAMPLE.org', bob);

    expect(await store.getPeerCertificate('sip:a@example.ORG;transport=ws')).toEqual(bob);
    expect(await store.getPeerCertificate('sip:A@example.org')).toBeUndefined();
    expect(await store.getPeerCertificate('sips:a@example.org')).toBeUndefined();
  });

  it('rejects an address with a bad host', async () => {
    const store = await openTestStore();
    const failure = store.setPeerCertificate('sip:a@example.org\0.evil.example', mallory);

    await expect(failure).rejects.toBeInstanceOf(SipParseError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_SIP_MALFORMED', sipStatus: 400 });
    expect(await store.getPeerCertificate('sip:a@example.org\0.evil.example')).toBeUndefined();
    expect(await store.getPeerCertificate('sip:a@example.org')).toBeUndefined();
  });

  it('rejects removing an address that is not SIP', async () => {
    const failure = (await openTestStore()).removePeerCertificate('tel:+15550100');

    await expect(failure).rejects.toBeInstanceOf(SipParseError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_SIP_MALFORMED', sipStatus: 400 });
  });
});
