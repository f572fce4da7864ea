/**
 * Parsing of certificate revocation lists: lists made by `openssl ca -gencrl`, and hostile lists
 * built with the DER writer that must raise the library's typed errors.
 */
import { createHash } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import { concatBytes, indexOfBytes, utf8Encode } from '../../src/bytes.js';
import { parseCertificate } from '../../src/cms/certificate.js';
import {
  DER_NULL,
  derAlgorithm,
  derEncode,
  derSequence,
  derSmallInteger,
  derTlv,
  type DerInput,
} from '../../src/cms/der.js';
import {
  OID_CERTIFICATE_ISSUER,
  OID_CRL_NUMBER,
  OID_DELTA_CRL_INDICATOR,
  OID_ECDSA_SHA384,
  OID_ISSUING_DISTRIBUTION_POINT,
} from '../../src/cms/oids.js';
import { parseRevocationList, revocationListData } from '../../src/cms/revocation-list.js';
import {
  CmsParseError,
  LimitExceededError,
  NotSupportedError,
  type McpttError,
} from '../../src/errors.js';
import { MAX_REVOCATION_LIST_BYTES, MAX_REVOCATION_LIST_ENTRIES } from '../../src/limits.js';
import {
  type CrlSpec,
  buildCrl,
  derExtension,
  encodeTbsCertList,
  reasonExtension,
} from './crl-builder.js';
import { crypto, fixtureCertificate, fixtureKeys, fixturePath } from './helpers.js';
import { opensslAvailable, opensslCrl } from './openssl-crl.js';

const ca = parseCertificate(fixtureCertificate('ca'));
const THIS_UPDATE = new Date('2030-05-01T00:00:00Z');
const NEXT_UPDATE = new Date('2030-07-01T00:00:00Z');
const REVOKED_AT = new Date('2030-01-01T00:00:00Z');
const PRIVATE_OID = '1.3.6.1.4.1.55555.1';

let signingKey: CryptoKey;
beforeAll(async () => {
  signingKey = (await fixtureKeys('ca')).signingKey;
});

function spec(overrides: Partial<CrlSpec> = {}): CrlSpec {
  return {
    issuerName: ca.subjectName,
    signingKey,
    thisUpdate: THIS_UPDATE,
    nextUpdate: NEXT_UPDATE,
    entries: [{ serial: 0x1001, date: REVOKED_AT, reason: 1 }],
    ...overrides,
  };
}

