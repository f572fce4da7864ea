import { describe, expect, it } from 'vitest';
import { describeWireMessage } from '../src/wire-socket.js';

const request = [
  'MESSAGE sip:bob@mcptt.example SIP/2.0',
  'Call-ID: a84b4c76e66710',
  'CSeq: 7 MESSAGE',
  'Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data',
  'Content-Length: 4',
  '',
  'MIIB',
].join('\r\n');

describe('describeWireMessage', () => {
  it('reads a protected request', () => {
    expect(describeWireMessage('out', request)).toEqual({
      direction: 'out',
      method: 'MESSAGE',
      callId: 'a84b4c76e66710',
      protected: true,
      hasBody: true,
    });
  });

  it('names a response by status and CSeq method', () => {
    const response = 'SIP/2.0 200 OK\r\ni: x1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
    const message = describeWireMessage('in', response);
    expect(message?.method).toBe('200 INVITE');
    expect(message?.callId).toBe('x1');
    expect(message?.protected).toBe(false);
    expect(message?.hasBody).toBe(false);
  });

  it('finds S/MIME inside a multipart body', () => {
    const mixed = request
      .replace(
        'application/pkcs7-mime; smime-type=authEnveloped-data',
        'multipart/mixed;boundary=b',
      )
      .replace('MIIB', '--b\r\nContent-Type: application/pkcs7-mime\r\n\r\nMIIB\r\n--b--');
    expect(describeWireMessage('in', mixed)?.protected).toBe(true);
  });

  it('skips a keep-alive', () => {
    expect(describeWireMessage('in', '\r\n\r\n')).toBeUndefined();
  });
});
