/**
 * A request that the MCPTT server signed for one user, which that user decrypted, encrypted
 * again and passed on to another, is delivered to no one in the server's name: the signed copy of To
 * names the first user.
 */
import { describe, expect, it } from 'vitest';
import {
  BOUND_HEADERS,
  SipMessage,
  protectMessage,
  utf8Decode,
  utf8Encode,
} from '@mcptt-smime/smime';

import type { ShortDataEvent } from '../src/api/events.js';
import type { SocketFailureEvent } from '../src/core/protecting-socket.js';
import { useCallHooks } from './helpers/call-hooks.js';
import { createSocketClient } from './helpers/socket-client.js';
import { testCrypto } from './helpers/pki.js';
import { until } from './helpers/until.js';
import { getTestPki } from '../../smime/test/smime/test-pki.js';

const ALICE = 'sip:alice@example.org';
const CAROL = 'sip:carol@example.org';
/** The MCPTT server, which the tests play with bob's identity and certificate. */
const SERVER = 'sip:bob@example.org';

const stops = useCallHooks();

/** Starts alice's client, whose server is bob, recording her short data and her failures. */
async function startAlice() {
  const texts: ShortDataEvent[] = [];
  const failures: SocketFailureEvent[] = [];
  const { client, socket } = await createSocketClient({
    serverUri: SERVER,
    delegate: {
      onShortData: (event) => texts.push(event),
      onSecurityFailure: (event) => failures.push(event),
    },
  });
  stops.push(() => client.stop());
  await client.start();
  return { socket, texts, failures };
}

/**
 * Returns a MESSAGE from the server to `to`, with the text `text`, signed by the server with
 * copies of `bindHeaders` and encrypted for alice.
 */
async function serverMessage(to: string, text: string, bindHeaders = BOUND_HEADERS) {
  const pki = await getTestPki();
  const body = utf8Encode(text);
  const message = SipMessage.parse(
    utf8Encode(
      [
        `MESSAGE ${ALICE} SIP/2.0`,
        'Via: SIP/2.0/WS 127.0.0.1:9;branch=z9hG4bKpassed1',
        'Max-Forwards: 70',
        `From: <${SERVER}>;tag=s1`,
        `To: <${to}>`,
        'Call-ID: passed-on-1',
        'CSeq: 1 MESSAGE',
        'Content-Type: text/plain',
        `Content-Length: ${String(body.length)}`,
        '',
        text,
      ].join('\r\n'),
    ),
  );
  const sealed = await protectMessage(message, {
    crypto: testCrypto,
    signer: await pki.identity('bob'),
    recipients: [pki.certificate('alice')],
    now: () => pki.now,
    bindHeaders,
  });
  return utf8Decode(sealed.toBytes());
}

/** Returns the status line of the last response alice sent. */
function lastStatus(sent: readonly string[]): string | undefined {
  return sent
    .filter((frame) => frame.startsWith('SIP/2.0 '))
    .at(-1)
    ?.split('\r\n', 1)[0];
}

describe('a server request passed on to another user', () => {
  it('is rejected when its signed To names another user', async () => {
    const { socket, texts, failures } = await startAlice();

    socket.receive(await serverMessage(CAROL, 'for carol only'));
    await until(() => lastStatus(socket.sent) !== undefined);

    expect(lastStatus(socket.sent)).toBe('SIP/2.0 403 Forbidden');
    expect(failures).toEqual([
      expect.objectContaining({ code: 'ERR_IDENTITY_MISMATCH', sipStatus: 403 }),
    ]);
    expect(texts).toEqual([]);
  });

  it('is rejected when the server bound no To', async () => {
    const { socket, texts, failures } = await startAlice();

    socket.receive(await serverMessage(ALICE, 'unbound', ['Call-ID', 'CSeq']));
    await until(() => lastStatus(socket.sent) !== undefined);

    expect(lastStatus(socket.sent)).toBe('SIP/2.0 403 Forbidden');
    expect(failures).toEqual([
      expect.objectContaining({ code: 'ERR_HEADER_MISMATCH', sipStatus: 403 }),
    ]);
    expect(texts).toEqual([]);
  });

  it('is delivered when its signed To names the receiver', async () => {
    const { socket, texts, failures } = await startAlice();

    socket.receive(await serverMessage(ALICE, 'for alice'));
    await until(() => texts.length === 1);

    expect(texts[0]?.text).toBe('for alice');
    expect(lastStatus(socket.sent)).toBe('SIP/2.0 200 OK');
    expect(failures).toEqual([]);
  });
});
