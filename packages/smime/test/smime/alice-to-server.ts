/**
 * The usual round trip of the message tests: alice signs and encrypts for the server, at the
 * test PKI's fixed clock, and the server opens the message against the test CA.
 */
import type { SipMessage } from '../../src/sip/message.js';
import { protectMessage, type ProtectOptions } from '../../src/smime/protect.js';
import { unprotectMessage, type UnprotectOptions } from '../../src/smime/unprotect.js';
import { testCrypto, type TestPki } from './test-pki.js';

/** Protects `message` as alice for the server, with `extra` options on top. */
export async function protectAsAlice(
  pki: TestPki,
  message: SipMessage,
  extra: Partial<ProtectOptions> = {},
): Promise<SipMessage> {
  return protectMessage(message, {
    crypto: testCrypto,
    signer: await pki.identity('alice'),
    recipients: [pki.certificate('server')],
    now: () => pki.now,
    ...extra,
  });
}

/** Opens `message` as the server, trusting the test CA, with `extra` options on top. */
export async function unprotectAtServer(
  pki: TestPki,
  message: SipMessage,
  extra: Partial<UnprotectOptions> = {},
) {
  return unprotectMessage(message, {
    crypto: testCrypto,
    identity: await pki.identity('server'),
    trustAnchors: [pki.caCertificate],
    now: () => pki.now,
    ...extra,
  });
}
