import { describe, expect, test } from 'vitest';
import { parseNameAddress, parseSipUri } from '../../src/sip/address.js';
import { SipVersionError } from '../../src/errors.js';
import { SipMessage } from '../../src/sip/message.js';
import { parseVia } from '../../src/sip/via.js';
import { corporaAvailable, listCorpus, readCorpus } from '../corpora.js';
import { expectSipParseError } from './helpers.js';

/**
 * Verdict per RFC 4475 message. `parse`: the message is valid, or only its meaning is odd
 * (RFC 4475 §3.2 to §3.4, which leave the response to the application). `reject`: the RFC calls it
 * invalid, or says an element responds 400 to it; the value is the expected error message.
 * `stream`: valid over a stream or datagram transport, where octets past Content-Length are
 * ignored, but not as one WebSocket frame. `version`: an unknown SIP version, rejected with 505.
 */
const RFC4475: Readonly<Record<string, 'parse' | 'stream' | 'version' | { reject: string }>> = {
  wsinv: 'parse',
  intmeth: 'parse',
  esc01: 'parse',
  escnull: 'parse',
  esc02: 'parse',
  lwsdisp: 'parse',
  longreq: 'parse',
  dblreq: 'stream',
  semiuri: 'parse',
  transports: 'parse',
  mpart01: 'parse',
  unreason: 'parse',
  noreason: 'parse',
  badinv01: { reject: 'invalid Via header' },
  clerr: { reject: 'Content-Length larger than the received body' },
  ncl: { reject: 'invalid Content-Length header' },
  scalar02: { reject: 'invalid CSeq header' },
  scalarlg: { reject: 'invalid CSeq header' },
  quotbal: { reject: 'invalid To header' },
  ltgtruri: { reject: 'invalid Request-URI' },
  lwsruri: { reject: 'invalid request line' },
  lwsstart: { reject: 'invalid request line' },
  trws: { reject: 'invalid request line' },
  escruri: { reject: 'invalid Request-URI' },
  baddate: { reject: 'invalid Date header' },
  regbadct: { reject: 'invalid Contact header' },
  badaspec: { reject: 'invalid To header' },
  // The archive's baddn.dat ends without the empty line; the display name is tested below.
  baddn: { reject: 'header section not ended by an empty line' },
  badvers: 'version',
  mismatch01: { reject: 'CSeq method does not match the request method' },
  mismatch02: { reject: 'CSeq method does not match the request method' },
  bigcode: { reject: 'invalid status line' },
  badbranch: 'parse',
  insuf: { reject: 'missing From header' },
  unkscm: 'parse',
  novelsc: 'parse',
  unksm2: 'parse',
  bext01: 'parse',
  invut: 'parse',
  regaut01: 'parse',
  multi01: { reject: 'multiple Call-ID headers' },
  mcl01: { reject: 'multiple Content-Length headers' },
  bcast: 'parse',
  zeromf: 'parse',
  cparam01: 'parse',
  cparam02: 'parse',
  regescrt: 'parse',
  sdp01: 'parse',
  inv2543: 'parse',
  test: { reject: 'invalid request line' },
};

function torture(name: string): Uint8Array {
  return readCorpus(`torture/rfc4475/${name}.dat`);
}

function parseTorture(name: string): SipMessage {
  return SipMessage.parse(torture(name));
}

