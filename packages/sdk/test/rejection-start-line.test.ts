/**
 * A frame that failed unprotection gets an error response only when it is a request other than
 * ACK: line ends before the start line are skipped, and a status line or a start line that is
 * neither gets none.
 */
import { describe, expect, it } from 'vitest';
import { SignatureInvalidError } from '@mcptt-smime/smime';
import { ProtectingSocket } from '../src/core/protecting-socket.js';
import { FakeSocket } from './helpers/fake-socket.js';
import { request as sample, response } from './helpers/sip-samples.js';

/** Returns a request whose CSeq names its own method, ACK included. */
function request(method: string): string {
  return sample(method).replace('CSeq: 1 INVITE', `CSeq: 1 ${method}`);
}

function setUp() {
  const inner = new FakeSocket();
  const socket = new ProtectingSocket(inner, {
    pipeline: {
      outgoing: (text) => Promise.resolve(text),
      incoming: () => Promise.reject(new SignatureInvalidError('signature invalid')),
    },
    createTag: () => 'tag1',
  });
  const delivered: string[] = [];
  socket.ondata = (data) => {
    if (typeof data === 'string') delivered.push(data);
  };
  socket.connect();
  return { inner, socket, delivered };
}

describe('rejection of a frame that failed unprotection', () => {
  it.each([
    ['an ACK after line ends', `\r\n${request('ACK')}`],
    ['a 200 after line ends', `\r\n${response(200, 'OK', 'MESSAGE')}`],
    [
      'a status line with a lowercase version',
      response(200, 'OK', 'MESSAGE').replace('SIP/2.0 200', 'sip/2.0 200'),
    ],
    [
      'a start line that is no request line',
      request('MESSAGE').replace('MESSAGE sip:bob@example.test SIP/2.0', 'garbage'),
    ],
  ])('sends nothing for %s', async (_label, frame) => {
    const { inner, socket } = setUp();

    inner.receive(frame);
    await socket.drain();

    expect(inner.sent).toEqual([]);
  });

  it('answers a request after line ends with 403', async () => {
    const { inner, socket } = setUp();

    inner.receive(`\r\n${request('MESSAGE')}`);
    await socket.drain();

    expect(inner.sent).toHaveLength(1);
    expect(inner.sent[0]).toMatch(/^SIP\/2\.0 403 /);
  });

  it('replaces a failed final response after line ends for JsSIP', async () => {
    const { inner, socket, delivered } = setUp();

    inner.receive(`\r\n${response(200, 'OK', 'MESSAGE')}`);
    await socket.drain();

    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatch(/^SIP\/2\.0 403 /);
  });
});
