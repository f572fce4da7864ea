/**
 * A signed header fragment binds the parts of its own signature to the message. A part cut from
 * another message of the same signer, in a signature of its own, is bound by nothing, so it must
 * not arrive next to a fragment that makes the whole message look bound.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { concatBytes, utf8Encode } from '../../src/bytes.js';
import { HeaderMismatchError } from '../../src/errors.js';
import type { SipMessage } from '../../src/sip/message.js';
import { protectMessage } from '../../src/smime/protect.js';
import { ReplayGuard } from '../../src/smime/replay-guard.js';
import { messageBodyEntity } from '../../src/smime/sip-body.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import { rejection } from '../mime/expect-error.js';
import { mcpttInfoMessage } from './messages.js';
import { getTestPki, testCrypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

async function protect(message: SipMessage, protectHeaders: readonly string[]) {
  return protectMessage(message, {
    crypto: testCrypto,
    signer: await pki.identity('alice'),
    recipients: [pki.certificate('server')],
    now: () => pki.now,
    protectHeaders,
  });
}

async function receive(message: SipMessage, guard: ReplayGuard) {
  return unprotectMessage(message, {
    crypto: testCrypto,
    identity: await pki.identity('server'),
    trustAnchors: [pki.caCertificate],
    now: () => pki.now,
    replayGuard: guard,
  });
}

/** Returns `target` with its protected body and the protected body of `extra` in multipart/mixed. */
function splice(target: SipMessage, extra: SipMessage): SipMessage {
  const own = messageBodyEntity(target)?.toBytes() ?? new Uint8Array(0);
  const cut = messageBodyEntity(extra)?.toBytes() ?? new Uint8Array(0);
  const body = concatBytes(
    utf8Encode('--splice\r\n'),
    own,
    utf8Encode('\r\n--splice\r\n'),
    cut,
    utf8Encode('\r\n--splice--\r\n'),
  );
  return target.withBody(body, { contentType: 'multipart/mixed; boundary=splice' });
}

describe('parts from another signature', () => {
  it('rejects a spliced unbound part', async () => {
    const old = await protect(mcpttInfoMessage().withHeader('Call-ID', 'old@example.org'), []);
    const fresh = await protect(mcpttInfoMessage().withHeader('Call-ID', 'fresh@example.org'), [
      'Call-ID',
      'CSeq',
    ]);
    const guard = new ReplayGuard();

    // Sent again on its own, the old body binds no Call-ID, so an application that requires
    // signed Call-ID and CSeq rejects it. Spliced in, it looks covered by the fresh copies.
    const error = await rejection(receive(splice(fresh, old), guard));
    expect(error).toBeInstanceOf(HeaderMismatchError);
    expect(error).toMatchObject({ code: 'ERR_HEADER_MISMATCH', sipStatus: 403 });
  });

  it('accepts the bound message alone', async () => {
    const fresh = await protect(mcpttInfoMessage().withHeader('Call-ID', 'fresh@example.org'), [
      'Call-ID',
      'CSeq',
    ]);
    const result = await receive(fresh, new ReplayGuard());
    expect(result.security.protectedHeaders.map((header) => header.name)).toEqual([
      'Call-ID',
      'CSeq',
    ]);
  });
});
