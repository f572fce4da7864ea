/**
 * Property tests of the revocation list parser: random and mutated lists raise only the
 * library's typed errors, each parse ends quickly, and a changed list is never used.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { bytesEqual, utf8Encode } from '../../src/bytes.js';
import { parseCertificate } from '../../src/cms/certificate.js';
import { derEncode, derSequence, derTlv } from '../../src/cms/der.js';
import { signContent, verifySignedData } from '../../src/cms/index.js';
import {
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_INVALIDITY_DATE,
  OID_ISSUING_DISTRIBUTION_POINT,
} from '../../src/cms/oids.js';
import { parseRevocationList } from '../../src/cms/revocation-list.js';
import { CmsParseError, LimitExceededError, NotSupportedError } from '../../src/errors.js';
import { buildCrl, derExtension } from './crl-builder.js';
import { FIXTURE_NOW, crypto, fixtureCertificate, fixtureKeys } from './helpers.js';

/** Maximum time in milliseconds that one parse may take before it counts as a hang. */
const PARSE_BUDGET_MS = 250;

let valid: Uint8Array;
let signed: Uint8Array;

beforeAll(async () => {
  const ca = parseCertificate(fixtureCertificate('ca'));
  const date = new Date('2030-01-01T00:00:00Z');
  valid = await buildCrl(crypto, {
    issuerName: ca.subjectName,
    signingKey: (await fixtureKeys('ca')).signingKey,
    thisUpdate: new Date('2030-05-01T00:00:00Z'),
    nextUpdate: new Date('2030-07-01T00:00:00Z'),
    extensions: [
      derExtension(
        OID_AUTHORITY_KEY_IDENTIFIER,
        derSequence(derTlv(0x80, ca.subjectKeyIdentifier!)),
      ),
      derExtension(
        OID_ISSUING_DISTRIBUTION_POINT,
        derSequence(Uint8Array.of(0x81, 0x01, 0xff)),
        true,
      ),
    ],
    entries: [
      { serial: 0x2002, date, reason: 1 },
      {
        serial: 0x2003,
        date,
        reason: 6,
        extensions: [
          derExtension(OID_INVALIDITY_DATE, derTlv(0x18, utf8Encode('20291231000000Z'))),
        ],
      },
      { serial: Uint8Array.of(0xfb), date },
    ],
  });
  signed = await signContent({
    crypto,
    content: utf8Encode('Content-Type: text/plain\r\n\r\nshort data\r\n'),
    privateKey: (await fixtureKeys('alice')).signingKey,
    certificate: fixtureCertificate('alice'),
    signingTime: FIXTURE_NOW,
    detached: false,
  });
});

/** Parses `bytes` and fails the test on any error other than the typed parse errors. */
function parseOrTypedError(bytes: Uint8Array): ReturnType<typeof parseRevocationList> | undefined {
  const start = performance.now();
  try {
    return parseRevocationList(bytes);
  } catch (error) {
    const typed =
      error instanceof CmsParseError ||
      error instanceof NotSupportedError ||
      error instanceof LimitExceededError;
    if (!typed) throw error;
    return undefined;
  } finally {
    expect(performance.now() - start).toBeLessThan(PARSE_BUDGET_MS);
  }
}

/** One change to a list: flip, set, insert or delete bytes, or cut the end. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip'), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('set'), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('insert'),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete'), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(bytes: Uint8Array, change: Mutation): Uint8Array {
  // An earlier change may have emptied the list.
  const at = bytes.length === 0 ? 0 : change.at % bytes.length;
  const copy = [...bytes];
  if (change.kind === 'flip') copy[at] = (copy[at] ?? 0) ^ change.mask;
  else if (change.kind === 'set') copy[at] = change.value;
  else if (change.kind === 'insert') copy.splice(at, 0, ...change.bytes);
  else if (change.kind === 'delete') copy.splice(at, change.count);
  else copy.length = at;
  return Uint8Array.from(copy);
}

describe('parseRevocationList properties', () => {
  it('raises only typed errors on random bytes', () => {
    const structured = fc
      .tuple(fc.constantFrom(0x30, 0x31, 0xa0, 0x02), fc.uint8Array({ maxLength: 300 }))
      .map(([tag, body]) => derEncode(derTlv(tag, body)));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), structured), (bytes) => {
        parseOrTypedError(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('raises only typed errors on mutated lists', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (changes) => {
        parseOrTypedError(changes.reduce(mutate, valid));
      }),
      { numRuns: 3000 },
    );
  });

  it('never uses a list whose content changed', async () => {
    const original = parseRevocationList(valid);
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 2 }), async (changes) => {
        const list = parseOrTypedError(changes.reduce(mutate, valid));
        if (list === undefined || bytesEqual(list.tbs, original.tbs)) return;
        checked++;

        const attempt = verifySignedData({
          crypto,
          der: signed,
          trustAnchors: [fixtureCertificate('ca')],
          now: FIXTURE_NOW,
          revocationLists: [list],
          revocation: 'require',
        });
        await expect(attempt).rejects.toMatchObject({ code: 'ERR_CERT_UNTRUSTED', sipStatus: 403 });
      }),
      { numRuns: 1500 },
    );
    // Most mutations break the DER; enough of them must parse for the property to say anything.
    expect(checked).toBeGreaterThan(20);
  });
});
