import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Encode } from '../../src/bytes.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { buildMultipart, parseMultipart } from '../../src/mime/multipart.js';
import { SipMessage } from '../../src/sip/message.js';
import type { LocalIdentity } from '../../src/smime/key-store.js';
import { prepareProtection, protectMessage } from '../../src/smime/protect.js';
import type { ProtectOptions } from '../../src/smime/protect.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import {
  SDP,
  SECRET_TOKEN,
  bodyParts,
  containsText,
  mcpttInfo,
  request,
  LISTS,
  MCPTT_INFO,
  RESOURCE_LISTS,
} from './messages.js';
import { getTestPki, testCrypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';

let pki: TestPki;
let alice: LocalIdentity;
let server: LocalIdentity;
beforeAll(async () => {
  pki = await getTestPki();
  alice = await pki.identity('alice');
  server = await pki.identity('server');
});

function part(contentType: string, body: string): MimeEntity {
  return new MimeEntity([{ name: 'Content-Type', value: contentType }], utf8Encode(body));
}

/** Builds an INVITE whose body is the SDP and these parts, as the SDK composes it. */
function invite(parts: readonly MimeEntity[]): SipMessage {
  const body = buildMultipart([part('application/sdp', SDP), ...parts], 'prepared-b1');
  return request('INVITE', body, 'multipart/mixed;boundary=prepared-b1');
}

/** Counts the signatures made through a WebCrypto. */
function countingCrypto(): { crypto: Crypto; signatures: () => number } {
  let count = 0;
  const subtle = testCrypto.subtle;
  const sign: SubtleCrypto['sign'] = (...args) => {
    count++;
    return subtle.sign(...args);
  };
  const counting = new Proxy(subtle, {
    get(target, property) {
      if (property === 'sign') return sign;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  const crypto = {
    subtle: counting,
    getRandomValues: testCrypto.getRandomValues.bind(testCrypto),
    randomUUID: testCrypto.randomUUID.bind(testCrypto),
  } as Crypto;
  return { crypto, signatures: () => count };
}

function options(crypto: Crypto = testCrypto): ProtectOptions {
  return { crypto, signer: alice, recipients: [server.certificate], now: () => pki.now };
}

async function open(message: SipMessage) {
  return unprotectMessage(SipMessage.parse(message.toBytes()), {
    crypto: testCrypto,
    identity: server,
    trustAnchors: [pki.caCertificate],
    now: () => pki.now,
  });
}

describe('prepareProtection', () => {
  it('protects a message with the prepared entity', async () => {
    const parts = [part(MCPTT_INFO, mcpttInfo()), part(RESOURCE_LISTS, LISTS)];
    const prepared = await prepareProtection(parts, options());
    const { crypto, signatures } = countingCrypto();

    const sent = await protectMessage(invite(parts), { ...options(crypto), prepared });

    expect(signatures()).toBe(0);
    const [sdp, smimePart] = parseMultipart(
      sent.body,
      sent.contentType?.params.get('boundary') ?? '',
    );
    expect(sdp?.contentType.mediaType).toBe('application/sdp');
    expect(smimePart?.toBytes()).toEqual(prepared.entity.toBytes());
    expect(containsText(sent, SECRET_TOKEN)).toBe(false);
    const { message, security } = await open(sent);
    expect(bodyParts(message)).toEqual(bodyParts(invite(parts)));
    expect(security.signerUri).toBe('sip:alice@example.org');
    expect(security.protectedParts).toEqual([MCPTT_INFO, RESOURCE_LISTS]);
  });

  it('protects anew when a part differs', async () => {
    const prepared = await prepareProtection([part(MCPTT_INFO, mcpttInfo())], options());
    const changed = [
      part(MCPTT_INFO, mcpttInfo().replace('</mcpttinfo>', '<!-- x --></mcpttinfo>')),
    ];
    const { crypto, signatures } = countingCrypto();

    const sent = await protectMessage(invite(changed), { ...options(crypto), prepared });

    expect(signatures()).toBe(1);
    const { message } = await open(sent);
    expect(bodyParts(message)).toEqual(bodyParts(invite(changed)));
  });

  it('protects anew when parts are missing, added or reordered', async () => {
    const info = part(MCPTT_INFO, mcpttInfo());
    const lists = part(RESOURCE_LISTS, LISTS);
    const prepared = await prepareProtection([info, lists], options());
    for (const parts of [[info], [info, lists, lists], [lists, info]]) {
      const { crypto, signatures } = countingCrypto();
      const sent = await protectMessage(invite(parts), { ...options(crypto), prepared });
      expect(signatures()).toBe(1);
      const { message } = await open(sent);
      expect(bodyParts(message)).toEqual(bodyParts(invite(parts)));
    }
  });

  it('leaves a message without sensitive parts unchanged', async () => {
    const prepared = await prepareProtection([part(MCPTT_INFO, mcpttInfo())], options());
    const sdpOnly = request('INVITE', SDP, 'application/sdp');
    expect(await protectMessage(sdpOnly, { ...options(), prepared })).toBe(sdpOnly);
  });

  it('rejects an empty list and bad options with TypeError', async () => {
    await expect(prepareProtection([], options())).rejects.toThrow(TypeError);
    await expect(
      prepareProtection([part(MCPTT_INFO, mcpttInfo())], { ...options(), recipients: [] }),
    ).rejects.toThrow(TypeError);
  });
});
