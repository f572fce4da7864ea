import { describe, expect, it } from 'vitest';
import {
  SipMessage,
  createProtectionPolicy,
  unprotectMessage,
  utf8Decode,
  utf8Encode,
} from '@mcptt-smime/smime';
import { corporaAvailable, readCorpus } from '../../smime/test/corpora.js';
import { attachParts, splitIncoming, splitOpened } from '../src/core/multipart-bridge.js';
import { request } from './helpers/sip-samples.js';

const SDP = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n';
const INFO = { contentType: 'application/vnd.3gpp.mcptt-info+xml', body: '<mcpttinfo/>' };

function sdpMessage(method: string): SipMessage {
  return SipMessage.parse(utf8Encode(request(method))).withBody(utf8Encode(SDP), {
    contentType: 'application/sdp',
  });
}

describe('attachParts', () => {
  it('puts the SDP first', () => {
    const mixed = attachParts(sdpMessage('INVITE'), [INFO], crypto);
    const split = splitIncoming(mixed);

    expect(mixed.contentType?.mediaType).toBe('multipart/mixed');
    expect(utf8Decode(split.message.body)).toBe(SDP);
    expect(split.parts).toEqual([INFO]);
  });

  it('keeps a message without parts', () => {
    const message = sdpMessage('UPDATE');

    expect(attachParts(message, [], crypto)).toBe(message);
  });
});

describe('splitIncoming', () => {
  it('strips SDP parameters for JsSIP', () => {
    const message = sdpMessage('INVITE').withBody(utf8Encode(SDP), {
      contentType: 'application/sdp; charset=utf-8',
    });

    expect(splitIncoming(message).message.getHeader('content-type')).toBe('application/sdp');
  });

  it('keeps a MESSAGE body', () => {
    const message = SipMessage.parse(utf8Encode(request('MESSAGE', { body: 'hello' })));
    const split = splitIncoming(message);

    expect(split.message).toBe(message);
    expect(split.parts).toEqual([{ contentType: 'text/plain', body: 'hello' }]);
  });

  it('drops an INVITE body without SDP', () => {
    const message = attachParts(SipMessage.parse(utf8Encode(request('INVITE'))), [INFO], crypto);
    const split = splitIncoming(message);

    expect(split.message.body).toHaveLength(0);
    expect(split.parts).toEqual([INFO]);
  });
});

describe.skipIf(!corporaAvailable)('splitIncoming corpus', () => {
  it('reduces a private call INVITE to SDP', () => {
    const message = SipMessage.parse(readCorpus('mcptt/04-invite-private-call.mcop-derived.sip'));
    const split = splitIncoming(message);

    expect(split.message.getHeader('content-type')).toBe('application/sdp');
    expect(utf8Decode(split.message.body)).toMatch(/^v=0\r\n/);
    expect(split.parts.map((p) => p.contentType)).toEqual([
      'application/resource-lists+xml',
      'application/vnd.3gpp.mcptt-info+xml',
    ]);
    expect(split.parts[0]?.contentDisposition).toBe('recipient-list');
  });

  it('finds SDP after mcptt-info', () => {
    const file = 'mcptt/08-invite-server-to-member.vendor-doc-nonconformant.sip';
    const split = splitIncoming(SipMessage.parse(readCorpus(file)));

    expect(utf8Decode(split.message.body)).toMatch(/^v=0\r\n/);
    expect(split.parts).toHaveLength(1);
  });
});

describe('splitOpened', () => {
  const LISTS = {
    contentType: 'application/resource-lists+xml',
    contentDisposition: 'recipient-list',
    body: '<resource-lists/>',
  };
  const TEXT = { contentType: 'text/plain;charset=utf-8', body: 'hello' };
  // Every part in clear, so that unprotectMessage opens these plain messages without a key.
  const policy = createProtectionPolicy({
    clearTypes: ['application/sdp', INFO.contentType, LISTS.contentType, 'text/plain'],
  });
  const cases: [string, SipMessage][] = [];
  for (const method of ['INVITE', 'UPDATE', 'MESSAGE', 'INFO']) {
    const sdp = sdpMessage(method);
    cases.push(
      [`${method} with SDP`, sdp],
      [`${method} with SDP and parts`, attachParts(sdp, [INFO, LISTS], crypto)],
      [`${method} with parts only`, attachParts(sdp.withoutBody(), [INFO, LISTS], crypto)],
      [`${method} with one part`, attachParts(sdp.withoutBody(), [TEXT], crypto)],
      [`${method} without body`, sdp.withoutBody()],
    );
  }

  for (const [name, message] of cases) {
    it(`splits as splitIncoming, ${name}`, async () => {
      const received = SipMessage.parse(message.toBytes());
      const opened = await unprotectMessage(received, { crypto, trustAnchors: [], policy });
      const expected = splitIncoming(opened.message);

      const split = splitOpened(received, opened.parts, () => opened.message);
      expect(utf8Decode(split.message.toBytes())).toBe(utf8Decode(expected.message.toBytes()));
      expect(split.parts).toEqual(expected.parts);
    });
  }
});
