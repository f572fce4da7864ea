import { describe, expect, it, vi } from 'vitest';
import {
  DowngradeError,
  KeyNotFoundError,
  NotSupportedError,
  SignatureInvalidError,
  UndecipherableError,
} from '@mcptt-smime/smime';
import { ACCEPTED_BODY_TYPES } from '../src/core/rejection.js';
import { ProtectingSocket, type SocketPipeline } from '../src/core/protecting-socket.js';
import { splitSipText, headerValue } from '../src/core/sip-text.js';
import { FakeSocket } from './helpers/fake-socket.js';
import { delay, request, response } from './helpers/sip-samples.js';

function setUp(pipeline: Partial<SocketPipeline> = {}) {
  const inner = new FakeSocket();
  const full: SocketPipeline = {
    outgoing: pipeline.outgoing ?? ((text) => Promise.resolve(`P(${text})`)),
    incoming: pipeline.incoming ?? ((bytes) => Promise.resolve(new TextDecoder().decode(bytes))),
  };
  const onFailure = vi.fn();
  const socket = new ProtectingSocket(inner, {
    pipeline: full,
    createTag: () => 'tag1',
    onFailure,
  });
  const received: string[] = [];
  socket.ondata = (data) => received.push(typeof data === 'string' ? data : '');
  socket.connect();
  return { inner, socket, received, onFailure };
}

describe('ProtectingSocket outgoing', () => {
  it('returns true at once and sends the protected text', async () => {
    const { inner, socket } = setUp();
    const invite = request('INVITE');

    expect(socket.send(invite)).toBe(true);
    expect(inner.sent).toEqual([]);
    await socket.drain();

    expect(inner.sent).toEqual([`P(${invite})`]);
  });

  it('returns false when not connected', () => {
    const { inner, socket } = setUp();
    inner.connected = false;

    expect(socket.send(request('OPTIONS'))).toBe(false);
  });

  it('keeps a CANCEL behind its slow INVITE', async () => {
    const { inner, socket } = setUp({
      outgoing: async (text) => {
        await delay(text.startsWith('INVITE') ? 40 : 1);
        return text;
      },
    });
    socket.send(request('INVITE'));
    socket.send(request('CANCEL'));
    await socket.drain();

    expect(inner.sent.map((m) => m.split(' ', 1)[0])).toEqual(['INVITE', 'CANCEL']);
  });

  it('drops queued output after a reconnection', async () => {
    const { inner, socket } = setUp({
      outgoing: async (text) => {
        await delay(20);
        return text;
      },
    });
    socket.send(request('MESSAGE'));
    inner.drop();
    socket.connect();
    await socket.drain();

    expect(inner.sent).toEqual([]);
  });

  it('reuses the protected bytes for a retransmission', async () => {
    let counter = 0;
    const outgoing = vi.fn((text: string) => Promise.resolve(`${text}#${++counter}`));
    const { inner, socket } = setUp({ outgoing });
    const message = request('MESSAGE', { body: 'secret' });
    socket.send(message);
    socket.send(message);
    await socket.drain();

    expect(outgoing).toHaveBeenCalledTimes(1);
    expect(inner.sent).toHaveLength(2);
    expect(inner.sent[0]).toBe(inner.sent[1]);
  });

  it('protects again after a failed attempt', async () => {
    const outgoing = vi
      .fn<(text: string) => Promise<string>>()
      .mockRejectedValueOnce(new KeyNotFoundError('recipient certificate not found'))
      .mockResolvedValue('wire');
    const { inner, socket } = setUp({ outgoing });
    const message = request('MESSAGE', { body: 'secret' });
    socket.send(message);
    await socket.drain();
    socket.send(message);
    await socket.drain();

    expect(outgoing).toHaveBeenCalledTimes(2);
    expect(inner.sent).toEqual(['wire']);
  });

  it('answers a failed request with a synthetic response', async () => {
    const error = new KeyNotFoundError('recipient certificate not found');
    const { inner, socket, received, onFailure } = setUp({ outgoing: () => Promise.reject(error) });
    socket.send(request('MESSAGE', { body: 'secret' }));
    await socket.drain();

    expect(inner.sent).toEqual([]);
    expect(received).toHaveLength(1);
    const synthetic = splitSipText(received[0] ?? '');
    expect(synthetic.startLine).toBe('SIP/2.0 500 Server Internal Error');
    expect(headerValue(synthetic, 'cseq')).toBe('1 MESSAGE');
    expect(headerValue(synthetic, 'to')).toBe('<sip:bob@example.test>;tag=tag1');
    expect(headerValue(synthetic, 'warning')).toBe('399 mcptt-smime "ERR_KEY_NOT_FOUND"');
    expect(onFailure).toHaveBeenCalledWith(
      expect.objectContaining({ direction: 'outgoing', code: 'ERR_KEY_NOT_FOUND', sipStatus: 500 }),
    );
  });

  it('answers nothing for a failed ACK', async () => {
    const error = new KeyNotFoundError('recipient certificate not found');
    const { socket, received, onFailure } = setUp({ outgoing: () => Promise.reject(error) });
    socket.send(request('ACK'));
    await socket.drain();

    expect(received).toEqual([]);
    expect(onFailure).toHaveBeenCalledTimes(1);
  });

  it('passes keep-alives through unprotected', async () => {
    const outgoing = vi.fn((text: string) => Promise.resolve(text));
    const { inner, socket } = setUp({ outgoing });
    socket.send('\r\n\r\n');
    await socket.drain();

    expect(outgoing).not.toHaveBeenCalled();
    expect(inner.sent).toEqual(['\r\n\r\n']);
  });

  it('rejects transmit with the protection error', async () => {
    const error = new KeyNotFoundError('recipient certificate not found');
    const { inner, socket } = setUp({ outgoing: () => Promise.reject(error) });

    await expect(socket.transmit(request('PUBLISH'))).rejects.toBe(error);
    expect(inner.sent).toEqual([]);
  });
});