function parseError(der: Uint8Array): unknown {
  try {
    parseRevocationList(der);
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectRejection(
  der: DerInput,
  type: new (...args: never[]) => McpttError,
  code: string,
  sipStatus: number,
): void {
  const error = parseError(derEncode(der));

  expect(error).toBeInstanceOf(type);
  expect(error).toMatchObject({ code, sipStatus });
}

/** Replaces the outer definite length of a SEQUENCE with the indefinite form. */
function indefinite(der: Uint8Array): Uint8Array {
  const lengthOctets = (der[1] ?? 0) > 0x80 ? (der[1] ?? 0) & 0x7f : 0;
  return concatBytes(
    Uint8Array.of(0x30, 0x80),
    der.subarray(2 + lengthOctets),
    Uint8Array.of(0, 0),
  );
}

describe.skipIf(!opensslAvailable)('parseRevocationList with openssl lists', () => {
  it('reads every field', () => {
    const made = opensslCrl({
      caCertificate: fixturePath('ca.cert.pem'),
      caKey: fixturePath('ca.key.pem'),
      indexEntries: [
        { serial: 0x1001, revocationDate: REVOKED_AT, reason: 'keyCompromise' },
        { serial: 0x2002, revocationDate: REVOKED_AT },
      ],
      lastUpdate: THIS_UPDATE,
      nextUpdate: NEXT_UPDATE,
    });
    const list = parseRevocationList(made.der);

    expect(list.issuer).toBe('O=mcptt-smime tests, CN=Test CA');
    expect(list.issuerName).toEqual(ca.subjectName);
    expect(list.thisUpdate).toEqual(THIS_UPDATE);
    expect(list.nextUpdate).toEqual(NEXT_UPDATE);
    expect(list.crlNumber).toBe('1000');
    expect(list.signatureAlgorithm).toBe('ecdsa-with-SHA256');
    expect(list.revokedCertificates).toEqual([
      {
        serialNumber: '1001',
        revocationDate: REVOKED_AT,
        reason: 'keyCompromise',
        invalidityDate: undefined,
      },
      {
        serialNumber: '2002',
        revocationDate: REVOKED_AT,
        reason: undefined,
        invalidityDate: undefined,
      },
    ]);
    // The tbsCertList follows the four-octet header of the CertificateList.
    expect(indexOfBytes(made.der, list.tbs)).toBe(4);
    const digest = createHash('sha256').update(made.der).digest('hex');
    expect(list.cacheKey).toBe(`sha256:${digest}`);
  });

  it('reads a list without entries', () => {
    const made = opensslCrl({
      caCertificate: fixturePath('ca.cert.pem'),
      caKey: fixturePath('ca.key.pem'),
      lastUpdate: THIS_UPDATE,
      nextUpdate: NEXT_UPDATE,
    });
    const list = parseRevocationList(made.der);

    expect(list.revokedCertificates).toEqual([]);
    expect(list.nextUpdate).toEqual(NEXT_UPDATE);
  });

  it('rejects the PEM text itself', () => {
    const made = opensslCrl({
      caCertificate: fixturePath('ca.cert.pem'),
      caKey: fixturePath('ca.key.pem'),
    });

    expectRejection(utf8Encode(made.pem), CmsParseError, 'ERR_CMS_MALFORMED', 400);
  });
});

describe('parseRevocationList with built lists', () => {
  it('reads a v1 list', async () => {
    const der = await buildCrl(crypto, spec({ version: null, extensions: [], entries: [] }));
    const list = parseRevocationList(der);

    expect(list.crlNumber).toBeUndefined();
    expect(list.revokedCertificates).toEqual([]);
  });

  it('reads a list without nextUpdate', async () => {
    const der = await buildCrl(crypto, {
      issuerName: ca.subjectName,
      signingKey,
      thisUpdate: THIS_UPDATE,
    });

    expect(parseRevocationList(der).nextUpdate).toBeUndefined();
  });

  it('normalises negative, padded and huge serials', async () => {
    const huge = new Uint8Array(40).fill(0x5a);
    const der = await buildCrl(
      crypto,
      spec({
        entries: [
          { serial: Uint8Array.of(0xfb), date: REVOKED_AT },
          { serial: Uint8Array.of(0x00, 0x05), date: REVOKED_AT },
          { serial: Uint8Array.of(0xff, 0xff, 0x80), date: REVOKED_AT },
          { serial: huge, date: REVOKED_AT },
        ],
      }),
    );
    const serials = parseRevocationList(der).revokedCertificates.map((entry) => entry.serialNumber);

    expect(serials).toEqual(['fb', '05', '80', '5a'.repeat(40)]);
  });

  it('ignores unknown non-critical extensions', async () => {
    const unknown = derExtension(PRIVATE_OID, DER_NULL);
    const der = await buildCrl(
      crypto,
      spec({
        extensions: [unknown],
        entries: [{ serial: 1, date: REVOKED_AT, extensions: [unknown] }],
      }),
    );

    expect(parseRevocationList(der).revokedCertificates).toHaveLength(1);
  });

  it('freezes the list and copies its fields', async () => {
    const list = parseRevocationList(await buildCrl(crypto, spec()));
    list.issuerName.fill(0);
    list.tbs.fill(0);
    list.thisUpdate.setTime(0);

    expect(Object.isFrozen(list)).toBe(true);
    expect(Object.isFrozen(list.revokedCertificates)).toBe(true);
    expect(Object.isFrozen(list.revokedCertificates[0])).toBe(true);
    expect(revocationListData(list).issuerName).toEqual(ca.subjectName);
    expect(revocationListData(list).thisUpdate).toBe(THIS_UPDATE.getTime());
    expect(revocationListData(list).tbs[0]).toBe(0x30);
  });

  it('gives equal lists equal cache keys', async () => {
    const der = await buildCrl(crypto, spec());
    const other = await buildCrl(crypto, spec({ entries: [] }));

    expect(parseRevocationList(der).cacheKey).toBe(parseRevocationList(der.slice()).cacheKey);
    expect(parseRevocationList(der).cacheKey).not.toBe(parseRevocationList(other).cacheKey);
  });

  it('rejects an argument that is not bytes', () => {
    expect(() => parseRevocationList('CRL' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

const idp = (...fields: DerInput[]) =>
  derExtension(OID_ISSUING_DISTRIBUTION_POINT, derSequence(...fields), true);

/** Lists that are well-formed but use what the library does not implement. */
const UNSUPPORTED: readonly (readonly [string, Partial<CrlSpec>])[] = [
  ['a v1 list with extensions', { version: null }],
  [
    'a v1 list with entry extensions',
    { version: null, extensions: [], entries: [{ serial: 1, date: REVOKED_AT, reason: 1 }] },
  ],
  ['version 3', { version: 2 }],
  [
    'an unknown critical list extension',
    { extensions: [derExtension(PRIVATE_OID, DER_NULL, true)] },
  ],
  [
    'an unknown critical entry extension',
    {
      entries: [
        { serial: 1, date: REVOKED_AT, extensions: [derExtension(PRIVATE_OID, DER_NULL, true)] },
      ],
    },
  ],
  [
    'a delta CRL indicator',
    { extensions: [derExtension(OID_DELTA_CRL_INDICATOR, derSmallInteger(5), true)] },
  ],
  ['an indirect CRL', { extensions: [idp(Uint8Array.of(0x84, 0x01, 0xff))] }],
  [
    'a certificateIssuer entry extension',
    {
      entries: [
        {
          serial: 1,
          date: REVOKED_AT,
          extensions: [derExtension(OID_CERTIFICATE_ISSUER, derSequence(), true)],
        },
      ],
    },
  ],
  ['onlySomeReasons', { extensions: [idp(Uint8Array.of(0x83, 0x02, 0x07, 0x80))] }],
  ['attribute certificates only', { extensions: [idp(Uint8Array.of(0x85, 0x01, 0xff))] }],
  [
    'a distribution point relative to the issuer',
    { extensions: [idp(derTlv(0xa0, derTlv(0xa1, derTlv(0x30))))] },
  ],
];

/** Lists that break the syntax of RFC 5280 §5.1. */
const MALFORMED: readonly (readonly [string, Partial<CrlSpec>])[] = [
  [
    'a serial listed twice',
    {
      entries: [
        { serial: 7, date: REVOKED_AT },
        { serial: 7, date: REVOKED_AT },
      ],
    },
  ],
  ['nextUpdate before thisUpdate', { nextUpdate: new Date('2030-04-01T00:00:00Z') }],
  ['reason code 7', { entries: [{ serial: 1, date: REVOKED_AT, reason: 7 }] }],
  ['reason code 11', { entries: [{ serial: 1, date: REVOKED_AT, reason: 11 }] }],
  [
    'a reason that is no ENUMERATED',
    {
      entries: [
        {
          serial: 1,
          date: REVOKED_AT,
          extensions: [derExtension('2.5.29.21', derSmallInteger(1))],
        },
      ],
    },
  ],
  ['an empty issuer', { issuerName: derSequence() }],
  ['an explicit v1 version', { version: 0 }],
  [
    'a repeated extension',
    {
      extensions: [
        derExtension(OID_CRL_NUMBER, derSmallInteger(1)),
        derExtension(OID_CRL_NUMBER, derSmallInteger(2)),
      ],
    },
  ],
  [
    'a negative cRLNumber',
    { extensions: [derExtension(OID_CRL_NUMBER, derTlv(0x02, Uint8Array.of(0xff)))] },
  ],
  [
    'an empty list of entry extensions',
    { entries: [{ serial: 1, date: REVOKED_AT, extensions: [] }] },
  ],
  [
    'a tbsCertList signature unlike signatureAlgorithm',
    { innerAlgorithm: derAlgorithm(OID_ECDSA_SHA384) },
  ],
  [
    'both onlyContainsUserCerts and onlyContainsCACerts',
    { extensions: [idp(Uint8Array.of(0x81, 0x01, 0xff), Uint8Array.of(0x82, 0x01, 0xff))] },
  ],
];

describe('parseRevocationList rejects', () => {
  for (const [name, overrides] of UNSUPPORTED) {
    it(`${name} as not supported`, async () => {
      expectRejection(
        await buildCrl(crypto, spec(overrides)),
        NotSupportedError,
        'ERR_NOT_SUPPORTED',
        415,
      );
    });
  }

  for (const [name, overrides] of MALFORMED) {
    it(`${name} as malformed`, async () => {
      expectRejection(
        await buildCrl(crypto, spec(overrides)),
        CmsParseError,
        'ERR_CMS_MALFORMED',
        400,
      );
    });
  }

  it('an unsupported signature algorithm', () => {
    const sha1WithRsa = derAlgorithm('1.2.840.113549.1.1.5', DER_NULL);
    const tbs = encodeTbsCertList(spec(), sha1WithRsa);
    const der = derSequence(tbs, sha1WithRsa, derTlv(0x03, Uint8Array.of(0, 1, 2, 3)));

    expectRejection(der, NotSupportedError, 'ERR_NOT_SUPPORTED', 415);
  });

  it('trailing bytes', async () => {
    const der = concatBytes(await buildCrl(crypto, spec()), Uint8Array.of(0));

    expectRejection(der, CmsParseError, 'ERR_CMS_MALFORMED', 400);
  });

  it('every truncation', async () => {
    const der = await buildCrl(crypto, spec());

    for (let length = 0; length < der.length; length++) {
      expectRejection(der.subarray(0, length), CmsParseError, 'ERR_CMS_MALFORMED', 400);
    }
  });

  it('an indefinite length', async () => {
    const der = indefinite(await buildCrl(crypto, spec()));

    expectRejection(der, CmsParseError, 'ERR_CMS_MALFORMED', 400);
  });

  it('deep nesting', () => {
    let der: DerInput = DER_NULL;
    for (let depth = 0; depth < 100; depth++) der = derSequence(der);

    expectRejection(der, CmsParseError, 'ERR_CMS_MALFORMED', 400);
  });

  it('a list larger than the limit', () => {
    const der = new Uint8Array(MAX_REVOCATION_LIST_BYTES + 1);

    expectRejection(der, LimitExceededError, 'ERR_LIMIT_EXCEEDED', 413);
  });

  it('more entries than the limit', async () => {
    const entries = Array.from({ length: MAX_REVOCATION_LIST_ENTRIES + 1 }, (_, index) => ({
      serial: index + 1,
      date: REVOKED_AT,
    }));

    expectRejection(
      await buildCrl(crypto, spec({ entries })),
      LimitExceededError,
      'ERR_LIMIT_EXCEEDED',
      413,
    );
  });

  it('more ASN.1 elements than the limit', () => {
    const nulls = new Uint8Array(2 * 350_000);
    for (let index = 0; index < nulls.length; index += 2) nulls[index] = 0x05;
    const der = derSequence(nulls);

    expectRejection(der, LimitExceededError, 'ERR_LIMIT_EXCEEDED', 413);
  });

  it('a reason extension on an entry of a v1 list', async () => {
    const der = await buildCrl(
      crypto,
      spec({
        version: null,
        extensions: [],
        entries: [{ serial: 1, date: REVOKED_AT, extensions: [reasonExtension(1)] }],
      }),
    );

    expectRejection(der, NotSupportedError, 'ERR_NOT_SUPPORTED', 415);
  });
});
