/** The rewrite of Digest challenges that makes JsSIP send credentials with `qop=auth`. */
import { describe, expect, it } from 'vitest';
import { SipMessage, utf8Encode } from '@mcptt-smime/smime';
import { authQopChallenge, withAuthQopChallenges } from '../src/core/digest-challenge.js';

function response(status: string, fields: readonly string[]): SipMessage {
  const lines = [
    `SIP/2.0 ${status}`,
    'Via: SIP/2.0/WSS client.invalid;branch=z9hG4bK-1',
    'From: <sip:alice@example.org>;tag=a1',
    'To: <sip:alice@example.org>;tag=c1',
    'Call-ID: call-1',
    'CSeq: 1 REGISTER',
    ...fields,
    'Content-Length: 0',
    '',
    '',
  ];
  return SipMessage.parse(utf8Encode(lines.join('\r\n')));
}

describe('authQopChallenge', () => {
  it('keeps auth of a quoted list', () => {
    expect(
      authQopChallenge('Digest realm="r", nonce="n", qop="auth-int,auth", algorithm=MD5'),
    ).toBe('Digest realm="r", nonce="n", qop="auth", algorithm=MD5');
  });

  it('reads spaces and case', () => {
    expect(authQopChallenge('digest QOP = " auth , auth-int ",realm="r"')).toBe(
      'digest qop="auth",realm="r"',
    );
  });

  it('skips a qop inside a quoted value', () => {
    const value = 'Digest realm="a, qop=\\"auth,auth-int\\"", nonce="n", qop="auth"';
    expect(authQopChallenge(value)).toBe(value);
  });

  it('leaves auth-int alone', () => {
    const value = 'Digest realm="r", nonce="n", qop="auth-int"';
    expect(authQopChallenge(value)).toBe(value);
  });

  it('leaves a challenge without qop', () => {
    const value = 'Digest realm="r", nonce="n"';
    expect(authQopChallenge(value)).toBe(value);
  });

  it('leaves other schemes', () => {
    const value = 'Bearer realm="r", qop="auth,auth-int"';
    expect(authQopChallenge(value)).toBe(value);
  });
});

describe('withAuthQopChallenges', () => {
  it('rewrites each challenge field of a 401', () => {
    const rewritten = withAuthQopChallenges(
      response('401 Unauthorized', [
        'WWW-Authenticate: Digest realm="r", nonce="1", qop="auth,auth-int"',
        'WWW-Authenticate: Digest realm="r", nonce="2", qop="auth-int", algorithm=SHA-256',
      ]),
    );

    expect(rewritten.getHeaders('WWW-Authenticate')).toEqual([
      'Digest realm="r", nonce="1", qop="auth"',
      'Digest realm="r", nonce="2", qop="auth-int", algorithm=SHA-256',
    ]);
  });

  it('rewrites Proxy-Authenticate of a 407', () => {
    const rewritten = withAuthQopChallenges(
      response('407 Proxy Authentication Required', [
        'Proxy-Authenticate: Digest realm="r", nonce="1", qop="auth-int,auth"',
      ]),
    );

    expect(rewritten.getHeader('Proxy-Authenticate')).toBe(
      'Digest realm="r", nonce="1", qop="auth"',
    );
  });

  it('returns other responses as they are', () => {
    const ok = response('200 OK', ['WWW-Authenticate: Digest realm="r", qop="auth,auth-int"']);

    expect(withAuthQopChallenges(ok)).toBe(ok);
  });

  it('returns a 401 without change as it is', () => {
    const challenged = response('401 Unauthorized', [
      'WWW-Authenticate: Digest realm="r", nonce="1", qop="auth"',
    ]);

    expect(withAuthQopChallenges(challenged)).toBe(challenged);
  });
});