describe.skipIf(!corporaAvailable)('RFC 4475 torture messages', () => {
  test('table covers every file of the archive', () => {
    const files = listCorpus('torture/rfc4475').filter((file) => file.endsWith('.dat'));
    expect(files.map((file) => file.replace(/\.dat$/, '')).sort()).toEqual(
      Object.keys(RFC4475).sort(),
    );
  });

  for (const [name, verdict] of Object.entries(RFC4475)) {
    if (verdict === 'parse') {
      test(`${name} parses and round-trips`, () => {
        const bytes = torture(name);
        expect(SipMessage.parse(bytes).toBytes()).toEqual(bytes);
      });
    } else if (verdict === 'stream') {
      test(`${name} parses only without exactLength`, () => {
        const bytes = torture(name);
        expectSipParseError(() => SipMessage.parse(bytes), 'Content-Length smaller');
        const message = SipMessage.parse(bytes, { exactLength: false });
        const length = message.toBytes().length;
        expect(length).toBeLessThan(bytes.length);
        expect(message.toBytes()).toEqual(bytes.subarray(0, length));
      });
    } else if (verdict === 'version') {
      test(`${name} is rejected with 505`, () => {
        expect(() => parseTorture(name)).toThrow(SipVersionError);
        expect(() => parseTorture(name)).toThrow('unsupported SIP version');
      });
    } else {
      test(`${name} is rejected`, () => {
        expectSipParseError(() => parseTorture(name), verdict.reject);
      });
    }
  }

  test('wsinv header values', () => {
    const message = parseTorture('wsinv');
    expect(message.method).toBe('INVITE');
    expect(message.cseq).toEqual({ sequence: 9, method: 'INVITE' });
    expect(message.getHeader('max-forwards')).toBe('0068');
    expect(message.getHeader('Subject')).toBe('');
    expect(message.getHeader('NewFangledHeader')).toBe(
      'newfangled value continued newfangled value',
    );
    expect(message.getHeader('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    expect(message.body.length).toBe(150);
  });

  test('wsinv Via values', () => {
    const vias = parseTorture('wsinv').getHeaders('Via').map(parseVia);
    expect(vias.map((via) => via.protocol)).toEqual(['SIP/2.0/UDP', 'SIP/2.0/TCP', 'SIP/2.0/UDP']);
    expect(vias.map((via) => via.host)).toEqual([
      '192.0.2.2',
      'spindle.example.com',
      '192.168.255.111',
    ]);
    expect(vias.map((via) => via.branch)).toEqual(['390skdjuw', 'z9hG4bK9ikj8', 'z9hG4bK30239']);
  });

  test('wsinv addresses', () => {
    const message = parseTorture('wsinv');
    const to = parseNameAddress(message.getHeader('t') ?? '');
    expect(to.uri).toBe('sip:vivekg@chair-dnrc.example.com');
    expect(to.params.get('tag')).toBe('1918181833n');
    const from = parseNameAddress(message.getHeader('From') ?? '');
    expect(from.displayName).toBe('J Rosenberg \\"');
    expect(from.params.get('tag')).toBe('98asjd8');
    const contact = parseNameAddress(message.getHeader('Contact') ?? '');
    expect(contact.displayName).toBe('Quoted string ""');
    expect([...contact.params]).toEqual([
      ['newparam', 'newvalue'],
      ['secondparam', ''],
      ['q', '0.33'],
    ]);
  });

  test('intmeth keeps unusual characters', () => {
    const message = parseTorture('intmeth');
    expect(message.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    expect(message.callId).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    const to = parseNameAddress(message.getHeader('To') ?? '');
    expect(to.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
    const uri = parseSipUri(to.uri);
    expect(uri.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(uri.host).toBe('example.com');
  });

  test('esc01 escapes decode', () => {
    const message = parseTorture('esc01');
    const requestUri = message.startLine.type === 'request' ? message.startLine.requestUri : '';
    expect(parseSipUri(requestUri).user).toBe('sips:user@example.com');
    const from = parseNameAddress(message.getHeader('From') ?? '');
    expect(parseSipUri(from.uri).user).toBe('I have spaces');
  });

  test('escnull keeps escaped NUL in the user', () => {
    const to = parseNameAddress(parseTorture('escnull').getHeader('To') ?? '');
    expect(parseSipUri(to.uri).user).toBe('null-\x00-null');
  });

  test('semiuri user keeps its semicolon', () => {
    const message = parseTorture('semiuri');
    const requestUri = message.startLine.type === 'request' ? message.startLine.requestUri : '';
    const uri = parseSipUri(requestUri);
    expect(uri.user).toBe('user;par=u@example.net');
    expect(uri.host).toBe('example.com');
  });

  test('lwsdisp display name without LWS', () => {
    const from = parseNameAddress(parseTorture('lwsdisp').getHeader('From') ?? '');
    expect(from.displayName).toBe('caller');
    expect(from.uri).toBe('sip:caller@example.com');
  });

  test('unreason keeps its UTF-8 reason phrase', () => {
    const line = parseTorture('unreason').startLine;
    expect(line.type).toBe('response');
    expect(line.type === 'response' ? line.reasonPhrase : '').toMatch(/^= 2\*\*3 \* 5\*\*2 но /);
  });

  test('noreason has an empty reason phrase', () => {
    const line = parseTorture('noreason').startLine;
    expect(line).toEqual({ type: 'response', status: 100, reasonPhrase: '', version: 'SIP/2.0' });
  });

  test('mpart01 body keeps lone CR bytes', () => {
    const message = parseTorture('mpart01');
    expect(message.body.length).toBe(Number(message.getHeader('Content-Length')));
    expect(message.body.filter((byte) => byte === 0x0d).length).toBeGreaterThan(
      message.body.filter((byte) => byte === 0x0a).length,
    );
  });

  test('inv2543 parses without Max-Forwards and Content-Length', () => {
    const message = parseTorture('inv2543');
    expect(message.getHeader('Max-Forwards')).toBeUndefined();
    expect(message.getHeader('Content-Length')).toBeUndefined();
    expect(parseVia(message.getHeader('Via') ?? '').branch).toBeUndefined();
    expect(message.body.length).toBeGreaterThan(0);
  });

  test('baddn with an empty line rejects the display name', () => {
    const bytes = new Uint8Array([...torture('baddn'), 0x0d, 0x0a]);
    expectSipParseError(() => SipMessage.parse(bytes), 'invalid From header');
  });
});

/** RFC 5118 messages in wire form, with the expected verdict (§4.2 is the only invalid one). */
const RFC5118_REJECTED: Readonly<Record<string, string>> = {
  'ipv6-bad': 'invalid Request-URI',
};

describe.skipIf(!corporaAvailable)('RFC 5118 IPv6 torture messages', () => {
  const files = listCorpus('torture/rfc5118-wire').filter((file) => file.endsWith('.sip'));

  test('corpus has 12 messages', () => {
    expect(files.length).toBe(12);
  });

  for (const file of files) {
    const name = file.replace(/\.sip$/, '');
    const rejection = RFC5118_REJECTED[name];
    test(`${name} ${rejection === undefined ? 'parses and round-trips' : 'is rejected'}`, () => {
      const bytes = readCorpus(`torture/rfc5118-wire/${file}`);
      if (rejection !== undefined) {
        expectSipParseError(() => SipMessage.parse(bytes), rejection);
        return;
      }
      expect(SipMessage.parse(bytes).toBytes()).toEqual(bytes);
    });
  }

  function requestUri(name: string) {
    const message = SipMessage.parse(readCorpus(`torture/rfc5118-wire/${name}.sip`));
    return parseSipUri(message.startLine.type === 'request' ? message.startLine.requestUri : '');
  }

  test('port-ambiguous is an address without port', () => {
    const uri = requestUri('port-ambiguous');
    expect(uri.host).toBe('[2001:db8::10:5070]');
    expect(uri.port).toBeUndefined();
  });

  test('port-unambiguous is an address and port', () => {
    const uri = requestUri('port-unambiguous');
    expect(uri.host).toBe('[2001:db8::10]');
    expect(uri.port).toBe(5070);
  });

  test('Via received with and without brackets', () => {
    const received = ['via-received-param-with-delim', 'via-received-param-no-delim'].map(
      (name) => {
        const message = SipMessage.parse(readCorpus(`torture/rfc5118-wire/${name}.sip`));
        return parseVia(message.getHeader('Via') ?? '').params.get('received');
      },
    );
    expect(received).toEqual(['[2001:db8::9:255]', '2001:db8::9:255']);
  });

  test('mult-ip-in-header Via hosts', () => {
    const message = SipMessage.parse(readCorpus('torture/rfc5118-wire/mult-ip-in-header.sip'));
    const vias = message.getHeaders('Via').map(parseVia);
    expect(vias.map((via) => [via.host, via.port])).toEqual([
      ['[2001:db8::9:1]', 6050],
      ['192.0.2.1', undefined],
      ['[2001:db8::9:255]', undefined],
    ]);
  });

  test('archive form with bare LF parses and round-trips', () => {
    const bytes = readCorpus('torture/rfc5118/ipv6-good.dat');
    expect(SipMessage.parse(bytes).toBytes()).toEqual(bytes);
  });

  test('archive forms with broken framing are rejected', () => {
    expectSipParseError(
      () => SipMessage.parse(readCorpus('torture/rfc5118/ipv6-correct-abnf-2-colons.dat')),
      'header section not ended by an empty line',
    );
    expectSipParseError(
      () => SipMessage.parse(readCorpus('torture/rfc5118/ipv6-in-sdp.dat')),
      'Content-Length larger than the received body',
    );
  });
});
