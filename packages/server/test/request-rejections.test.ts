import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  SipMessage,
  importPrivateKey,
  parseNameAddress,
  pemDecode,
  protectMessage,
  type LocalIdentity,
} from '@mcptt-smime/smime';
import { MEDIA_TYPES, textPart, withParts, type BodyPart } from '../src/body-parts.js';
import { parseConfig } from '../src/config.js';
import { McpttServer } from '../src/mcptt-server.js';
import { MAX_XML_PART_BYTES, buildMcpttInfo } from '../src/mcptt-xml.js';
import { createDemoPki } from '../src/openssl-ca.js';
import { createResponse, randomToken, requestLine } from '../src/sip-builder.js';
import { DOMAIN, SERVER_URI } from './helpers/mcptt-test-client.js';
import { DEMO_PKI_IDENTITY } from './helpers/server-fixture.js';

const ALICE = `sip:alice@${DOMAIN}`;
const SECRET_BODY = 'hold the north gate';

/**
 * A stand-in for the SIP core on the server's WebSocket. It responds 200 to the server's
 * REGISTER, sends frames exactly as given, and keeps the text of every other frame from the server.
 * Kamailio and the relay drop or reject malformed frames themselves, so they cannot bring one to
 * the server.
 */
class RawCore {
  readonly frames: string[] = [];
  readonly #listener: WebSocketServer;
  readonly #waiters: { callId: string; resolve: (frame: string) => void }[] = [];
  #socket: WebSocket | undefined;

