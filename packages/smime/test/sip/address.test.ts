import { describe, expect, test } from 'vitest';
import {
  fromAddress,
  parseNameAddress,
  parseSipUri,
  sameAddressOfRecord,
  toAddress,
} from '../../src/sip/address.js';
import { SipMessage } from '../../src/sip/message.js';
import { parseVia, topViaBranch } from '../../src/sip/via.js';
import { MESSAGE_TEXT, expectSipParseError } from './helpers.js';

describe('parseNameAddress', () => {
  test('quoted display name with escapes', () => {
    const address = parseNameAddress('"Bob \\"B\\" \\\\ Example" <sip:bob@example.org>;tag=a1');
    expect(address.displayName).toBe('Bob "B" \\ Example');
    expect(address.uri).toBe('sip:bob@example.org');
    expect([...address.params]).toEqual([['tag', 'a1']]);
  });

  test('token display name', () => {
    const address = parseNameAddress('A. Bell <sip:a.g.bell@example.com>');
    expect(address.displayName).toBe('A. Bell');
    expect(address.params.size).toBe(0);
  });

  test('no display name', () => {
    expect(parseNameAddress('<sip:bob@example.org>').displayName).toBeUndefined();
  });

  test('bare addr-spec params belong to the header', () => {
    const address = parseNameAddress('sip:bob@example.org;transport=ws;TAG=x');
    expect(address.uri).toBe('sip:bob@example.org');
    expect([...address.params]).toEqual([
      ['transport', 'ws'],
      ['tag', 'x'],
    ]);
  });

  test('bracketed URI keeps its params', () => {
    const address = parseNameAddress('<sip:bob@example.org;transport=ws>;tag=x');
    expect(address.uri).toBe('sip:bob@example.org;transport=ws');
    expect([...address.params]).toEqual([['tag', 'x']]);
  });

  test('param spacing and quoted values', () => {
    const address = parseNameAddress('<sip:a@example.org> ; q = 0.7 ; +sip.instance = "<urn:x>"');
    expect(address.params.get('q')).toBe('0.7');
    expect(address.params.get('+sip.instance')).toBe('<urn:x>');
  });

  test('other URI schemes', () => {
    expect(parseNameAddress('<tel:+15550100>').uri).toBe('tel:+15550100');
    expect(parseNameAddress('urn:service:sos').uri).toBe('urn:service:sos');
  });

  const invalid = [
    '',
    '"unterminated <sip:a@example.org>',
    'Bell, Alexander <sip:a@example.org>',
    '< sip:a@example.org >',
    '<sip:a@example.org',
    'sip:a@example.org?Subject=x',
    'sip:a,b@example.org',
    '<sip:a@example.org>;;',
    '<sip:a@example.org>;tag=a b',
    '<sip:a@exa mple.org>',
    '<sip:@example.org>',
    '<not a uri>',
    '"Bob" sip:bob@example.org',
  ];
  for (const value of invalid) {
    test(`rejects ${JSON.stringify(value)}`, () => {
      expectSipParseError(() => parseNameAddress(value, 'To'), 'invalid To header');
    });
  }

  test('valueless param at the end', () => {
    expect(parseNameAddress('<sip:a@example.org>;tag').params.get('tag')).toBe('');
  });
});