describe('ProtectingSocket incoming', () => {
  it('keeps incoming order under slow unprotection', async () => {
    const { inner, socket, received } = setUp({
      incoming: async (bytes) => {
        const text = new TextDecoder().decode(bytes);
        await delay(text.startsWith('INVITE') ? 40 : 1);
        return text;
      },
    });
    inner.receive(request('INVITE'));
    inner.receive(request('CANCEL'));
    await socket.drain();

    expect(received.map((m) => m.split(' ', 1)[0])).toEqual(['INVITE', 'CANCEL']);
  });

  it('hands binary frames over as exact bytes', async () => {
    let seen: Uint8Array | undefined;
    const { inner, socket } = setUp({
      incoming: (bytes) => {
        seen = bytes;
        return Promise.resolve(undefined);
      },
    });
    const der = new Uint8Array([0x30, 0x82, 0xff, 0xfe, 0x80, 0x00]);
    inner.receive(der.buffer);
    await socket.drain();

    expect(seen).toEqual(der);
  });

  it.each([
    ['signature', new SignatureInvalidError('signature invalid'), 'SIP/2.0 403 Forbidden'],
    ['downgrade', new DowngradeError('body part in clear'), 'SIP/2.0 403 Forbidden'],
    ['undecipherable', new UndecipherableError(), 'SIP/2.0 493 Undecipherable'],
  ])('rejects a request on %s failure', async (_name, error, statusLine) => {
    const { inner, socket, received, onFailure } = setUp({ incoming: () => Promise.reject(error) });
    inner.receive(request('MESSAGE', { body: 'x' }));
    await socket.drain();

    expect(received).toEqual([]);
    expect(inner.sent).toHaveLength(1);
    expect(splitSipText(inner.sent[0] ?? '').startLine).toBe(statusLine);
    expect(onFailure).toHaveBeenCalledWith(
      expect.objectContaining({
        direction: 'incoming',
        code: error.code,
        sipStatus: error.sipStatus,
      }),
    );
  });

  it('sends a certs-only body with 493', async () => {
    const certsOnly = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]);
    const error = new UndecipherableError({ certsOnly });
    const { inner, socket } = setUp({ incoming: () => Promise.reject(error) });
    inner.receive(request('MESSAGE', { body: 'x' }));
    await socket.drain();

    const rejection = splitSipText(inner.sent[0] ?? '');
    expect(rejection.startLine).toBe('SIP/2.0 493 Undecipherable');
    expect(headerValue(rejection, 'content-type')).toContain('smime-type=certs-only');
    expect(headerValue(rejection, 'content-transfer-encoding')).toBe('base64');
    expect(rejection.body.trim()).toBe('MAMCAQA=');
  });

  it('names the content codings in a 415', async () => {
    const error = new NotSupportedError('Content-Encoding of the body not supported', {
      acceptEncoding: 'identity',
    });
    const { inner, socket } = setUp({ incoming: () => Promise.reject(error) });
    inner.receive(request('MESSAGE', { body: 'x' }));
    await socket.drain();

    const rejection = splitSipText(inner.sent[0] ?? '');
    expect(rejection.startLine).toBe('SIP/2.0 415 Unsupported Media Type');
    expect(headerValue(rejection, 'accept-encoding')).toBe('identity');
    expect(headerValue(rejection, 'accept')).toBe(ACCEPTED_BODY_TYPES);
  });

  it('lists the accepted body types in a 415', async () => {
    const error = new NotSupportedError('multipart/signed protocol is not supported');
    const { inner, socket } = setUp({ incoming: () => Promise.reject(error) });
    inner.receive(request('MESSAGE', { body: 'x' }));
    await socket.drain();

    const rejection = splitSipText(inner.sent[0] ?? '');
    expect(rejection.startLine).toBe('SIP/2.0 415 Unsupported Media Type');
    expect(headerValue(rejection, 'accept')).toContain('application/pkcs7-mime');
    expect(headerValue(rejection, 'accept')).toContain('application/vnd.3gpp.mcptt-info+xml');
    expect(headerValue(rejection, 'accept-encoding')).toBeUndefined();
  });

  it('answers no failed ACK', async () => {
    const error = new SignatureInvalidError('signature invalid');
    const { inner, socket } = setUp({ incoming: () => Promise.reject(error) });
    inner.receive(request('ACK'));
    await socket.drain();

    expect(inner.sent).toEqual([]);
  });

  it('replaces a failed final response for JsSIP', async () => {
    const error = new SignatureInvalidError('signature invalid');
    const { inner, socket, received } = setUp({ incoming: () => Promise.reject(error) });
    inner.receive(response(200, 'OK', 'MESSAGE'));
    await socket.drain();

    expect(inner.sent).toEqual([]);
    expect(received).toHaveLength(1);
    const synthetic = splitSipText(received[0] ?? '');
    expect(synthetic.startLine).toBe('SIP/2.0 403 Forbidden');
    expect(headerValue(synthetic, 'warning')).toBe('399 mcptt-smime "ERR_SIGNATURE_INVALID"');
  });

  it('drops a failed provisional response', async () => {
    const error = new SignatureInvalidError('signature invalid');
    const { inner, socket, received } = setUp({ incoming: () => Promise.reject(error) });
    inner.receive(response(180, 'Ringing'));
    await socket.drain();

    expect(received).toEqual([]);
  });

  it('withholds messages consumed by the SDK', async () => {
    const { inner, socket, received } = setUp({ incoming: () => Promise.resolve(undefined) });
    inner.receive(response(200, 'OK', 'PUBLISH'));
    await socket.drain();

    expect(received).toEqual([]);
  });
});
