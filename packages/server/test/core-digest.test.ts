import { describe, expect, it } from 'vitest';
import { SipMessage, utf8Encode } from '@mcptt-smime/smime';
import { digestAuthorization } from '../src/core-digest.js';

/** The method and Request-URI of the examples of RFC 2617 and RFC 7616. */
const REQUEST = { method: 'GET', requestUri: '/dir/index.html' };

function challenge(status: string, ...fields: string[]): SipMessage {
  return SipMessage.parse(
    utf8Encode(
      [
        `SIP/2.0 ${status}`,
        'Via: SIP/2.0/WS server.invalid;branch=z9hG4bK1',
        'From: <sip:mcptt-server@mcptt.example>;tag=1',
        'To: <sip:mcptt-server@mcptt.example>;tag=2',
        'Call-ID: c1',
        'CSeq: 1 GET',
        ...fields,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    ),
  );
}

/** Reads the parameters of a Digest credentials value. */
function parameters(value: string | undefined): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of (value ?? '').matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)) {
    found.set(match[1] as string, match[2] ?? (match[3] as string));
  }
  return found;
}

const RFC_7616_CHALLENGE =
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=ALGORITHM, ' +
  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", ' +
  'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
const RFC_7616_CNONCE = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';

describe('digestAuthorization', () => {
  it('gives the response of the RFC 2617 example', () => {
    const response = challenge(
      '401 Unauthorized',
      'WWW-Authenticate: Digest realm="testrealm@host.com", qop="auth,auth-int", ' +
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );

    const authorization = digestAuthorization(
      REQUEST,
      response,
      { username: 'Mufasa', password: 'Circle Of Life' },
      'mcptt-server',
      '0a4f113b',
    );

    expect(authorization?.name).toBe('Authorization');
    const fields = parameters(authorization?.value);
    expect(fields.get('response')).toBe('6629fae49393a05397450978507c4ef1');
    expect(fields.get('qop')).toBe('auth');
    expect(fields.get('nc')).toBe('00000001');
    expect(fields.get('opaque')).toBe('5ccc069c403ebaf9f0171e9517f40e41');
    expect(fields.get('uri')).toBe('/dir/index.html');
  });

  it.each([
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ])('gives the response of the RFC 7616 example with %s', (algorithm, expected) => {
    const response = challenge(
      '407 Proxy Authentication Required',
      `Proxy-Authenticate: ${RFC_7616_CHALLENGE.replace('ALGORITHM', algorithm)}`,
    );

    const authorization = digestAuthorization(
      REQUEST,
      response,
      { username: 'Mufasa', password: 'Circle of Life' },
      'mcptt-server',
      RFC_7616_CNONCE,
    );

    expect(authorization?.name).toBe('Proxy-Authorization');
    expect(parameters(authorization?.value).get('response')).toBe(expected);
    expect(parameters(authorization?.value).get('algorithm')).toBe(algorithm);
  });

  it('answers a challenge without qop', () => {
    const response = challenge('401 Unauthorized', 'WWW-Authenticate: Digest realm="r", nonce="n"');

    const fields = parameters(
      digestAuthorization(REQUEST, response, { password: 'p' }, 'mcptt-server')?.value,
    );

    expect(fields.get('username')).toBe('mcptt-server');
    expect(fields.has('qop')).toBe(false);
    expect(fields.has('cnonce')).toBe(false);
    expect(fields.get('response')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('escapes quotes in the user name and realm', () => {
    const response = challenge(
      '401 Unauthorized',
      'WWW-Authenticate: Digest realm="a \\"quoted\\" realm", nonce="n"',
    );

    const value = digestAuthorization(
      REQUEST,
      response,
      { username: 'x"y', password: 'p' },
      's',
    )?.value;

    expect(value).toContain('username="x\\"y"');
    expect(value).toContain('realm="a \\"quoted\\" realm"');
  });

  it('takes the first challenge it supports', () => {
    const response = challenge(
      '401 Unauthorized',
      'WWW-Authenticate: Digest realm="r", nonce="n1", qop="auth-int"',
      'WWW-Authenticate: Digest realm="r", nonce="n2", algorithm=SHA-512-256',
      'WWW-Authenticate: Basic realm="r"',
      'WWW-Authenticate: Digest realm="r", nonce="n3", qop="auth"',
    );

    const fields = parameters(
      digestAuthorization(REQUEST, response, { password: 'p' }, 'mcptt-server')?.value,
    );

    expect(fields.get('nonce')).toBe('n3');
  });

  it.each([
    ['a 403', challenge('403 Forbidden', 'WWW-Authenticate: Digest realm="r", nonce="n"')],
    ['a 401 without a challenge', challenge('401 Unauthorized')],
    [
      'a 401 with auth-int only',
      challenge(
        '401 Unauthorized',
        'WWW-Authenticate: Digest realm="r", nonce="n", qop="auth-int"',
      ),
    ],
    [
      'a challenge without nonce',
      challenge('401 Unauthorized', 'WWW-Authenticate: Digest realm="r"'),
    ],
    [
      'a malformed challenge',
      challenge('401 Unauthorized', 'WWW-Authenticate: Digest realm="r", nonce'),
    ],
    [
      'a 407 with WWW-Authenticate only',
      challenge(
        '407 Proxy Authentication Required',
        'WWW-Authenticate: Digest realm="r", nonce="n"',
      ),
    ],
  ])('answers nothing to %s', (_name, response) => {
    expect(digestAuthorization(REQUEST, response, { password: 'p' }, 'mcptt-server')).toBe(
      undefined,
    );
  });
});