  private constructor(listener: WebSocketServer) {
    this.#listener = listener;
    listener.on('connection', (socket) => {
      this.#socket = socket;
      socket.on('message', (data) => this.#receive(new TextDecoder().decode(data as Buffer)));
    });
  }

  static async start(): Promise<RawCore> {
    const listener = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
    await new Promise((resolve) => listener.once('listening', resolve));
    return new RawCore(listener);
  }

  get url(): string {
    const address = this.#listener.address();
    if (address === null || typeof address === 'string') {
      throw new Error('the core is not listening on a TCP port');
    }
    return `ws://127.0.0.1:${String(address.port)}`;
  }

  send(frame: string | Uint8Array): void {
    this.#socket?.send(frame);
  }

  /** Resolves with the first frame from the server, received or to come, with this Call-ID. */
  async frameFor(callId: string): Promise<string> {
    const found = this.frames.find((frame) => callIdOf(frame) === callId);
    if (found !== undefined) {
      return found;
    }
    return new Promise((resolve) => this.#waiters.push({ callId, resolve }));
  }

  /**
   * Sends a frame, then a valid OPTIONS, and returns every frame that the server sent before its
   * response to the OPTIONS. The server reads frames in order and responds at once to one that
   * does not parse, so a frame without a response by then gets none.
   */
  async responsesTo(frame: string): Promise<string[]> {
    const before = this.frames.length;
    const callId = randomToken();
    this.send(frame);
    this.send(rawRequest({ method: 'OPTIONS', callId, body: '' }));
    await this.frameFor(callId);
    return this.frames.slice(before).filter((sent) => callIdOf(sent) !== callId);
  }

  async stop(): Promise<void> {
    this.#socket?.terminate();
    await new Promise((resolve) => this.#listener.close(resolve));
  }

  #receive(frame: string): void {
    if (frame.startsWith('REGISTER ')) {
      const register = SipMessage.parse(new TextEncoder().encode(frame));
      this.send(createResponse(register, 200, { toTag: randomToken() }).toBytes());
      return;
    }
    this.frames.push(frame);
    const callId = callIdOf(frame);
    const index = this.#waiters.findIndex((waiter) => waiter.callId === callId);
    if (index >= 0) {
      this.#waiters.splice(index, 1)[0]?.resolve(frame);
    }
  }
}

/** Returns the Call-ID of a frame, read from its text, because a response may not parse. */
function callIdOf(frame: string): string | undefined {
  return /^(?:Call-ID|i)[ \t]*:[ \t]*(.*?)\r?$/im.exec(frame)?.[1];
}

/** Returns the header field lines of a response, without its start line. */
function headerLines(frame: string): string[] {
  return frame.split('\r\n\r\n')[0]?.split('\r\n').slice(1) ?? [];
}

const statusLine = (frame: string) => frame.split('\r\n')[0];

interface RawRequest {
  readonly method?: string;
  readonly callId: string;
  readonly body?: string;
  /** Start line in place of the one built from `method`. */
  readonly startLine?: string;
  /** Content-Length in place of the body length. */
  readonly contentLength?: number;
  /** CSeq value in place of `1 METHOD`. */
  readonly cseq?: string;
  readonly extraHeaders?: readonly string[];
}

/** Writes a request as text, so that it can break any rule. */
function rawRequest(request: RawRequest): string {
  const method = request.method ?? 'MESSAGE';
  const body = request.body ?? SECRET_BODY;
  return [
    request.startLine ?? `${method} ${SERVER_URI} SIP/2.0`,
    `Via: SIP/2.0/WS core.invalid;branch=z9hG4bK${randomToken()}`,
    'Max-Forwards: 70',
    `From: <${ALICE}>;tag=${randomToken()}`,
    `To: <${SERVER_URI}>`,
    `Call-ID: ${request.callId}`,
    `CSeq: ${request.cseq ?? `1 ${method}`}`,
    ...(request.extraHeaders ?? []),
    ...(body === '' ? [] : ['Content-Type: text/plain']),
    `Content-Length: ${String(request.contentLength ?? new TextEncoder().encode(body).length)}`,
    '',
    body,
  ].join('\r\n');
}

describe('rejections by the server', () => {
  let core: RawCore;
  let server: McpttServer;
  let pki: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    const folder = await mkdtemp(join(tmpdir(), 'mcptt-malformed-test-'));
    pki = join(folder, 'pki');
    await createDemoPki({ folder: pki, domain: DOMAIN, users: ['alice'], server: 'mcptt-server' });
    const config = parseConfig(
      {
        serverUri: SERVER_URI,
        identity: DEMO_PKI_IDENTITY,
        users: [{ uri: ALICE }],
        groups: [],
      },
      folder,
    );
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        callback();
      },
    });
    core = await RawCore.start();
    server = await McpttServer.start({ config, coreUrl: core.url, logger: pino(stream) });
  });

  afterAll(async () => {
    await server?.stop();
    await core?.stop();
  });

  /** Sends a frame and resolves with the text of its response. */
  async function responseTo(frame: string | Uint8Array, callId: string): Promise<string> {
    core.send(frame);
    return core.frameFor(callId);
  }

  /** Sends a frame and resolves with the status line of its response. */
  async function statusOf(frame: string | Uint8Array, callId: string): Promise<string | undefined> {
    return statusLine(await responseTo(frame, callId));
  }

  describe('a request that does not parse', () => {
    it('Content-Length past the body: 400', async () => {
      const callId = randomToken();
      const frame = rawRequest({ callId, body: 'hello', contentLength: 500 });

      expect(await statusOf(frame, callId)).toBe('SIP/2.0 400 Bad Request');
    });

    it('bytes after the body: 400', async () => {
      const callId = randomToken();
      const frame = `${rawRequest({ callId, body: 'hello' })} and more`;

      expect(await statusOf(frame, callId)).toBe('SIP/2.0 400 Bad Request');
    });

    it('CSeq without a number: 400', async () => {
      const callId = randomToken();
      const frame = rawRequest({ callId, cseq: 'abc' });

      const response = await responseTo(frame, callId);

      expect(statusLine(response)).toBe('SIP/2.0 400 Bad Request');
      expect(headerLines(response)).toContain('CSeq: abc');
    });

    it('another SIP version: 505', async () => {
      const callId = randomToken();
      const frame = rawRequest({ callId, startLine: `MESSAGE ${SERVER_URI} SIP/3.0` });

      expect(await statusOf(frame, callId)).toBe('SIP/2.0 505 Version Not Supported');
    });

    it('message over the limit: 413', async () => {
      const callId = randomToken();
      const frame = rawRequest({ callId, body: 'x'.repeat(300 * 1024) });

      expect(await statusOf(frame, callId)).toBe('SIP/2.0 413 Request Entity Too Large');
    });

    it('too many header fields: 413', async () => {
      const callId = randomToken();
      const extraHeaders = Array.from(
        { length: 300 },
        (_, i) => `X-Field-${String(i)}: ${String(i)}`,
      );
      const frame = rawRequest({ callId, extraHeaders });

      expect(await statusOf(frame, callId)).toBe('SIP/2.0 413 Request Entity Too Large');
    });

    it('copies Via, compact and folded fields', async () => {
      const callId = randomToken();
      const frame = [
        `MESSAGE ${SERVER_URI} SIP/2.0`,
        'v: SIP/2.0/WS core.invalid;branch=z9hG4bKfirst',
        'Via: SIP/2.0/WS client.invalid',
        ' ;branch=z9hG4bKsecond',
        `f: <${ALICE}>;tag=from1`,
        `t: <${SERVER_URI}>`,
        `i: ${callId}`,
        'CSeq: 7 MESSAGE',
        'Content-Length: 500',
        '',
        'hello',
      ].join('\r\n');

      const response = await responseTo(frame, callId);

      expect(statusLine(response)).toBe('SIP/2.0 400 Bad Request');
      const lines = headerLines(response);
      expect(lines.slice(0, 5)).toEqual([
        'Via: SIP/2.0/WS core.invalid;branch=z9hG4bKfirst',
        'Via: SIP/2.0/WS client.invalid ;branch=z9hG4bKsecond',
        `From: <${ALICE}>;tag=from1`,
        expect.stringMatching(new RegExp(`^To: <${SERVER_URI}>;tag=[0-9a-f]+$`)) as string,
        `Call-ID: ${callId}`,
      ]);
      expect(lines).toContain('CSeq: 7 MESSAGE');
    });

    it('keeps an existing To tag', async () => {
      const callId = randomToken();
      const frame = rawRequest({ callId, contentLength: 500 }).replace(
        `To: <${SERVER_URI}>`,
        `To: <${SERVER_URI}>;tag=dialog1`,
      );

      const response = await responseTo(frame, callId);

      expect(headerLines(response)).toContain(`To: <${SERVER_URI}>;tag=dialog1`);
    });

    /** Sends an unparsable request with `to` as its To value and returns the response's To. */
    async function toOfRejection(to: string): Promise<string | undefined> {
      const callId = randomToken();
      const frame = rawRequest({ callId, contentLength: 500 }).replace(
        `To: <${SERVER_URI}>`,
        `To: ${to}`,
      );
      const response = await responseTo(frame, callId);
      return headerLines(response)
        .find((line) => line.startsWith('To: '))
        ?.slice('To: '.length);
    }

    it.each([
      ['a URI parameter', `<${SERVER_URI};tag=urlparam>`, `${SERVER_URI};tag=urlparam`],
      ['a display name', `"Ops;tag=name" <${SERVER_URI}>`, SERVER_URI],
      ['a bare URI parameter', `sip:ops;tag=user@${DOMAIN}`, `sip:ops;tag=user@${DOMAIN}`],
    ])('adds a To tag past `;tag=` in %s', async (_where, to, uri) => {
      const taggedTo = await toOfRejection(to);

      expect(taggedTo?.startsWith(`${to};tag=`)).toBe(true);
      const address = parseNameAddress(taggedTo ?? '', 'To');
      expect(address.uri).toBe(uri);
      expect(address.params.get('tag')).toMatch(/^[0-9a-f]+$/);
    });

    it('adds a To tag to an unparsable To', async () => {
      const to = `<sip:mcptt server@${DOMAIN};tag=urlparam>`;

      expect(await toOfRejection(to)).toMatch(
        /^<sip:mcptt server@[^>]*;tag=urlparam>;tag=[0-9a-f]+$/,
      );
    });

    it.each([
      ['a bare address', `${SERVER_URI};tag=dialog2`],
      ['a To that does not parse', `"Ops;tag=name" <sip:mcptt server@${DOMAIN}> ; TAG = dialog3`],
    ])('keeps the To tag of %s', async (_where, to) => {
      expect(await toOfRejection(to)).toBe(to);
    });

    it.each([
      ['an unterminated name-addr', `<${SERVER_URI}`],
      ['an unterminated display name', `"Ops <${SERVER_URI}>`],
    ])('drops a request with %s in To', async (_case, to) => {
      const callId = randomToken();
      const frame = rawRequest({ callId, contentLength: 500 }).replace(
        `To: <${SERVER_URI}>`,
        `To: ${to}`,
      );

      expect(await core.responsesTo(frame)).toEqual([]);
    });

    it('ignores a malformed ACK', async () => {
      const callId = randomToken();
      const frame = rawRequest({ method: 'ACK', callId, contentLength: 500 });

      expect(await core.responsesTo(frame)).toEqual([]);
    });

    it('ignores a malformed response', async () => {
      const callId = randomToken();
      const frame = rawRequest({ callId, contentLength: 500, startLine: 'SIP/2.0 200 OK' });

      expect(await core.responsesTo(frame)).toEqual([]);
    });

    it('drops a request without Call-ID', async () => {
      const callId = randomToken();
      const frame = rawRequest({ callId, contentLength: 500 }).replace(
        `Call-ID: ${callId}\r\n`,
        '',
      );

      expect(await core.responsesTo(frame)).toEqual([]);
    });

    it('drops a Via with a bare CR', async () => {
      const callId = randomToken();
      const frame = rawRequest({ callId }).replace(
        'Via: ',
        'Via: SIP/2.0/WS x.invalid\rX-Injected: 1, ',
      );

      expect(await core.responsesTo(frame)).toEqual([]);
    });

    it('drops a From ending in a backslash', async () => {
      const callId = randomToken();
      const frame = rawRequest({ callId }).replace(/^From: .*$/m, `From: <${ALICE}>;p="a\\`);

      expect(await core.responsesTo(frame)).toEqual([]);
    });

    it('drops an unterminated header section', async () => {
      const callId = randomToken();
      const frame = rawRequest({ callId, body: '' }).replace(/\r\n\r\n$/, '\r\n');

      expect(await core.responsesTo(frame)).toEqual([]);
    });

    it('logs code and Call-ID, not body', async () => {
      const callId = randomToken();
      const before = logLines.length;

      await statusOf(rawRequest({ callId, contentLength: 500 }), callId);

      const entries = logLines
        .slice(before)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry.callId === callId);
      expect(entries).toEqual([
        expect.objectContaining({
          msg: 'malformed SIP request rejected',
          code: 'ERR_SIP_MALFORMED',
          status: 400,
        }),
      ]);
      expect(logLines.join('\n')).not.toContain(SECRET_BODY);
    });
  });

  it('405 lists Allow', async () => {
    const callId = randomToken();
    core.send(rawRequest({ method: 'SUBSCRIBE', callId, body: '', extraHeaders: ['Event: x'] }));

    const response = SipMessage.parse(new TextEncoder().encode(await core.frameFor(callId)));

    expect(response.startLine).toMatchObject({ status: 405, reasonPhrase: 'Method Not Allowed' });
    expect(response.getHeaders('Allow')).toEqual([
      'INVITE',
      'ACK',
      'BYE',
      'CANCEL',
      'UPDATE',
      'INFO',
      'MESSAGE',
      'REGISTER',
      'PUBLISH',
      'OPTIONS',
    ]);
  });

  describe('an XML part that the server cannot read', () => {
    let alice: LocalIdentity;
    let serverCertificate: Uint8Array;

    beforeAll(async () => {
      const read = (name: string) => readFile(join(pki, name), 'utf8');
      const [pkcs8] = pemDecode(await read('alice.key.pem'), 'PRIVATE KEY');
      const [certificate] = pemDecode(await read('alice.cert.pem'), 'CERTIFICATE');
      [serverCertificate] = pemDecode(await read('mcptt-server.cert.pem'), 'CERTIFICATE') as [
        Uint8Array,
      ];
      const keys = await importPrivateKey(crypto, pkcs8 as Uint8Array);
      alice = { uri: ALICE, certificate: certificate as Uint8Array, chain: [], ...keys };
    });

    /** Sends a request from alice, signed and encrypted for the server, and returns its status. */
    async function send(method: string, parts: readonly BodyPart[], event?: string) {
      const callId = randomToken();
      const request = SipMessage.create(requestLine(method, SERVER_URI), [
        { name: 'Via', value: `SIP/2.0/WS core.invalid;branch=z9hG4bK${randomToken()}` },
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: `<${ALICE}>;tag=${randomToken()}` },
        { name: 'To', value: `<${SERVER_URI}>` },
        { name: 'Call-ID', value: callId },
        { name: 'CSeq', value: `1 ${method}` },
        ...(event === undefined ? [] : [{ name: 'Event', value: event }]),
      ]);
      const protectedRequest = await protectMessage(withParts(request, parts), {
        crypto,
        signer: alice,
        recipients: [serverCertificate],
      });
      return statusOf(protectedRequest.toBytes(), callId);
    }

    const oversized = (element: string) => element.repeat(MAX_XML_PART_BYTES / element.length + 1);

    it('pidf over the limit: 413', async () => {
      const pidf = textPart(MEDIA_TYPES.pidf, oversized('<affiliation '));

      expect(await send('PUBLISH', [pidf], 'presence')).toBe(
        'SIP/2.0 413 Request Entity Too Large',
      );
    });

    it('unread poc-settings mcptt-info: 200', async () => {
      const info = textPart(MEDIA_TYPES.mcpttInfo, oversized('<mcptt-client-id>'));

      expect(await send('PUBLISH', [info], 'poc-settings')).toBe('SIP/2.0 200 OK');
    });

    it('resource-lists of short data: 413', async () => {
      const info = textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo({ clientId: 'alice-1' }));
      expect(await send('PUBLISH', [info], 'poc-settings')).toBe('SIP/2.0 200 OK');

      const parts = [
        info,
        textPart(MEDIA_TYPES.resourceLists, oversized('<entry ')),
        textPart('text/plain', SECRET_BODY),
      ];

      expect(await send('MESSAGE', parts)).toBe('SIP/2.0 413 Request Entity Too Large');
    });

    it('malformed pidf: 400', async () => {
      const pidf = textPart(MEDIA_TYPES.pidf, '<presence xmlns="urn:ietf:params:xml:ns:pidf">');

      expect(await send('PUBLISH', [pidf], 'presence')).toBe('SIP/2.0 400 Bad Request');
    });

    it('short data mcptt-info of another namespace: 400', async () => {
      const info = textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo({ clientId: 'alice-1' }));
      expect(await send('PUBLISH', [info], 'poc-settings')).toBe('SIP/2.0 200 OK');

      const foreign = buildMcpttInfo({ requestUri: ALICE }).replace(
        'urn:3gpp:ns:mcpttInfo:1.0',
        'urn:example:other',
      );
      const parts = [textPart(MEDIA_TYPES.mcpttInfo, foreign), textPart('text/plain', SECRET_BODY)];

      expect(await send('MESSAGE', parts)).toBe('SIP/2.0 400 Bad Request');
    });
  });
});
