/**
 * The SIP core changes the protected body of a MESSAGE in transit. Whatever it does, bob rejects
 * the request with the status that the error hierarchy names for the failure, reports it to
 * `onSecurityFailure`, and delivers nothing to the application.
 */
import { MAX_BODY_BYTES } from '@mcptt-smime/smime';
import { describe, expect, it } from 'vitest';

import { SipRequestFailedError } from '../src/index.js';
import { BOB, startPair } from './helpers/clients.js';
import { useCallHooks } from './helpers/call-hooks.js';

const stops = useCallHooks();
const SECRET = 'unit-7-at-grid-4411';
const BASE64_ALPHABET = /[A-Za-z0-9+/]/;

/** Returns a relay that replaces the body of each MESSAGE and sets its Content-Length. */
function changeMessageBody(change: (body: string) => string): (frame: string) => string {
  return (frame) => {
    if (!frame.startsWith('MESSAGE ')) return frame;
    const split = frame.indexOf('\r\n\r\n');
    const body = change(frame.slice(split + 4));
    const length = new TextEncoder().encode(body).length;
    const head = frame.slice(0, split).replace(/\r\nContent-Length: \d+/i, '');
    return `${head}\r\nContent-Length: ${String(length)}\r\n\r\n${body}`;
  };
}

/** Replaces the base64 character at `index`, which must be one, with another. */
function replaceCharacter(body: string, index: number): string {
  const character = body[index] ?? '';
  expect(character).toMatch(BASE64_ALPHABET);
  return `${body.slice(0, index)}${character === 'A' ? 'B' : 'A'}${body.slice(index + 1)}`;
}

/** Changes a character of the encrypted content, in the middle of the body. */
function changeCiphertext(body: string): string {
  let index = Math.floor(body.length / 2);
  while (!BASE64_ALPHABET.test(body[index] ?? '')) index++;
  return replaceCharacter(body, index);
}

/**
 * Changes the third base64 character from the end. It encodes bits of the AES-GCM tag, which is
 * the last field of the AuthEnvelopedData that this library writes, and no padding bits.
 */
function changeTag(body: string): string {
  const indexes = [...body].flatMap((character, index) =>
    BASE64_ALPHABET.test(character) ? [index] : [],
  );
  return replaceCharacter(body, indexes[indexes.length - 3] ?? -1);
}

/** Keeps the first half of the base64 lines, so the base64 stays valid and the DER ends early. */
function truncateDer(body: string): string {
  const lines = body.split('\r\n');
  return lines.slice(0, Math.floor(lines.length / 2)).join('\r\n');
}

describe('a MESSAGE body that the core changed', () => {
  it.each([
    ['a changed ciphertext', changeCiphertext, 'ERR_UNDECIPHERABLE', 493],
    ['a changed GCM tag', changeTag, 'ERR_UNDECIPHERABLE', 493],
    ['truncated DER', truncateDer, 'ERR_CMS_MALFORMED', 400],
    ['an empty body', () => '', 'ERR_CMS_MALFORMED', 400],
    ['text that is not base64', () => 'not base64 at all!', 'ERR_MIME_MALFORMED', 400],
    ['a body over the limit', () => 'A'.repeat(MAX_BODY_BYTES + 4), 'ERR_LIMIT_EXCEEDED', 413],
  ])('rejects %s', async (_name, change, code, sipStatus) => {
    const delivered: string[] = [];
    const started = await startPair({
      relay: changeMessageBody(change),
      bob: { delegate: { onShortData: (event) => delivered.push(event.text) } },
    });
    stops.push(started.stop);

    const failure = started.alice.sendShortData(BOB, SECRET);

    await expect(failure).rejects.toBeInstanceOf(SipRequestFailedError);
    await expect(failure).rejects.toMatchObject({ sipStatus });
    expect(started.recorded.bob.failures).toEqual([
      expect.objectContaining({ direction: 'incoming', code, sipStatus }),
    ]);
    expect(delivered).toEqual([]);
  });
});
