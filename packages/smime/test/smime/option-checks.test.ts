/**
 * Options that a caller got wrong raise TypeError before any message is read. An Invalid Date
 * compares false with every bound, so it would pass validity periods, signature ages and the
 * replay window unseen, and PEM bytes given as DER would fail only once a message arrives, as
 * the peer's fault (400).
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { checkCertificate } from '../../src/cms/chain.js';
import { verifySignedData } from '../../src/cms/verify-signed-data.js';
import type { SipMessage } from '../../src/sip/message.js';
import { protectMessage } from '../../src/smime/protect.js';
import { ReplayGuard } from '../../src/smime/replay-guard.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import { mcpttInfoMessage } from './messages.js';
import type { LocalIdentity } from '../../src/smime/key-store.js';
import type { UnprotectOptions } from '../../src/smime/unprotect.js';
import { getTestPki, testCrypto, type TestPki } from './test-pki.js';

const INVALID = new Date('not a date');

let pki: TestPki;
let sent: SipMessage;

beforeAll(async () => {
  pki = await getTestPki();
  sent = await protectMessage(mcpttInfoMessage(), {
    crypto: testCrypto,
    signer: await pki.identity('alice'),
    recipients: [pki.certificate('server')],
    now: () => pki.now,
  });
});

describe('options.now of unprotectMessage', () => {
  const unprotectWith = async (now: unknown) =>
    unprotectMessage(sent, {
      crypto: testCrypto,
      identity: await pki.identity('server'),
      trustAnchors: [pki.caCertificate],
      now: now as () => Date,
    });

  it('rejects an Invalid Date', async () => {
    await expect(unprotectWith(() => INVALID)).rejects.toThrow(
      new TypeError('unprotectMessage: options.now() must be a valid Date'),
    );
  });

  it('rejects a number of milliseconds', async () => {
    await expect(unprotectWith(() => Date.now())).rejects.toThrow(
      new TypeError('unprotectMessage: options.now() must be a valid Date'),
    );
  });

  it('rejects a Date in place of a function', async () => {
    await expect(unprotectWith(pki.now)).rejects.toThrow(
      new TypeError('unprotectMessage: options.now must be a function that returns a Date'),
    );
  });

  it('accepts a valid clock', async () => {
    const result = await unprotectWith(() => pki.now);

    expect(result.security.signed).toBe(true);
  });
});

describe('options.now of protectMessage', () => {
  it('rejects an Invalid Date', async () => {
    const protecting = protectMessage(mcpttInfoMessage(), {
      crypto: testCrypto,
      signer: await pki.identity('alice'),
      recipients: [pki.certificate('server')],
      now: () => INVALID,
    });

    await expect(protecting).rejects.toThrow(
      new TypeError('protectMessage: options.now() must be a valid Date'),
    );
  });
});

describe('the time of checkCertificate and verifySignedData', () => {
  it('rejects an Invalid Date in checkCertificate', async () => {
    const checking = checkCertificate({
      crypto: testCrypto,
      certificate: pki.certificate('alice'),
      trustAnchors: [pki.caCertificate],
      now: INVALID,
    });

    await expect(checking).rejects.toThrow(
      new TypeError('checkCertificate: options.now must be a valid Date'),
    );
  });

  it('rejects an Invalid Date in verifySignedData', async () => {
    const verifying = verifySignedData({
      crypto: testCrypto,
      der: new Uint8Array([0x30, 0x00]),
      trustAnchors: [pki.caCertificate],
      now: INVALID,
    });

    await expect(verifying).rejects.toThrow(
      new TypeError('verifySignedData: options.now must be a valid Date'),
    );
  });
});

describe('the time of ReplayGuard', () => {
  it('rejects an Invalid Date in check', async () => {
    const opened = await unprotectMessage(sent, {
      crypto: testCrypto,
      identity: await pki.identity('server'),
      trustAnchors: [pki.caCertificate],
      now: () => pki.now,
    });

    expect(() => new ReplayGuard().check(sent, opened.security, INVALID)).toThrow(
      new TypeError('ReplayGuard.check: now must be a valid Date'),
    );
  });

  it('rejects an Invalid Date in restore', () => {
    expect(() => new ReplayGuard().restore([], INVALID)).toThrow(
      new TypeError('ReplayGuard.restore: now must be a valid Date'),
    );
  });
});

describe('certificates and identities', () => {
  const pem = new TextEncoder().encode(
    '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  );
  const unprotectWith = async (changes: Partial<Record<keyof UnprotectOptions, unknown>>) =>
    unprotectMessage(sent, {
      crypto: testCrypto,
      identity: await pki.identity('server'),
      trustAnchors: [pki.caCertificate],
      now: () => pki.now,
      ...(changes as Partial<UnprotectOptions>),
    });
  const protectWith = async (signer: unknown, recipients: unknown[]) =>
    protectMessage(mcpttInfoMessage(), {
      crypto: testCrypto,
      signer: signer as LocalIdentity,
      recipients: recipients as Uint8Array[],
      now: () => pki.now,
    });

  it('rejects PEM trust anchors', async () => {
    await expect(unprotectWith({ trustAnchors: [pem] })).rejects.toThrow(
      new TypeError(
        'unprotectMessage: options.trustAnchors must be an array of DER certificates, not PEM',
      ),
    );
  });

  it('rejects an identity without certificate', async () => {
    const identity = { ...(await pki.identity('server')), certificate: new Uint8Array() };

    await expect(unprotectWith({ identity })).rejects.toThrow(
      new TypeError('unprotectMessage: options.identity.certificate must be a DER certificate'),
    );
  });

  it('rejects an identity without decryption key', async () => {
    const identity = { ...(await pki.identity('server')), decryptionKey: undefined };

    await expect(unprotectWith({ identity })).rejects.toThrow(
      new TypeError('unprotectMessage: options.identity.decryptionKey must be a CryptoKey'),
    );
  });

  it('rejects a getPeerCertificate that is no function', async () => {
    await expect(unprotectWith({ getPeerCertificate: pki.certificate('alice') })).rejects.toThrow(
      new TypeError('unprotectMessage: options.getPeerCertificate must be a function'),
    );
  });

  it('rejects a message that is no SipMessage', async () => {
    const options = { crypto: testCrypto, trustAnchors: [pki.caCertificate] };

    await expect(unprotectMessage(sent.toBytes() as never, options)).rejects.toThrow(
      new TypeError('unprotectMessage: message must be a SipMessage'),
    );
  });

  it('rejects a signer without signing key', async () => {
    const signer = { ...(await pki.identity('alice')), signingKey: undefined };

    await expect(protectWith(signer, [pki.certificate('server')])).rejects.toThrow(
      new TypeError('protectMessage: options.signer.signingKey must be a CryptoKey'),
    );
  });

  it('rejects PEM recipients', async () => {
    await expect(protectWith(await pki.identity('alice'), [pem])).rejects.toThrow(
      new TypeError(
        'protectMessage: options.recipients must be an array of DER certificates, not PEM',
      ),
    );
  });
});