describe('parseSipUri', () => {
  test('every component', () => {
    const uri = parseSipUri(
      'SIPS:al%69ce:secret@Example.ORG:5061;Transport=TLS;lr?Subject=hi%20there&Priority=urgent',
    );
    expect(uri.scheme).toBe('sips');
    expect(uri.user).toBe('alice');
    expect(uri.password).toBe('secret');
    expect(uri.host).toBe('Example.ORG');
    expect(uri.port).toBe(5061);
    expect([...uri.params]).toEqual([
      ['transport', 'TLS'],
      ['lr', ''],
    ]);
    expect([...uri.headers]).toEqual([
      ['Subject', 'hi there'],
      ['Priority', 'urgent'],
    ]);
  });

  test('host only', () => {
    const uri = parseSipUri('sip:example.org');
    expect(uri.user).toBeUndefined();
    expect(uri.port).toBeUndefined();
    expect(uri.params.size).toBe(0);
  });

  test('IPv6 reference with port', () => {
    const uri = parseSipUri('sip:alice@[2001:db8::1]:5070');
    expect(uri.host).toBe('[2001:db8::1]');
    expect(uri.port).toBe(5070);
  });

  test.each([
    '[2001:db8:0:0:0:0:0:1]',
    '[::1]',
    '[::]',
    '[2001:db8::]',
    '[::ffff:192.0.2.1]',
    '[1:2:3:4:5:6:192.0.2.1]',
    '[2001:db8:::192.0.2.1]',
  ])('IPv6 reference %s', (host) => {
    expect(parseSipUri(`sip:alice@${host}`).host).toBe(host);
  });

  test.each([
    ['two double colons', '[::1::2]'],
    ['nine groups', '[1:2:3:4:5:6:7:8:9]'],
    ['seven groups', '[1:2:3:4:5:6:7]'],
    ['a group of five digits', '[2001:0db8a::1]'],
    ['an octet over 255', '[::ffff:192.0.2.256]'],
    ['an IPv4 address not last', '[::192.0.2.1:1]'],
    ['a leading colon', '[:1:2:3:4:5:6:7]'],
    ['no colon', '[2001]'],
    ['30000 colons', `[${':'.repeat(30_000)}]`],
  ])('rejects an IPv6 reference with %s', (_case, host) => {
    expectSipParseError(() => parseSipUri(`sip:alice@${host}`));
  });

  test.each([
    ['the same spelling', 'sip:alice@example.org;user=ip;user=phone'],
    ['another case', 'sip:alice@example.org;maddr=192.0.2.1;MADDR=192.0.2.2'],
    ['an escape', 'sip:alice@example.org;lr;%6Cr'],
  ])('rejects a parameter repeated in %s', (_case, uri) => {
    expectSipParseError(() => parseSipUri(uri), 'repeated parameter in SIP URI');
  });

  test('telephone user', () => {
    expect(
      parseSipUri('sip:+1-555-0100;phone-context=example.org@example.org;user=phone').user,
    ).toBe('+1-555-0100;phone-context=example.org');
  });

  const invalid = [
    'sip:alice@example.org\x00.evil.example',
    'sip:alice\x00@example.org',
    'sip:alice@example.org\x7f',
    'sip:alice@example.org\t',
    'sip:ali ce@example.org',
    'sip:alicé@example.org',
    'tel:+15550100',
    'sip:',
    'sip:alice@',
    'sip:alice@example.org:70000',
    'sip:alice@example.org:port',
    'sip:alice@-example.org',
    'sip:alice@[2001:db8::1',
    'sip:alice@[]',
    'sip:2001:db8::10',
    'sip:al%G1ce@example.org',
    'sip:al%FFce@example.org',
    'sip:alice@example.org;=x',
    'sip:alice@example.org;a=<b>',
    'sip:alice@example.org?novalue',
    'sip:al<ice@example.org',
  ];
  for (const value of invalid) {
    test(`rejects ${JSON.stringify(value)}`, () => {
      expectSipParseError(() => parseSipUri(value));
    });
  }
});

describe('sameAddressOfRecord', () => {
  const equal: readonly [string, string][] = [
    ['sip:alice@example.org', 'SIP:alice@EXAMPLE.org'],
    ['sip:%61lice@example.org', 'sip:alice@example.org'],
    ['sip:alice@example.org;transport=ws', 'sip:alice@example.org;transport=tcp'],
    ['sip:alice@example.org:5060', 'sip:alice@example.org:5060'],
    ['sip:alice@[2001:DB8::1]', 'sip:alice@[2001:db8::1]'],
    ['sip:alice@example.org;user=phone', 'sip:alice@example.org;USER=Phone'],
    ['sip:alice@example.org;maddr=192.0.2.1', 'sip:alice@example.org;maddr=192.0.2.1;lr'],
  ];
  for (const [a, b] of equal) {
    test(`${a} equals ${b}`, () => {
      expect(sameAddressOfRecord(a, b)).toBe(true);
    });
  }

  const different: readonly [string, string][] = [
    ['sip:alice@example.org', 'sip:Alice@example.org'],
    ['sip:alice@example.org', 'sips:alice@example.org'],
    ['sip:alice@example.org', 'sip:alice@example.org:5060'],
    ['sip:alice@example.org', 'sip:alice@example.org.evil.example'],
    ['sip:alice@example.org', 'sip:alice@example.org\x00.evil.example'],
    ['sip:alice@example.org', 'sip:alice:pw@example.org'],
    ['sip:alice@example.org', 'sip:example.org'],
    ['sip:alice@example.org', 'tel:+15550100'],
    ['not a uri', 'not a uri'],
    ['sip:alice@example.org;user=phone', 'sip:alice@example.org'],
    ['sip:alice@example.org', 'sip:alice@example.org;user=ip'],
    ['sip:alice@example.org;ttl=1', 'sip:alice@example.org'],
    ['sip:alice@example.org;method=INVITE', 'sip:alice@example.org'],
    ['sip:alice@example.org;maddr=192.0.2.1', 'sip:alice@example.org'],
    ['sip:alice@example.org;user=phone', 'sip:alice@example.org;user=ip'],
  ];
  for (const [a, b] of different) {
    test(`${JSON.stringify(a)} differs from ${JSON.stringify(b)}`, () => {
      expect(sameAddressOfRecord(a, b)).toBe(false);
    });
  }
});

