/**
 * unprotectMessage with certificate revocation lists made by `openssl ca -gencrl` for the test
 * PKI: the rejection of a revoked signer, the require mode, and the option checks.
 */
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { parseRevocationList } from '../../src/cms/revocation-list.js';
import type { RevocationList } from '../../src/cms/revocation-list.js';
import type { RevocationMode } from '../../src/cms/revocation.js';
import { CertificateRevokedError, CertificateUntrustedError } from '../../src/errors.js';
import type { SipMessage } from '../../src/sip/message.js';
import { protectMessage } from '../../src/smime/protect.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import type { UnprotectOptions } from '../../src/smime/unprotect.js';
import { opensslAvailable, opensslCrl } from '../cms/openssl-crl.js';
import { SECRET_TOKEN, mcpttInfoMessage } from './messages.js';
import { getTestPki, testCrypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';
import { rejection } from '../mime/expect-error.js';

/** Serial number of `alice2` in the test PKI, which issues serials from 2 in credential order. */
const ALICE2_SERIAL = 3;
const HOUR = 3600 * 1000;

let pki: TestPki;
let revokingAlice2: RevocationList;

beforeAll(async () => {
  if (!opensslAvailable) return;
  pki = await getTestPki();
  const made = opensslCrl({
    caCertificate: pki.caPath,
    caKey: join(pki.dir, 'ca.key.pem'),
    indexEntries: [
      {
        serial: ALICE2_SERIAL,
        revocationDate: new Date(pki.now.getTime() - HOUR),
        reason: 'keyCompromise',
      },
    ],
    lastUpdate: new Date(pki.now.getTime() - HOUR),
    nextUpdate: new Date(pki.now.getTime() + 24 * HOUR),
  });
  revokingAlice2 = parseRevocationList(made.der);
});

async function protect(signer: string, contentEncryption?: 'aes-256-cbc'): Promise<SipMessage> {
  return protectMessage(mcpttInfoMessage(), {
    crypto: testCrypto,
    signer: await pki.identity(signer),
    recipients: [pki.certificate('server')],
    now: () => pki.now,
    ...(contentEncryption === undefined ? {} : { contentEncryption }),
  });
}

async function unprotect(message: SipMessage, extra: Partial<UnprotectOptions> = {}) {
  return unprotectMessage(message, {
    crypto: testCrypto,
    identity: await pki.identity('server'),
    trustAnchors: [pki.caCertificate],
    now: () => pki.now,
    revocationLists: [revokingAlice2],
    ...extra,
  });
}

describe.skipIf(!opensslAvailable)('unprotectMessage with revocation lists', () => {
  it('rejects a revoked signer with 403', async () => {
    const error = await rejection(unprotect(await protect('alice2')));

    expect(error).toBeInstanceOf(CertificateRevokedError);
    expect(error).toMatchObject({ code: 'ERR_CERT_REVOKED', sipStatus: 403 });
    expect(error.message).toContain('CN=alice2 (serial 03)');
    expect(error.message).not.toContain(SECRET_TOKEN);
  });

  it('opens a message of a signer the list leaves out', async () => {
    const { security } = await unprotect(await protect('alice'), { revocation: 'require' });

    expect(security.signed).toBe(true);
    expect(security.signerUri).toBe('sip:alice@example.org');
  });

  it('answers 493 for a revoked signer inside a CBC envelope', async () => {
    const error = await rejection(unprotect(await protect('alice2', 'aes-256-cbc')));

    // After a CBC decryption every failure is concealed, so that no padding oracle remains.
    expect(error).toMatchObject({ code: 'ERR_UNDECIPHERABLE', sipStatus: 493 });
    expect(error.cause).toBeInstanceOf(CertificateRevokedError);
  });

  it('rejects a pinned signer without a path', async () => {
    const sent = await protect('alice-self');
    const pinned = pki.certificate('alice-self');
    const getPeerCertificate = () => Promise.resolve(pinned);

    const opened = await unprotect(sent, { getPeerCertificate, revocationLists: [] });
    const available = await rejection(unprotect(sent, { getPeerCertificate }));
    const required = await rejection(
      unprotect(sent, { getPeerCertificate, revocation: 'require' }),
    );

    expect(opened.security.signerUri).toBe('sip:alice@example.org');
    for (const error of [available, required]) {
      expect(error).toBeInstanceOf(CertificateUntrustedError);
      expect(error).toMatchObject({ code: 'ERR_CERT_UNTRUSTED', sipStatus: 403 });
      expect(error.message).toContain('has no path to a trust anchor');
    }
  });

  it('rejects lists not made by the parser', async () => {
    const sent = await protect('alice');
    const forged = { ...revokingAlice2 };

    await expect(unprotect(sent, { revocationLists: [forged] })).rejects.toThrow(TypeError);
    await expect(
      unprotect(sent, { revocationLists: 'crl.pem' as unknown as RevocationList[] }),
    ).rejects.toThrow(TypeError);
  });

  it('rejects an unknown revocation mode', async () => {
    const sent = await protect('alice');
    const mode = 'always' as RevocationMode;

    await expect(unprotect(sent, { revocation: mode })).rejects.toThrow(
      "unprotectMessage: options.revocation must be 'if-available' or 'require'",
    );
  });
});