describe('fromAddress and toAddress', () => {
  const message = SipMessage.parse(new TextEncoder().encode(MESSAGE_TEXT));

  test('read the message addresses', () => {
    expect(fromAddress(message)).toEqual({
      displayName: 'Alice',
      uri: 'sip:alice@example.org',
      params: new Map([['tag', '1928301774']]),
    });
    expect(toAddress(message).uri).toBe('sip:bob@example.org');
    expect(toAddress(message).displayName).toBe('Bob');
  });

  test('missing From is rejected', () => {
    const line = {
      type: 'request',
      method: 'MESSAGE',
      requestUri: 'sip:a@b.example',
      version: 'SIP/2.0',
    } as const;
    expectSipParseError(() => fromAddress(SipMessage.create(line, [])), 'missing From header');
  });
});

describe('parseVia', () => {
  test('LWS around slashes and colon', () => {
    const via = parseVia('SIP / 2.0 / UDP  host.example.org : 5060 ; branch = z9hG4bK1 ; rport');
    expect(via.protocol).toBe('SIP/2.0/UDP');
    expect(via.transport).toBe('UDP');
    expect(via.host).toBe('host.example.org');
    expect(via.port).toBe(5060);
    expect(via.branch).toBe('z9hG4bK1');
    expect(via.params.get('rport')).toBe('');
  });

  const invalid = [
    'SIP/2.0/UDP',
    'SIP/2.0 host.example.org',
    'SIP/2.0/UDP host.example.org;',
    'SIP/2.0/UDP host.example.org;;branch=z9hG4bK1',
    'SIP/2.0/UDP host.example.org:99999',
    'SIP/2.0/UDP [2001:db8::1',
    'SIP/2.0/UDP host_name.example.org',
    'SIP/2.0/UDP host.example.org;branch=z9hG4bK1;branch=z9hG4bK2',
    'SIP/2.0/UDP host.example.org;rport;RPORT=5060',
  ];
  for (const value of invalid) {
    test(`rejects ${JSON.stringify(value)}`, () => {
      expectSipParseError(() => parseVia(value), 'invalid Via header');
    });
  }
});

describe('topViaBranch', () => {
  function withVia(...vias: string[]): SipMessage {
    return SipMessage.create(
      { type: 'request', version: 'SIP/2.0', method: 'OPTIONS', requestUri: 'sip:b@example.org' },
      [
        ...vias.map((value) => ({ name: 'Via', value })),
        { name: 'From', value: '<sip:a@example.org>;tag=1' },
        { name: 'To', value: '<sip:b@example.org>' },
        { name: 'Call-ID', value: 'c1' },
        { name: 'CSeq', value: '1 OPTIONS' },
      ],
    );
  }

  test('reads the branch of the first Via value', () => {
    const message = withVia('SIP/2.0/WSS a.example.org;branch=z9hG4bKtop, SIP/2.0/WSS b;branch=x');
    expect(topViaBranch(message)).toBe('z9hG4bKtop');
  });

  test('keeps the case of the branch', () => {
    expect(topViaBranch(withVia('SIP/2.0/UDP a.example.org;BRANCH=z9hG4bKAbC'))).toBe('z9hG4bKAbC');
  });

  test('skips a quoted parameter value that contains ;branch=', () => {
    const via = 'SIP/2.0/WSS a.example.org;x="q;branch=z9hG4bKdecoy;y";branch=z9hG4bKreal';
    expect(topViaBranch(withVia(via))).toBe('z9hG4bKreal');
  });

  test.each([
    ['no Via', []],
    ['a Via without branch', ['SIP/2.0/UDP a.example.org;rport']],
    ['a malformed Via', ['SIP/2.0 a.example.org;branch=z9hG4bK1']],
  ])('returns undefined for %s', (_, vias) => {
    expect(topViaBranch(withVia(...vias))).toBeUndefined();
  });
});
